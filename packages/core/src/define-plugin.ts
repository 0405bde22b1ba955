import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HacoreError } from './errors.js';
import type { HacoreCore, HacorePlugin, PluginDefinition } from './plugin.js';
import type { Schema } from './config/schema.js';
import type { StandardSchemaV1 } from './config/standard-schema.js';
import type { Role } from './types.js';

interface PackageJson {
  name?: unknown;
  version?: unknown;
  hacore?: unknown;
}

/** The nearest package.json at or above a module (or the file itself if it is one). */
export function readOwnPackage(from: string | URL): { file: string; name: string; version: string; hacore: string } {
  let p = fileURLToPath(from);
  if (path.basename(p) !== 'package.json') p = path.dirname(p);
  for (let dir = p; ; dir = path.dirname(dir)) {
    const file = path.basename(dir) === 'package.json' ? dir : path.join(dir, 'package.json');
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      // not here: go up
    }
    if (text !== undefined) {
      const pkg = JSON.parse(text) as PackageJson;
      if (typeof pkg.name === 'string' && typeof pkg.version === 'string') {
        if (typeof pkg.hacore !== 'string') {
          throw new HacoreError('HACORE_ERR_PLUGIN_INVALID', `${file}: a hacore plugin's package.json needs "hacore": "<semver range of the plugin API>", e.g. "^1.0.0"`);
        }
        return { file, name: pkg.name, version: pkg.version, hacore: pkg.hacore };
      }
    }
    if (path.dirname(dir) === dir) throw new HacoreError('HACORE_ERR_PLUGIN_INVALID', `no package.json with a name and version at or above ${p}`);
  }
}

type SectionSpec = Schema<unknown> | StandardSchemaV1 | { schema: Schema<unknown> | StandardSchemaV1; roles?: readonly Role[] };

function isWrapped(v: SectionSpec): v is { schema: Schema<unknown> | StandardSchemaV1; roles?: readonly Role[] } {
  return typeof v === 'object' && v !== null && 'schema' in v && !('parse' in v) && !('~standard' in v);
}

/**
 * The plugin header in one call: name, version and API range from the
 * package's own package.json, roles, the sections it owns and the event kinds
 * it emits; `apply` taps hooks as usual. Returns a class, so the package can
 * `export default definePlugin({...})` and a user can `new` it.
 */
export function definePlugin(def: PluginDefinition): new () => HacorePlugin {
  const pkg = readOwnPackage(def.packageUrl);
  const name = def.name ?? pkg.name;
  class DefinedPlugin implements HacorePlugin {
    readonly name = name;
    readonly version = pkg.version;
    readonly hacore = pkg.hacore;
    readonly roles?: readonly Role[];
    readonly alsoIn?: readonly Role[];
    readonly loadRuntime?: () => Promise<void>;
    constructor() {
      if (def.roles) this.roles = def.roles;
      if (def.alsoIn) this.alsoIn = def.alsoIn;
      if (def.loadRuntime) this.loadRuntime = def.loadRuntime;
    }
    apply(core: HacoreCore): void {
      for (const [key, spec] of Object.entries(def.sections ?? {})) {
        if (isWrapped(spec)) core.registerSection(key, spec.schema as Schema<unknown>, spec.roles ? { roles: spec.roles } : (def.roles ? { roles: def.roles } : {}));
        else core.registerSection(key, spec as Schema<unknown>, def.roles ? { roles: def.roles } : {});
      }
      for (const e of def.events ?? []) core.declareEvent(e);
      def.apply(core, this);
    }
  }
  Object.defineProperty(DefinedPlugin, 'name', { value: name.replace(/[^A-Za-z0-9_$]/g, '_') });
  return DefinedPlugin;
}
