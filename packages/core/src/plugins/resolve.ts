import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HacoreError } from '../errors.js';
import { pluginManifest } from './manifest.js';

export function isRelative(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec);
}

/** Where @hacore/core itself is installed: plugins installed beside it resolve from here too. */
const CORE_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * Resolves a plugin spec from the config file's directory, as Node would from
 * there, then from the core's own installation (a plugin installed beside
 * @hacore/core, as the Debian package and a global install place them). A
 * package whose package.json names its plugin module (`"hacorePlugin"`) is
 * loaded from that module instead of its main entry.
 */
export function resolvePlugin(spec: string, baseDir: string): string {
  if (isRelative(spec)) return path.resolve(baseDir, spec);
  let first: unknown;
  for (const from of [baseDir, CORE_DIR]) {
    let main: string;
    try {
      main = createRequire(path.join(from, 'noop.js')).resolve(spec);
    } catch (err) {
      first ??= err;
      continue;
    }
    const m = pluginManifest(main);
    return m?.entry ? path.resolve(m.dir, m.entry) : main;
  }
  throw new HacoreError(
    'HACORE_ERR_PLUGIN_NOT_FOUND',
    `plugin "${spec}" is not installed (looked from ${baseDir} and beside @hacore/core); install it with: npm install ${spec}`,
    { cause: first },
  );
}
