import { pathToFileURL } from 'node:url';
import { HacoreError } from '../errors.js';
import type { HacorePlugin } from '../plugin.js';
import { apiRangeAccepts } from './api-range.js';
import { isRelative, resolvePlugin } from './resolve.js';

export interface LoadedPlugin {
  /** What the config listed. */
  spec: string;
  /** Where it was loaded from. */
  resolved: string;
  plugin: HacorePlugin;
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
export async function checkPlugin(candidate: unknown, spec: string, apiVersion: string): Promise<HacorePlugin> {
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
  const accepts = await apiRangeAccepts(plugin.hacore, apiVersion);
  if (accepts === undefined) {
    throw new HacoreError('HACORE_ERR_PLUGIN_INVALID', `plugin "${plugin.name}" (${spec}) declares hacore: "${plugin.hacore}", which is not a semver range`);
  }
  if (!accepts) {
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
    const plugin = await checkPlugin(pluginOf(mod), spec, apiVersion);
    const dup = out.find((o) => o.plugin.name === plugin.name);
    if (dup) {
      throw new HacoreError('HACORE_ERR_PLUGIN_DUPLICATE', `plugin "${plugin.name}" is listed twice (as "${dup.spec}" and "${spec}")`);
    }
    out.push({ spec, resolved, plugin });
  }
  return out;
}
