/**
 * A pure rate limiter, time passed in. keepalived 2.2.7's Master answers every
 * valid lower-priority advert with an advert plus gratuitous ARPs, which turns a
 * misconfigured or hostile peer into an amplifier; hacore answers with at most
 * one advert (and one GARP/NA burst) per window, the advert interval.
 */
export class IntervalRateLimiter {
  #windowMs: number;
  #lastGrant: number | undefined;

  /** `windowMs`: the minimum time between two grants. */
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  get windowMs(): number {
    return this.#windowMs;
  }

  /** Change the window (the advert interval changed); the last grant still counts. */
  setWindow(windowMs: number): void {
    this.#windowMs = windowMs;
  }

  /**
   * True (and the grant is recorded) if nothing was granted in the last window
   * before `now`. A clock that goes backwards (it should not: pass a monotonic
   * one) is treated as a fresh window rather than a permanent lockout.
   */
  tryAcquire(now: number): boolean {
    const last = this.#lastGrant;
    if (last !== undefined && now >= last && now - last < this.#windowMs) return false;
    this.#lastGrant = now;
    return true;
  }

  /** How long from `now` until tryAcquire would grant (0: it would now). */
  msUntilNextGrant(now: number): number {
    const last = this.#lastGrant;
    if (last === undefined || now < last) return 0;
    return Math.max(0, last + this.#windowMs - now);
  }

  /** Forget the last grant (e.g. on leaving or re-entering Master). */
  reset(): void {
    this.#lastGrant = undefined;
  }
}
