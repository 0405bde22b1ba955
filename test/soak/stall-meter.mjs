// How late the machine runs a 10 ms timer, sampled the whole run: on a loaded machine
// every process (the daemons, `ip monitor`, the prober, the soak itself) is scheduled
// late now and then, and a bound checked to the millisecond must allow for the delay
// the machine actually showed at that moment, or it measures the load, not hacore.
// The allowance is that measured lateness, never a constant tuned to pass; the report
// says how often a bound held only thanks to it.
export class StallMeter {
  constructor(everyMs = 10, keepMs = 180000) {
    this.everyMs = everyMs;
    this.keepMs = keepMs;
    /** [{t, lag}] per 100 ms bucket, the worst lag in it */
    this.buckets = [];
    this.max = 0;
    this.samples = 0;
    this.over50 = 0;
  }

  start() {
    let last = performance.now();
    this.timer = setInterval(() => {
      const now = performance.now();
      const lag = Math.max(0, now - last - this.everyMs);
      last = now;
      this.samples++;
      if (lag > 50) this.over50++;
      this.max = Math.max(this.max, lag);
      const t = Date.now();
      const b = this.buckets.at(-1);
      if (b && t - b.t < 100) b.lag = Math.max(b.lag, lag);
      else this.buckets.push({ t, lag });
      while (this.buckets.length && this.buckets[0].t < t - this.keepMs) this.buckets.shift();
    }, this.everyMs);
    this.timer.unref?.();
  }

  stop() {
    clearInterval(this.timer);
  }

  /** The worst lateness seen over [from, to] (epoch ms). */
  worst(from, to) {
    let m = 0;
    for (const b of this.buckets) if (b.t >= from - 100 && b.t <= to) m = Math.max(m, b.lag);
    return Math.round(m);
  }

  report() {
    return { samples: this.samples, maxLagMs: Math.round(this.max), over50ms: this.over50 };
  }
}
