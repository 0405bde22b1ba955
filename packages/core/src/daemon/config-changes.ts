import { isDeepStrictEqual } from 'node:util';
import { isPlainObject } from '../config/schema.js';
import type { HacoreConfig } from '../types.js';
import { diffConfig } from './config-diff.js';

/** What a reload changed, for people: `hacore reload` prints it, `--json` gives it with the per-process summaries. */
export interface ReloadReport {
  checks: { added: string[]; removed: string[]; changed: string[] };
  /** Top-level sections whose content changed (`vrrp`, `ipvs`, ...). */
  sections: string[];
  /** One line per changed value: `vrrp: VI_1 priority 150 -> 140`, `check web1: interval 1000 -> 2000`. */
  changes: string[];
}

const MAX_LINES = 40;
const MAX_VALUE = 60;

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}

function nameOf(v: unknown): string | undefined {
  return isPlainObject(v) && typeof v.name === 'string' ? v.name : undefined;
}

/** An array whose every item has a distinct `name` is compared item by item, by name. */
function byName(a: unknown[]): Map<string, unknown> | undefined {
  const m = new Map<string, unknown>();
  for (const item of a) {
    const n = nameOf(item);
    if (n === undefined || m.has(n)) return undefined;
    m.set(n, item);
  }
  return m;
}

function walk(prefix: string, before: unknown, after: unknown, out: string[]): void {
  if (isDeepStrictEqual(before, after)) return;
  const at = (key: string): string => (prefix ? `${prefix} ${key}` : key);
  if (Array.isArray(before) && Array.isArray(after)) {
    const a = byName(before);
    const b = byName(after);
    if (a && b) {
      for (const [n, item] of b) {
        if (!a.has(n)) out.push(`${at(n)} added`);
        else walk(at(n), a.get(n), item, out);
      }
      for (const n of a.keys()) if (!b.has(n)) out.push(`${at(n)} removed`);
      return;
    }
  } else if (isPlainObject(before) && isPlainObject(after)) {
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) walk(at(k), before[k], after[k], out);
    return;
  }
  out.push(`${prefix ? `${prefix} ` : ''}${show(before)} -> ${show(after)}`);
}

/** The changes between two validated configs, section by section; at most 40 lines (then "... N more"). */
export function describeConfigChanges(previous: HacoreConfig, next: HacoreConfig): ReloadReport {
  const { checks, sections } = diffConfig(previous, next);
  const lines: string[] = [];
  const prevChecks = new Map(previous.checks.map((c) => [c.name, c]));
  for (const c of next.checks) if (checks.changed.includes(c.name)) walk(`check ${c.name}:`, prevChecks.get(c.name), c, lines);
  for (const k of sections) {
    const sub: string[] = [];
    walk('', previous[k], next[k], sub);
    lines.push(...sub.map((l) => `${k}: ${l}`));
  }
  const changes = lines.length > MAX_LINES ? [...lines.slice(0, MAX_LINES), `... ${lines.length - MAX_LINES} more`] : lines;
  return { checks: { added: checks.added, removed: checks.removed, changed: checks.changed }, sections, changes };
}

/** `reload applied: added web2; changed web1` and the change lines, indented. */
export function formatReloadReport(r: ReloadReport): string {
  const parts = [
    r.checks.added.length ? `added ${r.checks.added.join(', ')}` : '',
    r.checks.changed.length ? `changed ${r.checks.changed.join(', ')}` : '',
    r.checks.removed.length ? `removed ${r.checks.removed.join(', ')}` : '',
    r.sections.length ? `sections ${r.sections.join(', ')}` : '',
  ].filter(Boolean);
  const head = parts.length ? `reload applied: ${parts.join('; ')}` : 'reload applied: nothing changed';
  return [head, ...r.changes.map((l) => `  ${l}`)].join('\n');
}
