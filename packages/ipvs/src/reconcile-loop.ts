import type { Logger } from '@hacore/core';
import type { DrainSet } from './drain.js';
import type { IpvsStatus } from './ipvs-status.js';
import type { OwnershipStore } from './ownership.js';
import { describeOp, type CurrentService, type ReconcileOp } from './reconcile.js';
import { reconcile, type ApplyReport } from './reconcile-apply.js';
import { serviceKeyId, serviceKeyLabel } from './reconcile-keys.js';
import type { IpvsDataplane } from './types.js';
import { VirtualServer, type CheckView, type Evaluation, type RealServerChange } from './virtual-server.js';
import type { VirtualServerSpec } from './virtual-server-spec.js';

/** Where the loop reports what changed, after the kernel has been updated. */
export interface ReconcileLoopEvents {
  realServer(vs: VirtualServer, change: RealServerChange): Promise<void>;
  quorum(vs: VirtualServer, up: boolean, liveWeight: number): Promise<void>;
}

export interface ReconcileLoopOptions {
  logger: Logger;
  events: ReconcileLoopEvents;
  drains: DrainSet;
  ownership: OwnershipStore;
  /** What we owned when we last ran (a service since removed from the config is still ours to remove). */
  owned: Set<string>;
  /** Delay before retrying a pass that could not read the table. */
  retryDelayMs: number;
  /** The services (serviceKeyId) kept out of the kernel's table for now (`haSuspend`). */
  suspended?: (specs: VirtualServerSpec[]) => ReadonlySet<string>;
}

/**
 * The virtual servers kept in step with the checks on one data plane: the
 * checks' verdicts (`setView`) make the desired table, and one reconcile pass at
 * a time (never overlapping; changes during one fold into the next) brings the
 * kernel there with the fewest operations. Driven by the plugin, testable
 * against the memory data plane.
 */
export class ReconcileLoop {
  private servers = new Map<string, VirtualServer>();
  private readonly views = new Map<string, CheckView>();
  private owned: Set<string>;
  /** The table as the last pass read it back; `undefined` makes the next pass read it all. */
  private table: CurrentService[] | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private active = true;
  private dirty = false;
  private loop: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private passes = 0;
  private opsApplied = 0;
  private opsFailed = 0;
  private lastPass: IpvsStatus['lastPass'];
  private readonly errors: IpvsStatus['errors'] = [];

  constructor(
    private readonly dp: IpvsDataplane,
    private readonly o: ReconcileLoopOptions,
  ) {
    this.owned = o.owned;
  }

  get isActive(): boolean {
    return this.active;
  }

  /** Every virtual server, for the stats poller and actions. */
  virtualServers(): IterableIterator<VirtualServer> {
    return this.servers.values();
  }

  /** The virtual servers of a (new) config; one kept by name keeps its last evaluation. */
  setServers(specs: readonly VirtualServerSpec[]): void {
    const next = new Map<string, VirtualServer>();
    for (const spec of specs) {
      const vs = new VirtualServer(spec);
      const old = this.servers.get(spec.name);
      if (old) vs.inheritFrom(old);
      next.set(spec.name, vs);
    }
    this.servers = next;
  }

  view(check: string): CheckView | undefined {
    return this.views.get(check);
  }

  setView(check: string, view: CheckView): void {
    this.views.set(check, view);
  }

  forgetView(check: string): void {
    this.views.delete(check);
  }

  /** The next pass reads the whole table instead of trusting the last read-back. */
  forgetTable(): void {
    this.table = undefined;
  }

  /** Every `every` ms, the next pass reads the whole table again; 0 disables. */
  armResync(every: number): void {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    if (!every) return;
    this.resyncTimer = setInterval(() => {
      if (!this.active) return;
      this.table = undefined;
      void this.kick();
    }, every).unref();
  }

  /** Resolves when no reconcile pass is running or pending. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** Asks for a pass; passes never overlap, and changes during one are folded into the next. */
  kick(): Promise<void> {
    this.dirty = true;
    this.loop ??= (async () => {
      try {
        while (this.dirty && this.active) {
          this.dirty = false;
          try {
            await this.pass();
          } catch (err) {
            // pass() handles the data plane's failures; anything else (an event
            // relay that throws) must not become an unhandled rejection of a
            // `void this.kick()` in a hook and end the check process.
            this.pushError({ at: Date.now(), message: `reconcile pass: ${(err as Error)?.message ?? String(err)}` });
            this.o.logger.error({ err }, 'ipvs reconcile pass threw');
          }
        }
      } finally {
        this.loop = undefined;
      }
    })();
    return this.loop;
  }

  /** Stops the passes; each virtual server with quorum reports it lost. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    await this.idle();
    for (const vs of this.servers.values()) {
      const q = vs.omegaAtShutdown();
      if (q) await this.o.events.quorum(vs, q.up, q.liveWeight);
    }
  }

  /** After `stop`: removes every service we own; the counts removed and failed, or undefined when we own none. */
  async removeOwned(): Promise<{ removed: number; failed: number } | undefined> {
    if (this.owned.size === 0) return undefined;
    const report = await reconcile(this.dp, [], this.owned);
    this.record(report);
    return { removed: report.applied.length, failed: report.failed.length };
  }

