import { HacoreError, StateFile } from '@hacore/core';
import type { VirtualServerSpec } from './virtual-server-spec.js';

/** A drained real server: `virtualServer` names its virtual server, `realServer` its id (`198.51.100.20:80`). */
export interface DrainEntry {
  virtualServer: string;
  realServer: string;
  since: number;
}

function parseDrained(raw: unknown): DrainEntry[] {
  const list = (raw as { drained?: unknown })?.drained;
  if (!Array.isArray(list)) throw new Error('no "drained" list');
  return list.map((e: unknown) => {
    const d = e as Partial<DrainEntry>;
    if (typeof d.virtualServer !== 'string' || typeof d.realServer !== 'string') throw new Error('an entry without virtualServer and realServer');
    return { virtualServer: d.virtualServer, realServer: d.realServer, since: typeof d.since === 'number' ? d.since : 0 };
  });
}

/**
 * The real servers an operator drained (`hacore drain`, the web console): weight
 * 0 in the kernel, connections kept, until undrained. Persisted under stateDir,
 * so a drain survives a reload and a restart; an entry whose virtual server or
 * real server left the config is kept, in case it comes back.
 */
export class DrainSet {
  private entries: DrainEntry[] = [];
  private store: StateFile<{ drained: DrainEntry[] }> | undefined;

  /** Loads the stored drains; returns a problem line if the file was unusable. */
  open(stateDir: string): string | undefined {
    this.store = new StateFile(stateDir, 'ipvs-drained.json', (raw) => ({ drained: parseDrained(raw) }), () => ({ drained: [] }));
    const r = this.store.read();
    this.entries = r.value.drained;
    return r.problem;
  }

  has(virtualServer: string, realServer: string): boolean {
    return this.entries.some((e) => e.virtualServer === virtualServer && e.realServer === realServer);
  }

  since(virtualServer: string, realServer: string): number | undefined {
    return this.entries.find((e) => e.virtualServer === virtualServer && e.realServer === realServer)?.since;
  }

  list(): readonly DrainEntry[] {
    return this.entries;
  }

  /**
   * Drains (or undrains) the real servers that `realServer` names: an id
   * (`198.51.100.20:80`) or an address (every port), in `virtualServer` or in every
   * virtual server that has it. Returns the pairs it changed; refuses a name no
   * virtual server has.
   */
  apply(specs: readonly VirtualServerSpec[], args: Record<string, string>, drain: boolean, now = Date.now()): { virtualServer: string; realServer: string }[] {
    const want = args.realServer;
    if (!want) throw new HacoreError('HACORE_ERR_ACTION', `${drain ? 'drain' : 'undrain'}: which real server? (realServer)`);
    const vsName = args.virtualServer;
    if (vsName !== undefined && !specs.some((s) => s.name === vsName)) {
      throw new HacoreError('HACORE_ERR_ACTION', `${drain ? 'drain' : 'undrain'}: no virtual server "${vsName}" (there are: ${specs.map((s) => s.name).join(', ') || 'none'})`);
    }
    const matches = specs
      .filter((s) => vsName === undefined || s.name === vsName)
      .flatMap((s) => s.realServers.filter((rs) => rs.id === want || rs.destination.address === want).map((rs) => ({ virtualServer: s.name, realServer: rs.id })));
    if (matches.length === 0) throw new HacoreError('HACORE_ERR_ACTION', `${drain ? 'drain' : 'undrain'}: no real server ${want}${vsName ? ` in ${vsName}` : ''}`);
    const changed = matches.filter((m) => this.has(m.virtualServer, m.realServer) !== drain);
    const next = drain
      ? [...this.entries, ...changed.map((m) => ({ ...m, since: now }))]
      : this.entries.filter((e) => !changed.some((m) => m.virtualServer === e.virtualServer && m.realServer === e.realServer));
    // Written before it takes effect: a drain the file does not hold would be undone by the next restart.
    this.store?.write({ drained: next });
    this.entries = next;
    return changed;
  }
}
