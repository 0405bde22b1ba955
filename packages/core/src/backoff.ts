/** How long to wait before the n-th retry: capped exponential, optionally with jitter. */
export interface BackoffPolicy {
  /** The delay before the first retry (n = 0), in ms. */
  initialMs: number;
  /** The cap, in ms. */
  maxMs: number;
  /**
   * Spread the delay over [d/2, d] so that many retrying at once do not stay
   * in step (a webhook endpoint or a mail server coming back). Default false.
   */
  jitter?: boolean;
}

/** min(maxMs, initialMs·2^n) for the n-th consecutive retry (n from 0), jittered into [d/2, d] if asked. */
export function backoffDelay(n: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const d = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, n));
  return policy.jitter ? Math.round(d / 2 + (random() * d) / 2) : d;
}
