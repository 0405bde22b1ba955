import type { StatusReport, StatusTable, Target } from '../types.js';

function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

function targetRows(targets: Target[], now: number): string[][] {
  return targets.map((t) => [
    t.check,
    t.type,
    t.target.address ? `${t.target.address}${t.target.port ? `:${t.target.port}` : ''}` : '-',
    t.state.toUpperCase(),
    ago(t.since, now),
    t.lastResult ? `${t.lastResult.reason}${t.lastResult.detail ? `: ${t.lastResult.detail}` : ''} (${t.lastResult.latencyMs.toFixed(1)} ms)` : '-',
  ]);
}

/** The human table of `hacore status`: processes, targets, then any plugin sections that list instances. */
export function formatStatus(all: Record<string, StatusReport>, now = Date.now()): string {
  const out: string[] = [];
  const procs = Object.entries(all).flatMap(([role, s]) => [
    [role, String(s.pid ?? '-'), s.error ? `error: ${String(s.error)}` : `up ${ago(s.startedAt, now)}`],
    // A check process's workers (checkWorkers), under it.
    ...(Array.isArray(s.workers) ? (s.workers as { index: number; pid?: number; running: boolean; since: number; restarts: number; checks: string[] }[]) : []).map((w) => [
      `${role} worker ${w.index}`,
      String(w.pid ?? '-'),
      `${w.running ? `up ${ago(w.since, now)}` : 'starting'}, ${w.checks.length} checks${w.restarts > 0 ? `, ${w.restarts} restarts` : ''}`,
    ]),
  ]);
  out.push(table([['PROCESS', 'PID', 'STATE'], ...procs]));
  const targets = Object.values(all).flatMap((s) => s.targets ?? []);
  out.push('');
  if (targets.length === 0) out.push('no checks');
  else out.push(table([['CHECK', 'TYPE', 'TARGET', 'STATE', 'SINCE', 'LAST RESULT'], ...targetRows(targets, now)]));
  for (const s of Object.values(all)) {
    for (const [key, section] of Object.entries(s)) {
      const tables = (section as { tables?: StatusTable[] } | null)?.tables;
      if (Array.isArray(tables)) {
        for (const tb of tables) if (tb.rows.length > 0) out.push('', table([tb.columns.map((c, i) => (i === 0 ? `${tb.title} ${c}`.toUpperCase() : c.toUpperCase())), ...tb.rows]));
        continue;
      }
      const instances = (section as { instances?: unknown } | null)?.instances;
      if (!Array.isArray(instances) || instances.length === 0) continue;
      const rows = instances.map((i: Record<string, unknown>) => [String(i.name ?? ''), String(i.state ?? ''), String(i.effectivePriority ?? i.priority ?? '')]);
      out.push('', table([[`${key.toUpperCase()} INSTANCE`, 'STATE', 'PRIORITY'], ...rows]));
      // A plugin's warnings (one line each, e.g. a peer configured unlike us) follow its table.
      const warnings = (section as { warnings?: unknown }).warnings;
      if (Array.isArray(warnings)) for (const w of warnings) out.push(`WARNING ${key}: ${String(w)}`);
    }
  }
  return out.join('\n');
}
