import { isDeepStrictEqual } from 'node:util';
import type { ConfigDiff, HacoreConfig } from '../types.js';

/** Computes what a reload changes: checks by name, and top-level sections by content. */
export function diffConfig(previous: HacoreConfig, next: HacoreConfig): ConfigDiff {
  const prev = new Map(previous.checks.map((c) => [c.name, c]));
  const nxt = new Map(next.checks.map((c) => [c.name, c]));
  const checks: ConfigDiff['checks'] = { added: [], removed: [], changed: [], unchanged: [] };
  for (const [name, spec] of nxt) {
    const old = prev.get(name);
    if (!old) checks.added.push(name);
    else if (isDeepStrictEqual(old, spec)) checks.unchanged.push(name);
    else checks.changed.push(name);
  }
  for (const name of prev.keys()) if (!nxt.has(name)) checks.removed.push(name);
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)]);
  const sections = [...keys].filter((k) => k !== 'checks' && !isDeepStrictEqual(previous[k], next[k]));
  return { previous, next, checks, sections };
}
