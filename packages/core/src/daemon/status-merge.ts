import type { StatusReport } from '../types.js';

/** The fields every process's status document has; any other key is a plugin's section. */
const BASE_KEYS = new Set(['version', 'pid', 'role', 'startedAt', 'configFile', 'plugins', 'targets', 'pluginErrors', 'workers']);

function sum(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = k in out ? sum(out[k], v) : v;
    return out;
  }
  return a ?? b;
}

/**
 * The check process's status with its workers': a section that a worker's
 * plugins report (only checker plugins run there, e.g. `icmp` sockets) is
 * theirs, not the check process's own copy's, with numbers added up over the
 * workers (counters, sockets' references) and anything else the first
 * worker's. A plugin error counted in a worker counts here too.
 */
export function mergeWorkerStatus(base: StatusReport, workers: readonly (StatusReport | undefined)[]): StatusReport {
  const out: StatusReport = { ...base };
  const merged: Record<string, unknown> = {};
  for (const doc of workers) {
    if (!doc) continue;
    for (const [k, v] of Object.entries(doc)) if (!BASE_KEYS.has(k)) merged[k] = k in merged ? sum(merged[k], v) : v;
  }
  Object.assign(out, merged);
  const errors = workers.reduce<unknown>((acc, d) => (d?.pluginErrors ? sum(acc, d.pluginErrors) : acc), base['pluginErrors'] ?? {});
  out['pluginErrors'] = errors;
  return out;
}
