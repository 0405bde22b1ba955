import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { formatArgs, type ConfigFormat } from '../config/foreign-format.js';
import { backoffDelay, type BackoffPolicy } from '../backoff.js';
import { HacoreError, type HacoreErrorCode } from '../errors.js';
import type { ActionReply, ActionRequest, GenericEvent, Role, StatusReport } from '../types.js';
import type { Hacore, ReloadSummary } from './hacore.js';
import type { ChildMessage, ParentMessage } from './ipc.js';
import { childArgs, forkChild, type ChildLaunch, type Preforked } from './prefork.js';
import { forwardSignalsTo } from './signal-forward.js';
import { markStarting, whileStarting } from './starting.js';

export interface RestartPolicy extends BackoffPolicy {
  /** A child that ran this long is considered healthy: its backoff starts over. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: RestartPolicy = { initialMs: 250, maxMs: 30_000, stableMs: 60_000 };

interface Slot {
  role: Role;
  proc: ChildProcess | undefined;
  startedAt: number;
  restarts: number;
  consecutive: number;
  timer: NodeJS.Timeout | undefined;
  /** Set from the fork until the child says ready or exits. */
  starting: Promise<void> | undefined;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * keepalived's watchdog: forks one child per role, restarts a child that dies
 * (capped exponential backoff), relays events across roles, and coordinates
 * reload, status and stop.
 */

/**
 * The document as the IPC channel (JSON) carries it, or undefined when JSON
 * would lose part of it (a code config with functions): then the child reads the file.
 */
export function handOverable(doc: { file: string; value: unknown } | undefined): { file: string; value: unknown } | undefined {
  if (!doc) return undefined;
  let lossy = false;
  JSON.stringify(doc.value, (_k, v: unknown) => {
    if (typeof v === 'function' || typeof v === 'bigint' || typeof v === 'symbol') lossy = true;
    return typeof v === 'bigint' ? undefined : v;
  });
  return lossy ? undefined : doc;
}

export class Supervisor {
  private readonly slots = new Map<Role, Slot>();
  private readonly pending = new Map<number, Pending>();
  /** The latest state event per source, replayed to a child when it (re)starts. */
  private readonly lastState = new Map<string, { from: Role; event: GenericEvent }>();
  private nextId = 1;
  private stopping = false;

  constructor(
    private readonly core: Hacore,
    private readonly opts: {
      configFile: string;
      format?: ConfigFormat | undefined;
      allowCode?: boolean;
      logLevel: string;
      logger: Logger;
      backoff?: RestartPolicy;
      prepareTimeoutMs?: number;
      /** Children `hacore start` forked before loading (prefork.ts): taken for their role's first start when their command line is the same. */
      preforked?: readonly Preforked[];
    },
  ) {}

  /** Starts every child and waits until each is ready; throws if one cannot start at all. */
  async start(roles: readonly Role[]): Promise<void> {
    for (const role of roles) {
      const slot: Slot = { role, proc: undefined, startedAt: 0, restarts: 0, consecutive: 0, timer: undefined, starting: undefined };
      this.slots.set(role, slot);
    }
    try {
      await Promise.all(roles.map((r) => this.spawn(this.slots.get(r)!, true)));
    } catch (err) {
      await this.stop('a child failed to start');
      throw err;
    }
  }

