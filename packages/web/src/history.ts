import type { StatusReport, Target } from '@hacore/core';

/** One probe, as the sparklines draw it: time (ms), success, latency (ms). */
export type Sample = [t: number, ok: 0 | 1, ms: number];

/**
 * The last minutes of probe results per check, built from the status
 * documents the console reads anyway (a target's last result and its time),
 * so the checkers and the check process need nothing extra.
 */
export class ProbeHistory {
  private readonly byCheck = new Map<string, Sample[]>();
  private readonly lastSeen = new Map<string, number>();

  constructor(readonly keepMs: number) {}

  /** Takes the new probe results of a status read; returns them (what a live page appends). */
  ingest(all: Record<string, StatusReport>, now = Date.now()): Record<string, Sample[]> {
    const added: Record<string, Sample[]> = {};
    const seen = new Set<string>();
    for (const doc of Object.values(all)) {
      for (const t of (doc?.targets ?? []) as Target[]) {
        seen.add(t.check);
        const at = t.lastProbeAt;
        const r = t.lastResult;
        if (at === undefined || !r || this.lastSeen.get(t.check) === at) continue;
        this.lastSeen.set(t.check, at);
        let list = this.byCheck.get(t.check);
        if (!list) this.byCheck.set(t.check, (list = []));
        const sample: Sample = [at, r.ok ? 1 : 0, Math.round(r.latencyMs * 10) / 10];
        list.push(sample);
        (added[t.check] ??= []).push(sample);
      }
    }
    for (const [check, list] of this.byCheck) {
      if (!seen.has(check)) {
        this.byCheck.delete(check);
        this.lastSeen.delete(check);
        continue;
      }
      let drop = 0;
      while (drop < list.length && list[drop]![0] < now - this.keepMs) drop++;
      if (drop > 0) list.splice(0, drop);
    }
    return added;
  }

  snapshot(): Record<string, Sample[]> {
    return Object.fromEntries(this.byCheck);
  }
}
