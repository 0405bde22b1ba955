import type { StatusReport, Target } from '@hacore/core';

/** A status document whose `targets` hold only the ones that changed since the previous frame. */
export type DeltaReport = StatusReport & { targetsDelta?: true };

const keyOf = (t: Target): string => `${t.state}|${t.since}|${t.lastProbeAt ?? ''}|${t.weight ?? ''}`;

/**
 * The live stream's status frames: each process's targets reduced to those
 * whose state or last probe changed since the last frame (the page merges them
 * by check name). When a process's set of checks changes (a reload), its
 * targets go whole, so the page drops the ones that left.
 */
export class TargetDeltas {
  private readonly seen = new Map<string, Map<string, string>>();

  next(all: Record<string, StatusReport>): Record<string, DeltaReport> {
    const out: Record<string, DeltaReport> = {};
    for (const [role, doc] of Object.entries(all)) {
      const targets = (doc as { targets?: Target[] } | undefined)?.targets;
      if (!Array.isArray(targets)) {
        out[role] = doc;
        continue;
      }
      const before = this.seen.get(role);
      const now = new Map(targets.map((t) => [t.check, keyOf(t)]));
      this.seen.set(role, now);
      const sameSet = before !== undefined && before.size === now.size && [...now.keys()].every((k) => before.has(k));
      if (!sameSet) {
        out[role] = doc;
        continue;
      }
      out[role] = { ...doc, targets: targets.filter((t) => before.get(t.check) !== now.get(t.check)), targetsDelta: true };
    }
    for (const role of [...this.seen.keys()]) if (!(role in all)) this.seen.delete(role);
    return out;
  }
}
