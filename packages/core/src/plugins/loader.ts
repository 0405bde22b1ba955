import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// The two functions, not the package's index (which loads all ~45 of its files, ~25 ms of a start).
import satisfies from 'semver/functions/satisfies.js';
import validRange from 'semver/ranges/valid.js';
import { HacoreError } from '../errors.js';
import type { HacorePlugin } from '../plugin.js';
import { pluginManifest } from './manifest.js';

export interface LoadedPlugin {
  /** What the config listed. */
  spec: string;
  /** Where it was loaded from. */
  resolved: string;
  plugin: HacorePlugin;
}

function isRelative(spec: string): boolean {
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

/** A module's plugin: its default (or `plugin`) export, a class instantiated. */
export function pluginOf(mod: Record<string, unknown>): unknown {
  return instantiate(mod.default ?? mod.plugin);
}

function instantiate(exported: unknown): unknown {
  if (typeof exported === 'function') {
    try {
      return new (exported as new () => unknown)();
    } catch {
      return exported;
    }
  }
  return exported;
}

/** Checks the shape of a plugin and its API range; returns it typed. */
export function checkPlugin(candidate: unknown, spec: string, apiVersion: string): HacorePlugin {
  const p = candidate as Partial<HacorePlugin> | null | undefined;
  const missing: string[] = [];
  if (!p || typeof p !== 'object') missing.push('an exported object or class');
  else {
    if (typeof p.name !== 'string' || !p.name) missing.push('name (string)');
    if (typeof p.hacore !== 'string') missing.push('hacore (semver range of the plugin API)');
    if (typeof p.apply !== 'function') missing.push('apply(core) (function)');
  }
  if (missing.length > 0) {
    throw new HacoreError('HACORE_ERR_PLUGIN_INVALID', `"${spec}" is not a hacore plugin: its default export lacks ${missing.join(', ')}`);
  }
  const plugin = p as HacorePlugin;
  if (!validRange(plugin.hacore)) {
    throw new HacoreError('HACORE_ERR_PLUGIN_INVALID', `plugin "${plugin.name}" (${spec}) declares hacore: "${plugin.hacore}", which is not a semver range`);
  }
  if (!satisfies(apiVersion, plugin.hacore)) {
    throw new HacoreError(
      'HACORE_ERR_PLUGIN_API_RANGE',
      `plugin "${plugin.name}" (${spec}) targets hacore plugin API ${plugin.hacore}, but this core implements plugin API ${apiVersion}`,
    );
  }
  return plugin;
}

/** Imports every listed plugin, in order; refuses duplicates, missing and incompatible ones. */
export async function loadPlugins(specs: readonly string[], baseDir: string, apiVersion: string): Promise<LoadedPlugin[]> {
  const out: LoadedPlugin[] = [];
  const bySpec = new Map<string, number>();
  for (const [i, spec] of specs.entries()) {
    const first = bySpec.get(spec);
    if (first !== undefined) {
      throw new HacoreError('HACORE_ERR_PLUGIN_DUPLICATE', `plugin "${spec}" is listed twice (plugins[${first}] and plugins[${i}])`);
    }
    bySpec.set(spec, i);
    const resolved = resolvePlugin(spec, baseDir);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ERR_MODULE_NOT_FOUND' && isRelative(spec)) {
        throw new HacoreError('HACORE_ERR_PLUGIN_NOT_FOUND', `plugin "${spec}" not found at ${resolved}`, { cause: err });
      }
      throw new HacoreError('HACORE_ERR_PLUGIN_INVALID', `plugin "${spec}" failed to load: ${e.message}`, { cause: err });
    }
    const plugin = checkPlugin(pluginOf(mod), spec, apiVersion);
    const dup = out.find((o) => o.plugin.name === plugin.name);
    if (dup) {
      throw new HacoreError('HACORE_ERR_PLUGIN_DUPLICATE', `plugin "${plugin.name}" is listed twice (as "${dup.spec}" and "${spec}")`);
    }
    out.push({ spec, resolved, plugin });
  }
  return out;
}
