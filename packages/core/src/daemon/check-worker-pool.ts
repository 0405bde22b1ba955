import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { backoffDelay } from '../backoff.js';
import { initialTarget, type SchedulerSink } from '../checks/scheduler.js';
import { HacoreError } from '../errors.js';
import type { CheckSpec, ConfigDiff, EventInput, GenericEvent, StatusReport, Target } from '../types.js';
import type { CheckHost, ResumeState } from './check-host.js';
import type { ChildMessage, ParentMessage, ProbeRecord, WorkerHandOver } from './ipc.js';
import { assignChecks, checksOf } from './shard-assign.js';
import { tolerateClosedChannel } from './channel-errors.js';
import { markStarting, whileStarting } from './starting.js';
import { DEFAULT_BACKOFF, handOverable, type RestartPolicy } from './supervisor.js';

const CHILD_MAIN = fileURLToPath(new URL('./child-main.js', import.meta.url));

/** What the pool uses of the check process's core. */
export interface WorkerPoolCore {
  readonly logger: Logger;
  /** The document the running config was built from: what a (re)starting worker is handed. */
  configDocument(): { file: string; value: unknown } | undefined;
  /** An event a worker emitted: this process emits it as its own (relayed, on its `event` hook). */
  fromWorker(event: GenericEvent, worker: number): void;
  replayKeyOf(event: GenericEvent): string | undefined;
  emit(event: EventInput): Promise<void>;
}

export interface WorkerPoolOptions {
  count: number;
  /** The check process's own arguments (role, config source, log level): a worker loads the same. */
  args: readonly string[];
  execArgv: readonly string[];
  backoff?: RestartPolicy;
  /** A worker's share of the supervisor's 15 s prepare budget. */
  prepareTimeoutMs?: number;
  stopGraceMs?: number;
}

interface Slot {
  index: number;
  proc: ChildProcess | undefined;
  ready: boolean;
  startedAt: number;
  restarts: number;
  consecutive: number;
  timer: NodeJS.Timeout | undefined;
  /** Set from the fork until the worker says ready or exits. */
  starting: Promise<void> | undefined;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  /** Runs in the message handler itself, before any later message of that worker is read. */
  onOk?: (() => void) | undefined;
}

/**
 * The check process's checks sharded over `count` worker processes (children
 * of it, started from child-main with `--worker N`). A worker runs only the
 * checker plugins, the scheduler and rise/fall for its share, and sends its
 * results and state changes here in batches, where they update this process's
 * copy of every target and fire `checkResult` and `targetState` (in order for
 * each target) exactly as if the checks ran here, so the IPVS, metrics and
 * every other plugin of the check process see all checks. A worker that dies is
 * restarted with backoff and its checks go on from the states this copy holds.
 */
export class CheckWorkerPool implements CheckHost {
  private readonly slots: Slot[];
  private assignment = new Map<string, number>();
  private nextAssignment: Map<string, number> | undefined;
  private readonly mirror = new Map<string, Target>();
  /** Per target, the hooks still running for its earlier records. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly lastState = new Map<string, GenericEvent>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopping = false;
  private started = false;

  constructor(
    private readonly core: WorkerPoolCore,
    private readonly sink: SchedulerSink,
    private readonly opts: WorkerPoolOptions,
  ) {
    this.slots = Array.from({ length: opts.count }, (_, index) => ({ index, proc: undefined, ready: false, startedAt: 0, restarts: 0, consecutive: 0, timer: undefined, starting: undefined }));
  }

  async start(checks: readonly CheckSpec[]): Promise<void> {
    this.assignment = assignChecks(
      checks.map((c) => c.name),
      this.opts.count,
    );
    const now = Date.now();
    for (const spec of checks) this.mirror.set(spec.name, initialTarget(spec, now));
    try {
      await Promise.all(this.slots.map((s) => this.spawn(s, true)));
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /**
   * The workers start probing: called once every worker is up and the check
   * process has told the supervisor it is ready, so no check is up before that, as
   * without workers (a stop right after the first check came up would otherwise
   * find the check child not yet ready, which the supervisor takes for a failed start).
   */
  go(): void {
    if (this.started) return;
    this.started = true;
    for (const slot of this.slots) this.send(slot, { t: 'go' });
  }

  private handOver(slot: Slot): WorkerHandOver {
    const checks = checksOf(this.assignment, slot.index);
    const resume: Record<string, ResumeState> = {};
    for (const name of checks) {
      const t = this.mirror.get(name);
      if (t && t.state !== 'unknown') resume[name] = { state: t.state, since: t.since };
    }
    return { index: slot.index, checks, resume };
  }

