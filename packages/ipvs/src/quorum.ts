/**
 * keepalived's quorum with hysteresis as pure logic: the virtual server is up
 * while the sum of its live weights stays at or above `quorum - hysteresis`,
 * and comes back up only at `quorum + hysteresis`, so a pool hovering around
 * the threshold does not flap.
 */
export class QuorumTracker {
  /** `undefined` until the first observation. */
  up: boolean | undefined;
  liveWeight = 0;

  constructor(
    readonly quorum: number,
    readonly hysteresis: number,
  ) {}

  /** Feeds the current sum of live weights; says whether the quorum state changed (always on the first call). */
  observe(liveWeight: number): { changed: boolean; up: boolean } {
    this.liveWeight = liveWeight;
    if (this.up === undefined) {
      // No history to damp yet: the plain threshold decides.
      this.up = liveWeight >= this.quorum;
      return { changed: true, up: this.up };
    }
    if (this.up && (liveWeight === 0 || liveWeight < this.quorum - this.hysteresis)) {
      this.up = false;
      return { changed: true, up: false };
    }
    if (!this.up && liveWeight >= this.quorum + this.hysteresis) {
      this.up = true;
      return { changed: true, up: true };
    }
    return { changed: false, up: this.up };
  }
}
