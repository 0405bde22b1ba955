import type { CheckResult, CheckSpec, Checker, Target, TargetStateChange, TargetStateName } from '../types.js';
import { RiseFall } from './rise-fall.js';

export interface SchedulerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  random(): number;
}

export const realClock: SchedulerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  random: Math.random,
};

export interface SchedulerSink {
  result(target: Target, result: CheckResult): Promise<void>;
  stateChange(target: Target, change: TargetStateChange): Promise<void>;
}

/** A check's target before its first probe (or as it resumes from `resume`). */
export function initialTarget(spec: CheckSpec, now: number, resume?: { state: TargetStateName; since: number }): Target {
  return {
    check: spec.name,
    type: spec.type,
    target: spec.target,
    state: resume?.state ?? (spec.alpha ? 'down' : 'unknown'),
    since: resume?.since ?? now,
    ...(spec.weight !== undefined ? { weight: spec.weight } : {}),
  };
}

/** One scheduled check: probes in sequence, never two in flight, and applies rise/fall. */
export class CheckRunner {
  readonly target: Target;
  private readonly riseFall: RiseFall;
  private timer: unknown;
  private inflight: AbortController | undefined;
  private running = false;
  private probing: Promise<void> | undefined;
  probes = 0;

  constructor(
    readonly spec: CheckSpec,
    private readonly checker: Checker,
    private readonly sink: SchedulerSink,
    private readonly clock: SchedulerClock = realClock,
    /** The state to go on from (a check worker restarted), instead of a fresh start. */
    resume?: { state: TargetStateName; since: number },
  ) {
    this.target = initialTarget(spec, clock.now(), resume);
    this.riseFall = new RiseFall(spec.rise, spec.fall, this.target.state);
  }

  start(initialDelay = this.clock.random() * this.spec.warmup): void {
    if (this.running) return;
    this.running = true;
    this.schedule(initialDelay);
  }

  /** Stops the schedule, aborts a probe in flight and waits for it to settle. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.inflight?.abort(new Error('check stopped'));
    await this.probing;
    await this.checker.close?.();
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.probing = this.runOnce();
    }, ms);
  }

  private async runOnce(): Promise<void> {
    const ctrl = new AbortController();
    this.inflight = ctrl;
    const started = this.clock.now();
    let result: CheckResult;
    let hardTimer: unknown;
    try {
      // The checker gets the signal; the race is the backstop for one that ignores it.
      const hard = new Promise<CheckResult>((resolve) => {
        hardTimer = this.clock.setTimeout(() => {
          ctrl.abort(new Error('timeout'));
          resolve({ ok: false, latencyMs: this.clock.now() - started, reason: 'timeout' });
        }, this.spec.timeout);
      });
      result = await Promise.race([this.checker.probe(ctrl.signal), hard]);
    } catch (err) {
      result = { ok: false, latencyMs: this.clock.now() - started, reason: `checker error: ${(err as Error)?.message ?? String(err)}` };
    } finally {
      this.clock.clearTimeout(hardTimer);
      this.inflight = undefined;
    }
    if (!this.running) return;
    this.probes++;
    const t = this.target;
    t.lastResult = result;
    t.lastProbeAt = this.clock.now();
    if (result.weight !== undefined) t.weight = result.weight;
    await this.sink.result(t, result);
    const from = t.state;
    const step = this.riseFall.observe(result.ok);
    if (step.changed) {
      t.state = step.changed;
      t.since = this.clock.now();
      const change: TargetStateChange = { from, to: step.changed, reason: result.reason, at: t.since };
      if (t.weight !== undefined) change.weight = t.weight;
      await this.sink.stateChange(t, change);
    }
    this.schedule(step.confirming ? this.spec.retryDelay : this.spec.interval);
  }
}

/** Holds the runners of one process, keyed by check name. */
export class Scheduler {
  private readonly runners = new Map<string, CheckRunner>();

  constructor(
    private readonly sink: SchedulerSink,
    private readonly clock: SchedulerClock = realClock,
  ) {}

  add(spec: CheckSpec, checker: Checker, initialDelay?: number, resume?: { state: TargetStateName; since: number }): CheckRunner {
    const runner = new CheckRunner(spec, checker, this.sink, this.clock, resume);
    this.runners.set(spec.name, runner);
    runner.start(initialDelay);
    return runner;
  }

  async remove(name: string): Promise<void> {
    const r = this.runners.get(name);
    if (!r) return;
    this.runners.delete(name);
    await r.stop();
  }

  get(name: string): CheckRunner | undefined {
    return this.runners.get(name);
  }

  names(): string[] {
    return [...this.runners.keys()];
  }

  targets(): Target[] {
    return [...this.runners.values()].map((r) => r.target);
  }

  async stopAll(): Promise<void> {
    const all = [...this.runners.keys()];
    await Promise.all(all.map((n) => this.remove(n)));
  }
}