  private async pass(): Promise<void> {
    const lookup = (name: string) => this.views.get(name);
    const evaluations = [...this.servers.values()].map((vs) => ({ vs, ev: vs.evaluate(lookup, (rs) => this.o.drains.has(vs.spec.name, rs)) }));
    const suspended = this.suspended();
    const desired = evaluations.flatMap((e) => e.ev.desired).filter((d) => !suspended.has(serviceKeyId(d.service.key)));
    let report: Awaited<ReturnType<typeof reconcile>>;
    try {
      report = await reconcile(this.dp, desired, this.owned, this.table ? { current: this.table } : {});
    } catch (err) {
      this.table = undefined;
      this.pushError({ at: Date.now(), message: `reconcile pass failed: ${(err as Error)?.message ?? String(err)}` });
      this.o.logger.error({ err }, 'ipvs reconcile pass failed; retrying');
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        if (this.active) void this.kick();
      }, this.o.retryDelayMs).unref();
      // The checks' verdicts stand even if the kernel could not follow them yet.
      await this.emitChanges(evaluations);
      return;
    }
    this.record(report);
    const clean = report.failed.length === 0 && report.remaining.length === 0;
    // Trust the read-back only after a clean pass. A pass that started from
    // that trust and went wrong (a change behind our back) is run again at
    // once from a full read; a full pass that goes wrong is not repeated.
    this.table = clean ? report.table : undefined;
    if (!clean && report.incremental) this.dirty = true;
    for (const f of report.failed) this.o.logger.warn({ op: f.description, errno: f.errno }, `ipvs refused ${f.description}: ${f.errno}`);
    if (report.applied.length > 0) this.o.logger.info({ ops: report.applied.map(describeOp) }, `ipvs: ${report.applied.length} operation(s) applied`);
    await this.emitChanges(evaluations);
  }

  /** Real-server and quorum events of one pass, after the kernel has been updated. */
  private async emitChanges(evaluations: { vs: VirtualServer; ev: Evaluation }[]): Promise<void> {
    for (const { vs, ev } of evaluations) {
      for (const c of ev.changes) await this.o.events.realServer(vs, c);
      if (ev.quorumChange) await this.o.events.quorum(vs, ev.quorumChange.up, ev.quorumChange.liveWeight);
    }
  }

  private record(report: ApplyReport): void {
    this.passes++;
    this.owned = new Set(report.owned);
    const problem = this.o.ownership.save(this.owned);
    if (problem) {
      this.o.logger.warn(problem);
      this.pushError({ at: Date.now(), message: problem });
    }
    this.opsApplied += report.applied.length;
    this.opsFailed += report.failed.length;
    const names = (ops: ReconcileOp[]) => ops.map(describeOp);
    this.lastPass = {
      at: Date.now(),
      durationMs: Math.round(report.durationMs * 10) / 10,
      applied: names(report.applied),
      failed: report.failed,
      skipped: names(report.skipped),
      remaining: names(report.remaining),
    };
    for (const f of report.failed) this.pushError({ at: this.lastPass.at, message: `${f.description}: ${f.message}`, errno: f.errno });
  }

  pushError(e: IpvsStatus['errors'][number]): void {
    this.errors.push(e);
    if (this.errors.length > 20) this.errors.shift();
  }

  private suspended(): ReadonlySet<string> {
    return this.o.suspended?.([...this.servers.values()].map((vs) => vs.spec)) ?? new Set();
  }

  /** The loop's part of the status section. */
  status(): Pick<IpvsStatus, 'virtualServers' | 'owned' | 'passes' | 'opsApplied' | 'opsFailed' | 'lastPass' | 'errors'> {
    const suspended = this.suspended();
    return {
      virtualServers: [...this.servers.values()].map((vs) => {
        const ev = vs.last;
        return {
          name: vs.spec.name,
          services: vs.spec.services.map((s) => serviceKeyLabel(s.key)),
          ...(vs.spec.services.some((s) => suspended.has(serviceKeyId(s.key))) ? { suspended: true as const } : {}),
          quorum: { up: ev?.quorumUp ?? false, liveWeight: ev?.liveWeight ?? 0, quorum: vs.spec.quorum, hysteresis: vs.spec.hysteresis },
          ...(ev?.sorryServer ? { sorryServer: ev.sorryServer } : {}),
          realServers: (ev?.realServers ?? []).map((r) => {
            const since = r.drained ? this.o.drains.since(vs.spec.name, r.id) : undefined;
            return { id: r.id, up: r.up, weight: r.weight, kernelWeight: r.kernelWeight, reason: r.reason, ...(r.drained ? { drained: { since: since ?? 0 } } : {}) };
          }),
        };
      }),
      owned: [...this.owned],
      passes: this.passes,
      opsApplied: this.opsApplied,
      opsFailed: this.opsFailed,
      ...(this.lastPass ? { lastPass: this.lastPass } : {}),
      errors: [...this.errors],
    };
  }
}
