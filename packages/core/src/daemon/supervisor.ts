import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { formatArgs, type ConfigFormat } from '../config/foreign-format.js';
import { HacoreError } from '../errors.js';
import type { HacoreEvent, Role, StatusReport } from '../types.js';
import type { Hacore } from './hacore.js';
import type { ChildMessage, ParentMessage } from './ipc.js';

const CHILD_MAIN = fileURLToPath(new URL('./child-main.js', import.meta.url));

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A child that ran this long is considered healthy: its backoff starts over. */
  stableMs: number;
}

/** Events that describe a current state (the last one per key is the truth). */
function stateKey(e: HacoreEvent): string | undefined {
  switch (e.kind) {
    case 'target-state':
      return `target:${e.check}`;
    case 'vrrp-transition':
      return `vrrp:${e.instance}`;
    case 'vrrp-group-transition':
      return `group:${e.group}`;
    case 'real-server':
      return `rs:${e.virtualServer}/${e.realServer}`;
    case 'quorum':
      return `quorum:${e.virtualServer}`;
    default:
      return undefined;
  }
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 30_000, stableMs: 60_000 };

/** Capped exponential backoff for the n-th consecutive restart (n from 0). */
export function backoffDelay(n: number, p: BackoffPolicy = DEFAULT_BACKOFF): number {
  return Math.min(p.maxMs, p.initialMs * 2 ** n);
}

interface Slot {
  role: Role;
  proc: ChildProcess | undefined;
  startedAt: number;
  restarts: number;
  consecutive: number;
  timer: NodeJS.Timeout | undefined;
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
export class Supervisor {
  private readonly slots = new Map<Role, Slot>();
  private readonly pending = new Map<number, Pending>();
  /** The latest state event per source, replayed to a child when it (re)starts. */
  private readonly lastState = new Map<string, { from: Role; event: HacoreEvent }>();
  private nextId = 1;
  private stopping = false;

  constructor(
    private readonly core: Hacore,
    private readonly opts: { configFile: string; format?: ConfigFormat | undefined; logLevel: string; logger: Logger; backoff?: BackoffPolicy },
  ) {}

  /** Starts every child and waits until each is ready; throws if one cannot start at all. */
  async start(roles: readonly Role[]): Promise<void> {
    for (const role of roles) {
      const slot: Slot = { role, proc: undefined, startedAt: 0, restarts: 0, consecutive: 0, timer: undefined };
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
    const args = ['--role', slot.role, ...source, '--log-level', this.opts.logLevel];
    const proc = fork(CHILD_MAIN, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' });
    slot.proc = proc;
    slot.startedAt = Date.now();
    this.opts.logger.info({ child: slot.role, childPid: proc.pid }, `started ${slot.role} child`);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let fatal: string | undefined;
      proc.on('message', (raw: unknown) => {
        const m = raw as ChildMessage;
        if (m.t === 'ready') {
          ready = true;
          this.replayTo(slot);
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
      });
      proc.once('exit', (code, signal) => {
        if (slot.proc === proc) slot.proc = undefined;
        if (!ready && first) {
          reject(new HacoreError('HACORE_ERR_CHILD_START', `the ${slot.role} child could not start: ${fatal ?? `exited with ${signal ?? code}`}`));
          return;
        }
        this.onChildExit(slot, code, signal);
      });
    });
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

  private onChildEvent(from: Role, event: HacoreEvent): void {
    const key = stateKey(event);
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

  private request(slot: Slot, op: 'reload' | 'status', timeoutMs = 20_000): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!slot.proc?.connected) return reject(new HacoreError('HACORE_ERR_CONTROL', `${slot.role} child is not running`));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new HacoreError('HACORE_ERR_CONTROL', `${slot.role} child did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send(slot, { t: 'request', id, op });
    });
  }

  /** Validates in the supervisor first (a bad file changes nothing anywhere), then reloads each child. */
  async reload(): Promise<unknown> {
    const result = await this.core.reload();
    const children = await Promise.all([...this.slots.values()].map(async (s) => [s.role, await this.request(s, 'reload')] as const));
    return { main: result, ...Object.fromEntries(children) };
  }

  async statusAll(): Promise<Record<string, StatusReport>> {
    const out: Record<string, StatusReport> = { main: { ...this.core.status(), children: this.childrenInfo() } };
    await Promise.all(
      [...this.slots.values()].map(async (s) => {
        try {
          out[s.role] = (await this.request(s, 'status', 5000)) as StatusReport;
        } catch (err) {
          out[s.role] = { error: (err as Error).message } as unknown as StatusReport;
        }
      }),
    );
    return out;
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
