import type { CheckResult } from '@hacore/core';

/** Upper bounds (seconds) of the probe latency histogram buckets. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Probe counters of one check, as carried in the `probes` status section. */
export interface CheckProbeStats {
  probes: number;
  ok: number;
  failed: number;
  /** Failures by reason (bounded; the overflow is counted under "other"). */
  failures: Record<string, number>;
  latency: {
    /** Bucket upper bounds in seconds, without +Inf. */
    le: number[];
    /** Cumulative counts per bucket, same length as `le`. */
    counts: number[];
    sum: number;
    count: number;
  };
}

/**
 * Counts probes where they happen (the check process), so that the scrape in
 * the supervisor can read them from the status document. Pure: results in,
 * numbers out.
 */
export class ProbeStats {
  private readonly byCheck = new Map<string, CheckProbeStats>();
  constructor(private readonly maxReasons: number) {}

  record(check: string, r: CheckResult): void {
    let st = this.byCheck.get(check);
    if (!st) {
      st = { probes: 0, ok: 0, failed: 0, failures: {}, latency: { le: [...LATENCY_BUCKETS], counts: LATENCY_BUCKETS.map(() => 0), sum: 0, count: 0 } };
      this.byCheck.set(check, st);
    }
    st.probes++;
    if (r.ok) st.ok++;
    else {
      st.failed++;
      const reason = Object.hasOwn(st.failures, r.reason) || Object.keys(st.failures).length < this.maxReasons ? r.reason : 'other';
      st.failures[reason] = (st.failures[reason] ?? 0) + 1;
    }
    const sec = Math.max(0, r.latencyMs) / 1000;
    st.latency.sum += sec;
    st.latency.count++;
    LATENCY_BUCKETS.forEach((le, i) => {
      if (sec <= le) st.latency.counts[i]!++;
    });
  }

  forget(check: string): void {
    this.byCheck.delete(check);
  }

  snapshot(): Record<string, CheckProbeStats> {
    return Object.fromEntries([...this.byCheck].map(([k, v]) => [k, structuredClone(v)]));
  }
}
