// A seeded PRNG (mulberry32) so that a soak run is replayable from its printed seed:
// every random choice of the scenario (check intervals, fault kinds, targets, gaps,
// fuzz mutations) is drawn from one of these, and from nothing else.
export class Rng {
  constructor(seed) {
    this.seed = seed >>> 0;
    this.s = this.seed || 0x9e3779b9;
  }
  /** A float in [0, 1). */
  next() {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [lo, hi]. */
  int(lo, hi) {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick(xs) {
    return xs[Math.floor(this.next() * xs.length)];
  }
  /** A key of `weights` ({kind: weight}) drawn by weight. */
  weighted(weights) {
    const entries = Object.entries(weights).filter(([, w]) => w > 0);
    let x = this.next() * entries.reduce((a, [, w]) => a + w, 0);
    for (const [k, w] of entries) if ((x -= w) < 0) return k;
    return entries.at(-1)[0];
  }
  bytes(n) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = (this.next() * 256) | 0;
    return b;
  }
  /** An independent stream for one consumer, so adding draws in one place does not shift the others. */
  fork(tag) {
    let h = this.seed ^ 0x85ebca6b;
    for (const c of String(tag)) h = Math.imul(h ^ c.charCodeAt(0), 0xcc9e2d51) >>> 0;
    return new Rng(h);
  }
}