  childPids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.slots].map(([r, s]) => [r, s.proc?.pid]));
  }

  private spawn(slot: Slot, first: boolean): Promise<void> {
    const source = this.opts.format ? formatArgs(this.opts.format) : ['--config', this.opts.configFile];
    const launch: ChildLaunch = { source, logLevel: this.opts.logLevel, allowCode: this.opts.allowCode !== false };
    const args = childArgs(slot.role, launch);
    const pre = first ? this.opts.preforked?.find((p) => p.role === slot.role && !p.adopted && !p.exited && p.args.join('\0') === args.join('\0')) : undefined;
    const proc = pre ? pre.proc : forkChild(slot.role, launch);
    slot.proc = proc;
    slot.startedAt = Date.now();
    const started = markStarting(slot);
    this.forwardSignals();
    this.opts.logger.info({ child: slot.role, childPid: proc.pid }, `started ${slot.role} child`);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let fatal: string | undefined;
      const onMessage = (raw: unknown): void => {
        const m = raw as ChildMessage;
        // Not the file as it is now: it may have been edited and not reloaded.
        if (m.t === 'config-request') proc.send({ t: 'config', raw: handOverable(this.core.configDocument()) } satisfies ParentMessage);
        else if (m.t === 'ready') {
          ready = true;
          this.replayTo(slot);
          started();
          resolve();
          void this.core.emit({ kind: 'daemon', what: 'child-start', detail: `${slot.role} pid ${proc.pid}` });
        } else if (m.t === 'fatal') fatal = `${m.code}: ${m.message}`;
        else if (m.t === 'event') this.onChildEvent(slot.role, m.event);
        else if (m.t === 'reply') {
          const p = this.pending.get(m.id);
          if (!p) return;
          this.pending.delete(m.id);
          clearTimeout(p.timer);
          if (m.ok) p.resolve(m.result);
          else p.reject(Object.assign(new HacoreError('HACORE_ERR_CONTROL', `${slot.role}: ${m.message}`), { remoteCode: m.code }));
        }
      };
      proc.once('exit', (code, signal) => {
        if (slot.proc === proc) slot.proc = undefined;
        started();
        this.forwardSignals();
        if (!ready && first) {
          reject(new HacoreError('HACORE_ERR_CHILD_START', `the ${slot.role} child could not start: ${fatal ?? `exited with ${signal ?? code}`}`));
          return;
        }
        this.onChildExit(slot, code, signal);
      });
      // After the exit listener: what a preforked child already said may settle this promise.
      if (pre) pre.adopt(onMessage);
      else proc.on('message', onMessage);
    });
  }

  /** The live children get the supervisor's SIGTERM/SIGINT straight from its signal handler (signal-forward.ts). */
  private forwardSignals(): void {
    forwardSignalsTo([...this.slots.values()].flatMap((s) => (s.proc?.pid !== undefined ? [s.proc.pid] : [])));
  }

  private onChildExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping) return;
    const lived = Date.now() - slot.startedAt;
    const policy = this.opts.backoff ?? DEFAULT_BACKOFF;
    if (lived >= policy.stableMs) slot.consecutive = 0;
    const delay = backoffDelay(slot.consecutive, policy);
    slot.consecutive++;
    slot.restarts++;
    this.opts.logger.error({ child: slot.role, code, signal, restartInMs: delay }, `${slot.role} child exited (${signal ?? code}); restarting in ${delay} ms`);
    void this.core.emit({ kind: 'daemon', what: 'child-exit', detail: `${slot.role} ${signal ?? code}` });
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (this.stopping) return;
      this.spawn(slot, false).catch(() => {});
    }, delay);
  }

  private onChildEvent(from: Role, event: GenericEvent): void {
    const key = this.core.events.replayKeyOf(event);
    if (key) this.lastState.set(key, { from, event });
    void this.core.deliverRemote(event);
    for (const [role, slot] of this.slots) {
      if (role !== from && slot.proc?.connected) this.send(slot, { t: 'event', event });
    }
  }

  /**
   * A child that starts (or restarts after a crash) has missed the other roles'
   * events: give it the current state of every target and instance, so that
   * tracking in a restarted VRRP child starts from the truth.
   */
  private replayTo(slot: Slot): void {
    for (const { from, event } of this.lastState.values()) if (from !== slot.role) this.send(slot, { t: 'event', event });
  }

  private send(slot: Slot, m: ParentMessage): void {
    try {
      slot.proc?.send(m);
    } catch {
      // the child is exiting; its exit handler takes over
    }
  }

  private async request(
    slot: Slot,
    m: { op: 'status' | 'abort' | 'commit' } | { op: 'prepare'; raw: { file: string; value: unknown } } | { op: 'action'; action: ActionRequest },
    timeoutMs = 20_000): Promise<unknown> {
    // A status is answered at once (a starting child says so); a reload or an action waits for the child's start.
    if (m.op === 'prepare' || m.op === 'action') await whileStarting(slot.starting, timeoutMs);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!slot.proc?.connected) return reject(new HacoreError('HACORE_ERR_CONTROL', `${slot.role} child is not running`));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HacoreError('HACORE_ERR_CONTROL', `${slot.role} child did not answer ${m.op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send(slot, { t: 'request', id, ...m } as ParentMessage);
    });
  }

  /**
   * A reload in every process or in none: the supervisor reads and validates the
   * file, every child prepares the same document (validates it against its live
   * state and allocates what it needs), and only when all have said yes does
   * each commit. A child that refuses, is not running or does not answer within
   * `prepareTimeoutMs` refuses the whole reload, and every prepared process aborts.
   */
  async reload(prepareTimeoutMs = this.opts.prepareTimeoutMs ?? 15_000): Promise<Record<string, ReloadSummary>> {
    const raw = await this.core.readConfigDocument();
    const main = await this.core.prepareReload(raw);
    const slots = [...this.slots.values()];
    const doc = { file: raw.file, value: raw.value };
    const prepared = await Promise.allSettled(slots.map((s) => this.request(s, { op: 'prepare', raw: doc }, prepareTimeoutMs)));
    const refusals = prepared.flatMap((r, i) => (r.status === 'rejected' ? [{ role: slots[i]!.role, err: r.reason as Error & { remoteCode?: string } }] : []));
    if (refusals.length > 0) {
      await this.core.abortReload().catch((err: unknown) => this.opts.logger.error({ err }, 'abort of the prepared reload failed in main'));
      await Promise.allSettled(slots.filter((_, i) => prepared[i]!.status === 'fulfilled').map((s) => this.request(s, { op: 'abort' }, prepareTimeoutMs)));
      const why = refusals.map((r) => r.err.message).join('; ');
      this.opts.logger.warn({ refusedBy: refusals.map((r) => r.role) }, `reload refused: ${why}; nothing was changed`);
      void this.core.emit({ kind: 'daemon', what: 'reload-failed', detail: `refused: ${why}` }).catch(() => {});
      throw Object.assign(new HacoreError('HACORE_ERR_RELOAD_REFUSED', `reload refused, nothing was changed in any process: ${why}`, { cause: refusals[0]!.err }), {
        remoteCode: refusals[0]!.err.remoteCode,
      });
    }
    const committed = await Promise.allSettled(slots.map(async (s) => [s.role, (await this.request(s, { op: 'commit' })) as ReloadSummary] as const));
    let mainResult: ReloadSummary = main;
    let mainError: Error | undefined;
    try {
      mainResult = await this.core.commitReload();
    } catch (err) {
      mainError = err as Error;
    }
    const failures = committed.flatMap((r, i) => (r.status === 'rejected' ? [`${slots[i]!.role}: ${(r.reason as Error).message}`] : []));
    if (mainError) failures.unshift(`main: ${mainError.message}`);
    if (failures.length > 0) throw new HacoreError('HACORE_ERR_RELOAD_PARTIAL', `the reload was prepared everywhere but failed to commit in ${failures.join('; ')}`);
    const children = committed.map((r) => (r as PromiseFulfilledResult<readonly [Role, ReloadSummary]>).value);
    return { main: mainResult, ...Object.fromEntries(children) };
  }

  async statusAll(): Promise<Record<string, StatusReport>> {
    const out: Record<string, StatusReport> = { main: { ...this.core.status(), children: this.childrenInfo() } };
    await Promise.all(
      [...this.slots.values()].map(async (s) => {
        try {
          out[s.role] = (await this.request(s, { op: 'status' }, 5000)) as StatusReport;
        } catch (err) {
          out[s.role] = { error: (err as Error).message } as unknown as StatusReport;
        }
      }),
    );
    return out;
  }

  /** An operator action in the supervisor and every child; the replies of those whose plugins did it. A refusal anywhere refuses it. */
  async action(request: ActionRequest): Promise<ActionReply[]> {
    const slots = [...this.slots.values()];
    const results = await Promise.all([
      this.core.runActionHere(request).then((r) => ({ role: 'main' as const, r })),
      ...slots.map(async (s) => {
        try {
          return { role: s.role, r: (await this.request(s, { op: 'action', action: request }, 10_000)) as string | undefined };
        } catch (err) {
          // The owning plugin's own code (HACORE_ERR_ACTION), not the relay's.
          const e = err as Error & { remoteCode?: string };
          throw new HacoreError((e.remoteCode ?? 'HACORE_ERR_ACTION') as HacoreErrorCode, e.message);
        }
      }),
    ]);
    return results.flatMap(({ role, r }) => (typeof r === 'string' ? [{ role, result: r }] : []));
  }

  private childrenInfo(): Record<string, { pid: number | undefined; restarts: number; since: number }> {
    return Object.fromEntries([...this.slots].map(([r, s]) => [r, { pid: s.proc?.pid, restarts: s.restarts, since: s.startedAt }]));
  }

  /** Asks every child to stop, waits for it (SIGKILL after `graceMs`), then stops the supervisor's core. */
  async stop(reason: string, graceMs = 10_000): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.slots.values()].map(async (slot) => {
        if (slot.timer) clearTimeout(slot.timer);
        const proc = slot.proc;
        if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        this.send(slot, { t: 'stop', reason });
        const kill = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(kill);
      }),
    );
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    await this.core.stop(reason);
  }
}
