import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const CORE_INDEX = new URL('../src/index.js', import.meta.url).href;

/**
 * A plugin source for tests: check type `probe` (ok decided by `outcome`) and a
 * section `demo`. Its start hook records that it ran, so tests can prove that a
 * bad config started nothing.
 */
export function probePluginSource(opts: { name?: string; hacore?: string; throwInApply?: boolean; type?: string } = {}): string {
  return `
import { schema as s, defineCheckType } from ${JSON.stringify(CORE_INDEX)};
const NAME = ${JSON.stringify(opts.name ?? 'test-probe')};
export default {
  name: NAME,
  hacore: ${JSON.stringify(opts.hacore ?? '^1.0.0')},
  version: '9.9.9',
  apply(core) {
    ${opts.throwInApply ? "throw new Error('boom in apply');" : ''}
    core.registerSection('demo', s.object({ mode: s.enumOf(['fast', 'safe']), limit: s.optional(s.integer({ min: 1 }), 10) }));
    defineCheckType(core, NAME, ${JSON.stringify(opts.type ?? 'probe')}, s.object({
      address: s.ip(),
      outcome: s.optional(s.boolean(), true),
    }), (spec) => ({ probe: async () => ({ ok: spec.outcome, latencyMs: 0, reason: spec.outcome ? 'fine' : 'bad' }) }));
    core.hooks.start.tap(NAME, () => { globalThis.__hacoreTestStarted = (globalThis.__hacoreTestStarted ?? 0) + 1; });
  },
};
`;
}

export class TempDir {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-core-test-'));
  write(name: string, text: string): string {
    const f = path.join(this.dir, name);
    writeFileSync(f, text);
    return f;
  }
  path(name: string): string {
    return path.join(this.dir, name);
  }
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
