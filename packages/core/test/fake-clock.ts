import type { SchedulerClock } from '../src/checks/scheduler.js';

/** A scheduler clock whose timers run only when the test advances time. */
export class FakeClock implements SchedulerClock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(
    public t = 0,
    private readonly rnd = 0.5,
  ) {}
  now(): number {
    return this.t;
  }
  random(): number {
    return this.rnd;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== h);
  }
  /** Runs the next timer, letting the probe's promise chain settle. */
  async next(): Promise<number> {
    this.timers.sort((a, b) => a.at - b.at);
    const t = this.timers.shift();
    if (!t) throw new Error('no timer');
    this.t = t.at;
    t.fn();
    await settle();
    return this.t;
  }
  /** Runs every timer due within `ms`, letting each probe's promise chain settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await settle();
    }
    this.t = end;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