  private spawn(slot: Slot, first: boolean): Promise<void> {
    const proc = fork(CHILD_MAIN, [...this.opts.args, '--worker', String(slot.index)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
      execArgv: [...this.opts.execArgv],
    });
    tolerateClosedChannel(proc, (err) => this.core.logger.warn({ err, worker: slot.index }, `check worker ${slot.index}: ${err.message}`));
    slot.proc = proc;
    slot.ready = false;
    slot.startedAt = Date.now();
    const started = markStarting(slot);
    this.core.logger.info({ worker: slot.index, workerPid: proc.pid }, `started check worker ${slot.index}`);
    return new Promise<void>((resolve, reject) => {
      let fatal: string | undefined;
      let ready = false;
      proc.on('message', (raw: unknown) => {
        const m = raw as ChildMessage;
        if (m.t === 'probes') this.onProbes(m.batch);
        else if (m.t === 'event') this.core.fromWorker(m.event, slot.index);
        else if (m.t === 'reply') this.onReply(m);
        else if (m.t === 'config-request') this.send(slot, { t: 'config', raw: handOverable(this.core.configDocument()), worker: this.handOver(slot) });
        else if (m.t === 'ready') {
          ready = true;
          slot.ready = true;
          for (const event of this.lastState.values()) this.send(slot, { t: 'event', event });
          if (this.started) this.send(slot, { t: 'go' });
          started();
          resolve();
        } else if (m.t === 'fatal') fatal = `${m.code}: ${m.message}`;
      });
      proc.once('exit', (code, signal) => {
        if (slot.proc === proc) {
          slot.proc = undefined;
          slot.ready = false;
        }
        started();
        if (first && !ready && !this.stopping) {
          reject(new HacoreError('HACORE_ERR_CHILD_START', `check worker ${slot.index} could not start: ${fatal ?? `exited with ${signal ?? code}`}`));
          return;
        }
        resolve();
        this.onExit(slot, code, signal);
      });
    });
  }

