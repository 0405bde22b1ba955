import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The fields of a plugin package's package.json that the core reads before importing it. */
export interface PluginManifest {
  /** The package's directory. */
  dir: string;
  /** `hacoreRoles`: the processes the plugin runs in, so children can be forked before it is imported. */
  roles: string[] | undefined;
  /** `hacorePlugin`: the module that exports the plugin, when it is not the package's main entry (a whole library). */
  entry: string | undefined;
}

/** The nearest package.json with a name at or above a plugin's entry file; undefined when there is none or it is unreadable. */
export function pluginManifest(entryFile: string): PluginManifest | undefined {
  for (let dir = path.dirname(entryFile); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    let pkg: { name?: unknown; hacoreRoles?: unknown; hacorePlugin?: unknown };
    try {
      pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
    } catch {
      continue;
    }
    if (typeof pkg.name !== 'string') continue;
    const r = pkg.hacoreRoles;
    return {
      dir,
      roles: Array.isArray(r) && r.length > 0 && r.every((x) => typeof x === 'string') ? (r as string[]) : undefined,
      entry: typeof pkg.hacorePlugin === 'string' && pkg.hacorePlugin ? pkg.hacorePlugin : undefined,
    };
  }
  return undefined;
}
