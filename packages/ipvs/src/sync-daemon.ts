/**
 * The kernel's IPVS connection-sync daemon (keepalived's `lvs_sync_daemon`),
 * driven by a VRRP instance: backup on every director, master on the one whose
 * instance is Master. The master multicasts its connection entries; a backup
 * creates them in its own table, so that established connections carry on
 * through the new master after a failover.
 */
import type { SyncDaemonConfig } from './types.js';

/** The three daemon commands, as the netlink client (and the memory data plane) offer them. */
export interface SyncDaemonOps {
  listSyncDaemons(): Promise<SyncDaemonConfig[]>;
  startSyncDaemon(cfg: SyncDaemonConfig): Promise<void>;
  stopSyncDaemon(state: SyncDaemonConfig['state']): Promise<void>;
}

/** `ipvs.syncDaemon` as the schema gives it. */
export interface SyncDaemonOptions {
  interface: string;
  syncId: number;
  vrrpInstance: string;
  maxLength?: number | undefined;
  group?: string | undefined;
  port?: number | undefined;
  ttl?: number | undefined;
}

export type SyncRole = 'master' | 'backup';

export interface SyncDaemonStatus {
  vrrpInstance: string;
  /** The role the VRRP instance asks for. */
  role: SyncRole;
  /** The daemons the kernel reported after the last change. */
  running: SyncDaemonConfig[];
  /** When the role last changed (ms since the epoch) and how long the switch took. */
  lastSwitch?: { at: number; to: SyncRole; durationMs: number };
  lastError?: string;
}

export interface SyncDaemonLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The kernel form of the options for one state. */
export function daemonConfig(o: SyncDaemonOptions, state: SyncRole): SyncDaemonConfig {
  return {
    state,
    interface: o.interface,
    syncId: o.syncId,
    ...(o.maxLength !== undefined ? { maxLength: o.maxLength } : {}),
    ...(o.group !== undefined ? { multicastGroup: o.group } : {}),
    ...(o.port !== undefined ? { multicastPort: o.port } : {}),
    ...(o.ttl !== undefined ? { multicastTtl: o.ttl } : {}),
  };
}

/** True when a running daemon is what `want` asks for (the fields the kernel reports back). */
function matches(running: SyncDaemonConfig, want: SyncDaemonConfig): boolean {
  if (running.state !== want.state || running.interface !== want.interface || running.syncId !== want.syncId) return false;
  // Kernels without the optional attributes do not report them: compare only what both sides have.
  const same = <K extends keyof SyncDaemonConfig>(k: K) => want[k] === undefined || running[k] === undefined || running[k] === want[k];
  return same('maxLength') && same('multicastGroup') && same('multicastPort') && same('multicastTtl');
}

/**
 * Keeps exactly one sync daemon of ours running, in the role asked for.
 * Changes are serialized; the last one asked for wins.
 */
export class SyncDaemonController {
  private role: SyncRole = 'backup';
  private chain: Promise<void> = Promise.resolve();
  private running: SyncDaemonConfig[] = [];
  private lastSwitch: SyncDaemonStatus['lastSwitch'];
  private lastError: string | undefined;
  private stopped = false;

  constructor(
    private readonly ops: SyncDaemonOps,
    private options: SyncDaemonOptions,
    private readonly log: SyncDaemonLog,
  ) {}

  get vrrpInstance(): string {
    return this.options.vrrpInstance;
  }

  /** Starts in the backup role (or the role a replayed VRRP event already asked for). */
  start(): Promise<void> {
    return this.enqueue();
  }

  /** New options (a reload): the daemon is restarted when they differ. */
  update(options: SyncDaemonOptions): Promise<void> {
    this.options = options;
    return this.enqueue();
  }

  /** The VRRP instance changed state: Master makes us the sync master, anything else the backup. */
  setRole(role: SyncRole): Promise<void> {
    if (role === this.role) return this.chain;
    this.role = role;
    return this.enqueue(Date.now());
  }

  /** Stops the daemon we run (at shutdown, or when the option is removed). */
  stop(): Promise<void> {
    this.stopped = true;
    this.chain = this.chain.then(async () => {
      for (const d of await this.list()) {
        if (d.interface === this.options.interface && d.syncId === this.options.syncId) await this.stopOne(d.state);
      }
      this.running = await this.list();
    });
    return this.chain;
  }

  private enqueue(askedAt?: number): Promise<void> {
    this.chain = this.chain.then(() => (this.stopped ? undefined : this.converge(askedAt)));
    return this.chain;
  }

  private async list(): Promise<SyncDaemonConfig[]> {
    try {
      return await this.ops.listSyncDaemons();
    } catch (err) {
      this.fail(`cannot list the sync daemons: ${(err as Error).message}`);
      return [];
    }
  }

  private async stopOne(state: SyncRole): Promise<void> {
    try {
      await this.ops.stopSyncDaemon(state);
    } catch (err) {
      // Gone already (ESRCH) is what we wanted.
      if ((err as { errno?: string }).errno !== 'ESRCH') this.fail(`cannot stop the ${state} sync daemon: ${(err as Error).message}`);
    }
  }

  private fail(message: string): void {
    this.lastError = message;
    this.log.warn({ syncDaemon: this.options.interface }, `ipvs: ${message}`);
  }

  /**
   * One daemon, in the wanted role: the other role's daemon is stopped first
   * (the kernel runs a master and a backup side by side, but a director that
   * is both would sync its own connections back to itself), then ours is
   * started unless one with the same options already runs.
   */
  private async converge(askedAt?: number): Promise<void> {
    const role = this.role;
    const want = daemonConfig(this.options, role);
    const t0 = performance.now();
    let current = await this.list();
    for (const d of current) {
      if (!matches(d, want)) await this.stopOne(d.state);
    }
    current = await this.list();
    if (!current.some((d) => matches(d, want))) {
      try {
        await this.ops.startSyncDaemon(want);
        this.lastError = undefined;
      } catch (err) {
        this.fail(`cannot start the ${role} sync daemon on ${want.interface}: ${(err as Error).message}`);
      }
    }
    this.running = await this.list();
    const durationMs = Math.round((performance.now() - t0) * 10) / 10;
    if (askedAt !== undefined) this.lastSwitch = { at: askedAt, to: role, durationMs };
    this.log.info({ role, interface: want.interface, syncId: want.syncId, durationMs }, `ipvs sync daemon is ${role} on ${want.interface} (syncid ${want.syncId})`);
  }

  /** Resolves when every asked change is done. */
  settled(): Promise<void> {
    return this.chain;
  }

  status(): SyncDaemonStatus {
    return {
      vrrpInstance: this.options.vrrpInstance,
      role: this.role,
      running: this.running,
      ...(this.lastSwitch ? { lastSwitch: this.lastSwitch } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }
}