  private onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    const policy = this.opts.backoff ?? DEFAULT_BACKOFF;
    if (Date.now() - slot.startedAt >= policy.stableMs) slot.consecutive = 0;
    const delay = backoffDelay(slot.consecutive, policy);
    slot.consecutive++;
    slot.restarts++;
    this.core.logger.error({ worker: slot.index, code, signal, restartInMs: delay }, `check worker ${slot.index} exited (${signal ?? code}); restarting in ${delay} ms`);
    void this.core.emit({ kind: 'daemon', what: 'child-exit', detail: `check worker ${slot.index} ${signal ?? code}` }).catch(() => {});
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (!this.stopping) void this.spawn(slot, false);
    }, delay);
  }

  /** Each record updates this process's copy of its target and fires the hook, in order per target, as CheckRunner does. */
  private onProbes(batch: readonly ProbeRecord[]): void {
    for (const rec of batch) {
      const t = this.mirror.get(rec.c);
      if (!t) continue; // removed by a reload since
      if ('r' in rec) {
        this.inOrder(rec.c, () => {
          t.lastResult = rec.r;
          t.lastProbeAt = rec.at;
          if (rec.r.weight !== undefined) t.weight = rec.r.weight;
          return this.sink.result(t, rec.r);
        });
      } else {
        this.inOrder(rec.c, () => {
          t.state = rec.s.to;
          t.since = rec.s.at;
          return this.sink.stateChange(t, rec.s);
        });
      }
    }
  }

  private inOrder(name: string, step: () => Promise<void>): void {
    const prev = this.chains.get(name);
    const run = (): Promise<void> =>
      step().catch((err: unknown) => this.core.logger.error({ err, check: name }, 'a check result from a worker could not be delivered'));
    const p = prev ? prev.then(run) : run();
    this.chains.set(name, p);
    void p.then(() => {
      if (this.chains.get(name) === p) this.chains.delete(name);
    });
  }

  /**
   * Events this process sees go to every worker (but the one it came from); the
   * latest state of other roles is replayed to a worker that starts. Not
   * `target-state`: the workers' own checks' states, which no checker needs and
   * which, forwarded, would cost every flap once per worker, most when a
   * storm of flaps already loads the check process.
   */
  observe(event: GenericEvent, fromWorker?: number): void {
    if (event.kind === 'target-state') return;
    if (event.origin !== 'check') {
      const key = this.core.replayKeyOf(event);
      if (key) this.lastState.set(key, event);
    }
    for (const slot of this.slots) if (slot.index !== fromWorker && slot.ready) this.send(slot, { t: 'event', event });
  }

  private send(slot: Slot, m: ParentMessage): void {
    try {
      if (slot.proc?.connected) slot.proc.send(m);
    } catch {
      // the worker is exiting; its exit handler takes over
    }
  }

  private onReply(m: Extract<ChildMessage, { t: 'reply' }>): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) {
      p.onOk?.();
      p.resolve(m.result);
    } else p.reject(Object.assign(new HacoreError('HACORE_ERR_CONTROL', `check worker: ${m.message}`), { remoteCode: m.code }));
  }

  private async request(
    slot: Slot,
    m: { op: 'status' | 'abort' | 'commit' } | { op: 'prepare'; raw: { file: string; value: unknown }; checks: string[] },
    timeoutMs: number,
    onOk?: () => void,
  ): Promise<unknown> {
    // A worker restarting after a crash (not one waiting out its backoff) is waited for.
    if (m.op === 'prepare') await whileStarting(slot.starting, timeoutMs);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!slot.ready || !slot.proc?.connected) return reject(new HacoreError('HACORE_ERR_CONTROL', `check worker ${slot.index} is not running`));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HacoreError('HACORE_ERR_CONTROL', `check worker ${slot.index} did not answer ${m.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer, onOk });
      this.send(slot, { t: 'request', id, ...m } as ParentMessage);
    });
  }

  /** Every worker prepares the same document with its checks after the reload; one that refuses (or is down) refuses it, and the others abort. */
  async prepare(diff: ConfigDiff, doc: { file: string; value: unknown }): Promise<void> {
    const next = assignChecks(
      diff.next.checks.map((c) => c.name),
      this.opts.count,
      this.assignment,
    );
    const timeout = this.opts.prepareTimeoutMs ?? 12_000;
    const prepared = await Promise.allSettled(this.slots.map((s) => this.request(s, { op: 'prepare', raw: doc, checks: checksOf(next, s.index) }, timeout)));
    const refused = prepared.findIndex((r) => r.status === 'rejected');
    if (refused >= 0) {
      await Promise.allSettled(this.slots.filter((_, i) => prepared[i]!.status === 'fulfilled').map((s) => this.request(s, { op: 'abort' }, timeout)));
      const err = (prepared[refused] as PromiseRejectedResult).reason as Error & { remoteCode?: string };
      throw Object.assign(new HacoreError((err.remoteCode ?? 'HACORE_ERR_CONTROL') as 'HACORE_ERR_CONTROL', `check worker ${refused}: ${err.message.replace(/^check worker: /, '')}`, { cause: err }), {
        remoteCode: err.remoteCode,
      });
    }
    this.nextAssignment = next;
  }

  async abort(): Promise<void> {
    if (!this.nextAssignment) return;
    this.nextAssignment = undefined;
    await Promise.allSettled(this.slots.map((s) => this.request(s, { op: 'abort' }, this.opts.prepareTimeoutMs ?? 12_000)));
  }

  /**
   * Each worker commits; the copy of its targets changes when its reply is read,
   * so the records before the reply are its old checks' and those after its new ones'.
   */
  async commit(diff: ConfigDiff): Promise<void> {
    const next = this.nextAssignment ?? assignChecks(diff.next.checks.map((c) => c.name), this.opts.count, this.assignment);
    const previous = this.assignment;
    this.nextAssignment = undefined;
    this.assignment = next;
    const specs = new Map(diff.next.checks.map((c) => [c.name, c]));
    const fresh = [...diff.checks.added, ...diff.checks.changed];
    const adopt = (worker: number): void => {
      const now = Date.now();
      for (const name of diff.checks.removed) if (previous.get(name) === worker) this.mirror.delete(name);
      for (const name of fresh) if (next.get(name) === worker) this.mirror.set(name, initialTarget(specs.get(name)!, now));
    };
    const results = await Promise.allSettled(this.slots.map((s) => this.request(s, { op: 'commit' }, 20_000, () => adopt(s.index))));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`check worker ${i}: ${(r.reason as Error).message}`] : []));
    if (failed.length > 0) throw new HacoreError('HACORE_ERR_RELOAD_PARTIAL', `the reload failed to commit in ${failed.join('; ')}`);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const grace = this.opts.stopGraceMs ?? 5000;
    await Promise.all(
      this.slots.map(async (slot) => {
        if (slot.timer) clearTimeout(slot.timer);
        slot.timer = undefined;
        const proc = slot.proc;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        this.send(slot, { t: 'stop', reason: 'check process stopping' });
        const kill = setTimeout(() => proc.kill('SIGKILL'), grace);
        await exited;
        clearTimeout(kill);
      }),
    );
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    await Promise.allSettled([...this.chains.values()]);
  }

  targets(): Target[] {
    return [...this.mirror.values()];
  }

  /** The `workers` section of the check process's status: each worker's pid and checks. */
  status(): Record<string, unknown> {
    return {
      workers: this.slots.map((s) => ({ index: s.index, pid: s.proc?.pid, running: s.ready, restarts: s.restarts, since: s.startedAt, checks: checksOf(this.assignment, s.index) })),
    };
  }

  /** Each running worker's own status document (undefined for one that is down or slow). */
  async workerStatus(timeoutMs = 2000): Promise<(StatusReport | undefined)[]> {
    return Promise.all(this.slots.map((s) => this.request(s, { op: 'status' }, timeoutMs).then((d) => d as StatusReport, () => undefined)));
  }

  /** The worker pids, for the supervisor's stop path and tests. */
  pids(): (number | undefined)[] {
    return this.slots.map((s) => s.proc?.pid);
  }
}
