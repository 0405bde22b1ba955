/**
 * Serial queues by key: jobs of one key (one VRRP instance, one real server)
 * run one after another in arrival order; different keys run side by side, up
 * to `concurrency` at once. Each key holds at most `maxPending` waiting jobs;
 * past that the oldest waiting job is dropped and counted, because a fresh
 * state matters more than a stale one.
 */
export class KeyedQueue<J> {
  private readonly pending = new Map<string, J[]>();
  private readonly busy = new Set<string>();
  private readonly ready: string[] = [];
  private running = 0;
  private idleWaiters: (() => void)[] = [];
  dropped = 0;

  constructor(
    private readonly run: (key: string, job: J) => Promise<void>,
    private readonly opts: { concurrency: number; maxPending: number; onDrop?: (key: string, job: J) => void },
  ) {}

  /** New limits (a reload): they apply to the next push and the next start. */
  setLimits(concurrency: number, maxPending: number): void {
    this.opts.concurrency = concurrency;
    this.opts.maxPending = maxPending;
    this.pump();
  }

  push(key: string, job: J): void {
    let q = this.pending.get(key);
    if (!q) {
      q = [];
      this.pending.set(key, q);
    }
    q.push(job);
    while (q.length > this.opts.maxPending) {
      const old = q.shift() as J;
      this.dropped++;
      this.opts.onDrop?.(key, old);
    }
    if (!this.busy.has(key) && !this.ready.includes(key)) this.ready.push(key);
    this.pump();
  }

  /** Jobs waiting (not running). */
  get size(): number {
    let n = 0;
    for (const q of this.pending.values()) n += q.length;
    return n;
  }

  get active(): number {
    return this.running;
  }

  /** Resolves when nothing is running or waiting. */
  idle(): Promise<void> {
    if (this.running === 0 && this.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Forgets every waiting job (at shutdown); running jobs finish on their own. */
  clear(): number {
    const n = this.size;
    this.pending.clear();
    this.ready.length = 0;
    this.checkIdle();
    return n;
  }

  private pump(): void {
    while (this.running < this.opts.concurrency && this.ready.length > 0) {
      const key = this.ready.shift() as string;
      const q = this.pending.get(key);
      const job = q?.shift();
      if (q && q.length === 0) this.pending.delete(key);
      if (job === undefined) continue;
      this.busy.add(key);
      this.running++;
      void this.run(key, job)
        .catch(() => undefined)
        .finally(() => {
          this.running--;
          this.busy.delete(key);
          if (this.pending.has(key)) this.ready.push(key);
          this.pump();
          this.checkIdle();
        });
    }
  }

  private checkIdle(): void {
    if (this.running === 0 && this.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }
}
