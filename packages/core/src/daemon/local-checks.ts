import type { Scheduler } from '../checks/scheduler.js';
import type { CheckSpec, Checker, ConfigDiff, Target } from '../types.js';
import type { CheckHost, ResumeState } from './check-host.js';

/**
 * The checks of this process, on its scheduler: all of the config's (the check
 * process, single-process mode), none (the other roles), or the names a check
 * worker was given (`owned`), which each reload may change.
 */
export class LocalChecks implements CheckHost {
  private owned: ReadonlySet<string> | 'all' | 'none';
  private nextOwned: ReadonlySet<string> | undefined;
  private built: Map<string, Checker> | undefined;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly create: (spec: CheckSpec) => Checker,
    owned: readonly string[] | 'all' | 'none',
    private readonly resume: Readonly<Record<string, ResumeState>> = {},
  ) {
    this.owned = typeof owned === 'string' ? owned : new Set(owned);
  }

  private static owns(set: ReadonlySet<string> | 'all' | 'none', name: string): boolean {
    return set === 'all' ? true : set === 'none' ? false : set.has(name);
  }

  private held: CheckSpec[] | undefined;

  /**
   * Builds the checkers and starts the schedule; with `hold`, the schedule waits
   * for `release()` (a check worker probes nothing before its check process says so).
   */
  async start(checks: readonly CheckSpec[], hold = false): Promise<void> {
    const mine = checks.filter((c) => LocalChecks.owns(this.owned, c.name));
    if (hold) {
      this.held = mine;
      return;
    }
    for (const spec of mine) this.scheduler.add(spec, this.create(spec), undefined, this.resume[spec.name]);
  }

  /** Starts the schedule that `start(checks, true)` held. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    for (const spec of held ?? []) if (!this.scheduler.get(spec.name)) this.scheduler.add(spec, this.create(spec), undefined, this.resume[spec.name]);
  }

  /** A worker's checks after the reload being prepared (the check process assigns them). */
  assignNext(names: readonly string[] | undefined): void {
    this.nextOwned = names ? new Set(names) : undefined;
  }

  async prepare(diff: ConfigDiff): Promise<void> {
    const next = this.nextOwned ?? this.owned;
    const fresh = new Set([...diff.checks.added, ...diff.checks.changed]);
    const built = new Map<string, Checker>();
    try {
      for (const spec of diff.next.checks) {
        const mine = LocalChecks.owns(next, spec.name);
        // New here: added, changed, or handed to this worker by the reload.
        if (mine && (fresh.has(spec.name) || !LocalChecks.owns(this.owned, spec.name))) built.set(spec.name, this.create(spec));
      }
    } catch (err) {
      await Promise.all([...built.values()].map(async (c) => c.close?.()));
      this.nextOwned = undefined;
      throw err;
    }
    this.built = built;
  }

  async abort(): Promise<void> {
    const built = this.built;
    this.built = undefined;
    this.nextOwned = undefined;
    await Promise.all([...(built?.values() ?? [])].map(async (c) => c.close?.()));
  }

  async commit(diff: ConfigDiff): Promise<void> {
    const built = this.built ?? new Map<string, Checker>();
    const next = this.nextOwned ?? this.owned;
    this.built = undefined;
    this.nextOwned = undefined;
    const gone = new Set([...diff.checks.removed, ...diff.checks.changed]);
    for (const name of this.scheduler.names()) if (gone.has(name) || !LocalChecks.owns(next, name)) await this.scheduler.remove(name);
    this.owned = next;
    for (const [name, checker] of built) this.scheduler.add(diff.next.checks.find((c) => c.name === name)!, checker);
  }

  stop(): Promise<void> {
    return this.scheduler.stopAll();
  }

  targets(): Target[] {
    return this.scheduler.targets();
  }
}
