import { readFileSync } from 'node:fs';
import { ConfigError, type CheckSpec, type ConfigDiff, type HacoreConfig, type HacoreCore, type HacorePlugin, type Logger, type StatusTable } from '@hacore/core';
import {
  ipvsOptionsSchema,
  ipvsSchemas,
  type GroupMemberConfig,
  type IpvsOptionsConfig,
  type VirtualServerConfig,
} from './config-schema.js';
import { DrainSet } from './drain.js';
import { DestinationStatsPoller, type DestinationStats } from './destination-stats.js';
import { OwnershipStore } from './ownership.js';
import { IpvsUnavailableError } from './errors.js';
import { IPVS_EVENTS, type VirtualServerInfo } from './events.js';
import { AsyncParallelHook } from 'tapable';
import { describeOp, type ReconcileOp } from './reconcile.js';
import { reconcile, type ApplyReport, type OpFailure } from './reconcile-apply.js';
import type { CurrentService } from './reconcile.js';
import { serviceKeyId, serviceKeyLabel } from './reconcile-keys.js';
import type { IpvsDataplane } from './types.js';
import { SyncDaemonController, type SyncDaemonOps, type SyncDaemonStatus } from './sync-daemon.js';
import { syncDaemonIssues } from './sync-daemon-config.js';
import { haSuspendIssues, suspendedServices, vipCarriers } from './ha-suspend.js';
import { VirtualServer, type CheckView, type Evaluation } from './virtual-server.js';
import { compileVirtualServers, type VirtualServerSpec } from './virtual-server-spec.js';

export const PLUGIN_NAME = '@hacore/ipvs';
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string; hacore: string };

/** A data-plane backend, or a function that opens one at start. */
export type DataplaneSource = IpvsDataplane | (() => IpvsDataplane | Promise<IpvsDataplane>);

export interface IpvsPluginOptions {
  /** The backend to program. Default: the generic-netlink client, opened at start. */
  dataplane?: DataplaneSource;
  /** Delay before retrying a pass that could not read the table. Default 5 s. */
  retryDelayMs?: number;
}

/** The `ipvs` section of the status document. */
export interface IpvsStatus {
  dataplane: string;
  virtualServers: {
    name: string;
    services: string[];
    /** With `haSuspend`, while the VRRP instance carrying the address is not Master: out of the kernel's table. */
    suspended?: true;
    quorum: { up: boolean; liveWeight: number; quorum: number; hysteresis: number };
    sorryServer?: { id: string; active: boolean; kernelWeight: number | undefined };
    realServers: { id: string; up: boolean; weight: number; kernelWeight: number | undefined; reason: string; drained?: { since: number } }[];
  }[];
  owned: string[];
  passes: number;
  opsApplied: number;
  opsFailed: number;
  lastPass?: { at: number; durationMs: number; applied: string[]; failed: OpFailure[]; skipped: string[]; remaining: string[] };
  /** The most recent refusals and pass errors, newest last. */
  errors: { at: number; message: string; errno?: string }[];
  /** The kernel's per-destination counters and rates (every `ipvs.statsInterval`), and when they were read. */
  destinations: DestinationStats[];
  destinationsAt?: number;
  /** With `ipvs.syncDaemon`: the role asked for and the daemons the kernel runs. */
  syncDaemon?: SyncDaemonStatus;
}

/** The `ipvs` section when the config has none (the schema's defaults). */
function defaultOptions(): IpvsOptionsConfig {
  return { leaveOnStop: false, resyncInterval: 60000, statsInterval: 5000 };
}

interface SectionsOf {
  virtualServers?: VirtualServerConfig[];
  virtualServerGroups?: Record<string, GroupMemberConfig[]>;
  ipvs?: IpvsOptionsConfig;
}

/** The text form of `hacore status`: one row per real server (and sorry server). */
function statusTables(st: IpvsStatus): StatusTable[] {
  const rows: string[][] = [];
  for (const vs of st.virtualServers) {
    const q = `${vs.quorum.up ? 'quorum' : 'NO QUORUM'} ${vs.quorum.liveWeight}/${vs.quorum.quorum}`;
    for (const rs of vs.realServers) rows.push([vs.name, rs.id, `${rs.up ? 'UP' : 'DOWN'}${rs.drained ? ' DRAINED' : ''}`, String(rs.kernelWeight ?? '-'), q, rs.reason]);
    if (vs.sorryServer) rows.push([vs.name, `${vs.sorryServer.id} (sorry)`, vs.sorryServer.active ? 'ACTIVE' : 'standby', String(vs.sorryServer.kernelWeight ?? '-'), q, '']);
  }
  return [{ title: 'ipvs', columns: ['virtual server', 'real server', 'state', 'weight', 'quorum', 'reason'], rows }];
}

function specsOf(config: HacoreConfig): { specs: VirtualServerSpec[]; issues: ReturnType<typeof compileVirtualServers>['issues'] } {
  const c = config as HacoreConfig & SectionsOf;
  return compileVirtualServers(c.virtualServers ?? [], c.virtualServerGroups ?? {});
}

/** Opens the generic-netlink client, the default backend. */
export async function openNetlinkDataplane(): Promise<IpvsDataplane> {
  // Imported on demand so that a plugin given another backend (and its tests) never loads the netlink binding.
  const { openIpvsDataplane } = await import('./netlink-client.js');
  return openIpvsDataplane();
}

/**
 * keepalived's virtual servers on the kernel's IPVS: validates the
 * `virtualServers`, `virtualServerGroups` and `ipvs` sections, contributes the
 * real servers' inline checks, follows their states and keeps the kernel's
 * table in step, one reconcile pass at a time.
 */
/** The plugin's own hooks, for other plugins: `IpvsPlugin.getHooks(core)`. */
export interface IpvsHooks {
  /** Parallel: a virtual server gained (true) or lost (false) its quorum. */
  readonly quorum: AsyncParallelHook<[VirtualServerInfo, boolean]>;
}

const hooksByCore = new WeakMap<HacoreCore, IpvsHooks>();

export class IpvsPlugin implements HacorePlugin {
  static getHooks(core: HacoreCore): IpvsHooks {
    let h = hooksByCore.get(core);
    if (!h) {
      h = Object.freeze({ quorum: new AsyncParallelHook<[VirtualServerInfo, boolean]>(['virtualServer', 'up']) });
      hooksByCore.set(core, h);
    }
    return h;
  }

  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['check'] as const;

  private core: HacoreCore | undefined;
  private log: Logger | undefined;
  private dp: IpvsDataplane | undefined;
  private ownsDataplane = false;
  private servers = new Map<string, VirtualServer>();
  private readonly views = new Map<string, CheckView>();
  private owned = new Set<string>();
  /** The table as the last pass read it back; `undefined` makes the next pass read it all. */
  private table: CurrentService[] | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private options: IpvsOptionsConfig = defaultOptions();
  private active = false;
  private dirty = false;
  private loop: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private passes = 0;
  private opsApplied = 0;
  private opsFailed = 0;
  private lastPass: IpvsStatus['lastPass'];
  private readonly errors: IpvsStatus['errors'] = [];
  private readonly drains = new DrainSet();
  private readonly ownership = new OwnershipStore();
  private sync: SyncDaemonController | undefined;
  private stats: DestinationStatsPoller | undefined;
  /** The last state of every VRRP instance (events of the vrrp process, relayed or replayed). */
  private readonly vrrpStates = new Map<string, string>();
  /** Which VRRP instance carries each virtual address (for `haSuspend`). */
  private carriers = new Map<string, string>();

  constructor(private readonly opts: IpvsPluginOptions = {}) {}

  apply(core: HacoreCore): void {
    for (const d of IPVS_EVENTS) core.declareEvent(d);
    // One instance may be applied to several cores in turn (a module exporting an instance, tests): start clean.
    this.reset();
    this.core = core;
    const roles = { roles: this.roles };
    const schemas = ipvsSchemas((raw, ctx, path) => core.parseCheck(raw, ctx, path));
    // Groups first: the core parses sections in this order, and the virtual servers check their references against it.
    core.registerSection('virtualServerGroups', schemas.virtualServerGroups, roles);
    core.registerSection('virtualServers', schemas.virtualServers, roles);
    core.registerSection('ipvs', ipvsOptionsSchema, roles);

    core.hooks.collectChecks.tap(PLUGIN_NAME, (checks, config) => {
      // The schemas already checked across sections (with file and line); this is the backstop.
      const { issues } = specsOf(config);
      if (issues.length > 0) throw new ConfigError(undefined, issues);
      const inline: CheckSpec[] = [];
      for (const vs of (config as HacoreConfig & SectionsOf).virtualServers ?? []) for (const rs of vs.realServers) inline.push(...rs.checks);
      return [...checks, ...inline];
    });
    core.hooks.validate.tap(PLUGIN_NAME, (config, issues) => {
      issues.push(...syncDaemonIssues(config), ...haSuspendIssues(config, specsOf(config).specs));
    });
    core.hooks.event.tap(PLUGIN_NAME, (event) => {
      if (event.kind !== 'vrrp-transition') return;
      const instance = String(event['instance']);
      this.vrrpStates.set(instance, String(event['to']));
      if (this.sync && this.active && instance === this.sync.vrrpInstance) void this.sync.setRole(event['to'] === 'MASTER' ? 'master' : 'backup');
      if (this.active && [...this.carriers.values()].includes(instance)) void this.kick();
    });
    core.hooks.start.tapPromise(PLUGIN_NAME, (config) => this.start(config));
    core.hooks.targetState.tap(PLUGIN_NAME, (target, change) => {
      if (!this.active) return;
      // The dynamic weight is the one of the probe that made this change (the target's own field is sticky).
      const weight = target.lastResult?.weight;
      this.views.set(target.check, { state: change.to, reason: change.reason, ...(weight !== undefined ? { weight } : {}) });
      void this.kick();
    });
    core.hooks.checkResult.tap(PLUGIN_NAME, (target, result) => {
      // A dynamic weight can change without a state change; a result without
      // one gives the real server its configured weight back.
      if (!this.active) return;
      const v = this.views.get(target.check);
      if ((v?.weight ?? undefined) === result.weight) return;
      if (!v && result.weight === undefined) return;
      const { weight: _old, ...rest } = v ?? { state: target.state, reason: result.reason };
      this.views.set(target.check, { ...rest, ...(result.weight !== undefined ? { weight: result.weight } : {}) });
      void this.kick();
    });
    core.hooks.reload.tapPromise(PLUGIN_NAME, (diff) => this.reload(diff));
    for (const drain of [true, false]) {
      core.hooks.action.for(drain ? 'drain' : 'undrain').tapPromise(PLUGIN_NAME, async (req) => {
        if (!this.active) return undefined;
        const changed = this.drains.apply([...this.servers.values()].map((vs) => vs.spec), req.args, drain);
        await this.kick();
        const what = drain ? 'drained' : 'undrained';
        if (changed.length === 0) return `${req.args.realServer} was already ${what}`;
        return changed.map((c) => `${what} ${c.realServer} in ${c.virtualServer}`).join('; ');
      });
    }
    core.hooks.shutdown.tapPromise(PLUGIN_NAME, (reason) => this.shutdown(reason));
    core.hooks.status.tap(PLUGIN_NAME, (doc) => {
      const ipvs = this.status();
      return { ...doc, ipvs: { ...ipvs, tables: statusTables(ipvs) } };
    });
  }

  private reset(): void {
    this.log = undefined;
    this.dp = undefined;
    this.ownsDataplane = false;
    this.servers = new Map();
    this.views.clear();
    this.owned = new Set();
    this.table = undefined;
    this.options = defaultOptions();
    this.active = false;
    this.dirty = false;
    this.passes = 0;
    this.opsApplied = 0;
    this.opsFailed = 0;
    this.lastPass = undefined;
    this.errors.length = 0;
    this.sync = undefined;
    this.stats = undefined;
    this.vrrpStates.clear();
    this.carriers = new Map();
  }

  /** Resolves when no reconcile pass is running or pending. */
  async idle(): Promise<void> {
    while (this.loop) await this.loop;
  }

  private get logger(): Logger {
    this.log ??= this.core!.logger.child({ plugin: PLUGIN_NAME });
    return this.log;
  }

  private async start(config: HacoreConfig): Promise<void> {
    const src = this.opts.dataplane;
    try {
      if (src === undefined) {
        this.dp = await openNetlinkDataplane();
        this.ownsDataplane = true;
      } else this.dp = typeof src === 'function' ? await src() : src;
    } catch (err) {
      // The client's own errors already say what is missing.
      if (typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('HACORE_ERR_IPVS')) throw err;
      throw new IpvsUnavailableError(`ipvs: cannot open the data plane (does the kernel have IPVS, ip_vs loaded, and CAP_NET_ADMIN?): ${(err as Error)?.message ?? String(err)}`, { cause: err });
    }
    this.options = (config as HacoreConfig & SectionsOf).ipvs ?? defaultOptions();
    const problem = this.drains.open(config.stateDir);
    if (problem) this.logger.warn(problem);
    // What we owned when we last ran: a service since removed from the config is still ours to remove.
    const stored = this.ownership.open(config.stateDir);
    if (stored.problem) {
      const message = `${stored.problem}: owning no service until one is created or adopted`;
      this.logger.warn(message);
      this.pushError({ at: Date.now(), message });
    }
    this.owned = stored.owned;
    this.servers = new Map(specsOf(config).specs.map((spec) => [spec.name, new VirtualServer(spec)]));
    this.carriers = vipCarriers(config);
    this.active = true;
    await this.kick();
    this.armResync();
    this.stats = new DestinationStatsPoller(this.dp, () => [...this.servers.values()].flatMap((vs) => vs.spec.services.map((svc) => ({ virtualServer: vs.spec.name, key: svc.key }))));
    this.stats.arm(this.options.statsInterval);
    await this.configureSync();
    this.logger.info({ virtualServers: this.servers.size, owned: this.owned.size }, 'ipvs reconciled at start');
  }

  /** Starts, updates or stops the sync daemon after `options` changed. */
  private async configureSync(): Promise<void> {
    const want = this.options.syncDaemon;
    if (!want) {
      const old = this.sync;
      this.sync = undefined;
      await old?.stop();
      return;
    }
    const ops = this.dp as IpvsDataplane & Partial<SyncDaemonOps>;
    if (!ops.listSyncDaemons || !ops.startSyncDaemon || !ops.stopSyncDaemon) {
      this.pushError({ at: Date.now(), message: 'ipvs.syncDaemon: this data plane has no sync daemon' });
      this.logger.error('ipvs.syncDaemon is set but the data plane has no sync daemon commands');
      return;
    }
    if (this.sync) {
      await this.sync.update(want);
    } else {
      this.sync = new SyncDaemonController(ops as SyncDaemonOps, want, this.logger);
      await this.sync.start();
    }
    await this.sync!.setRole(this.vrrpStates.get(want.vrrpInstance) === 'MASTER' ? 'master' : 'backup');
  }

  private async reload(diff: ConfigDiff): Promise<void> {
    if (!this.active) return;
    this.options = (diff.next as HacoreConfig & SectionsOf).ipvs ?? defaultOptions();
    this.table = undefined;
    this.armResync();
    this.stats?.arm(this.options.statsInterval);
    await this.configureSync();
    const next = new Map<string, VirtualServer>();
    for (const spec of specsOf(diff.next).specs) {
      const vs = new VirtualServer(spec);
      const old = this.servers.get(spec.name);
      if (old) vs.inheritFrom(old);
      next.set(spec.name, vs);
    }
    this.servers = next;
    this.carriers = vipCarriers(diff.next);
    // A changed check keeps its last state until its new runner reports one.
    for (const name of diff.checks.removed) this.views.delete(name);
    await this.kick();
  }

  private async shutdown(reason: string): Promise<void> {
    if (!this.active) return;
    this.active = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.stats?.stop();
    await this.idle();
    for (const vs of this.servers.values()) {
      const q = vs.omegaAtShutdown();
      if (q) await this.emitQuorum(vs, q.up, q.liveWeight);
    }
    if (!this.options.leaveOnStop && this.dp && this.owned.size > 0) {
      try {
        const report = await reconcile(this.dp, [], this.owned);
        this.record(report);
        this.logger.info({ reason, removed: report.applied.length, failed: report.failed.length }, 'ipvs services removed');
      } catch (err) {
        this.logger.error({ err }, 'ipvs: could not remove our services at shutdown');
      }
    }
    await this.sync?.stop();
    if (this.ownsDataplane) await (this.dp as IpvsDataplane & { close?: () => unknown }).close?.();
  }

  /** Every resyncInterval, the next pass reads the whole table again instead of trusting the last read-back. */
  private armResync(): void {
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    this.resyncTimer = undefined;
    const every = this.options.resyncInterval;
    if (!every) return;
    this.resyncTimer = setInterval(() => {
      if (!this.active) return;
      this.table = undefined;
      void this.kick();
    }, every).unref();
  }

  /** Asks for a pass; passes never overlap, and changes during one are folded into the next. */
  private kick(): Promise<void> {
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
            this.logger.error({ err }, 'ipvs reconcile pass threw');
          }
        }
      } finally {
        this.loop = undefined;
      }
    })();
    return this.loop;
  }

  private async pass(): Promise<void> {
    const lookup = (name: string) => this.views.get(name);
    const evaluations = [...this.servers.values()].map((vs) => ({ vs, ev: vs.evaluate(lookup, (rs) => this.drains.has(vs.spec.name, rs)) }));
    const suspended = suspendedServices([...this.servers.values()].map((vs) => vs.spec), this.carriers, this.vrrpStates);
    const desired = evaluations.flatMap((e) => e.ev.desired).filter((d) => !suspended.has(serviceKeyId(d.service.key)));
    let report: Awaited<ReturnType<typeof reconcile>>;
    try {
      report = await reconcile(this.dp!, desired, this.owned, this.table ? { current: this.table } : {});
    } catch (err) {
      this.table = undefined;
      this.pushError({ at: Date.now(), message: `reconcile pass failed: ${(err as Error)?.message ?? String(err)}` });
      this.logger.error({ err }, 'ipvs reconcile pass failed; retrying');
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = undefined;
        if (this.active) void this.kick();
      }, this.opts.retryDelayMs ?? 5000).unref();
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
    for (const f of report.failed) this.logger.warn({ op: f.description, errno: f.errno }, `ipvs refused ${f.description}: ${f.errno}`);
    if (report.applied.length > 0) this.logger.info({ ops: report.applied.map(describeOp) }, `ipvs: ${report.applied.length} operation(s) applied`);
    await this.emitChanges(evaluations);
  }

  /** Real-server and quorum events of one pass, after the kernel has been updated. */
  private async emitChanges(evaluations: { vs: VirtualServer; ev: Evaluation }[]): Promise<void> {
    for (const { vs, ev } of evaluations) {
      for (const c of ev.changes) {
        this.logger.info({ virtualServer: vs.spec.name, realServer: c.realServer, up: c.up, weight: c.weight, reason: c.reason }, `real server ${c.realServer} of ${vs.spec.name} is ${c.up ? 'up' : 'down'}`);
        await this.core!.emit({ kind: 'real-server', virtualServer: vs.spec.name, realServer: c.realServer, up: c.up, weight: c.weight, reason: c.reason });
      }
      if (ev.quorumChange) await this.emitQuorum(vs, ev.quorumChange.up, ev.quorumChange.liveWeight);
    }
  }

  private async emitQuorum(vs: VirtualServer, up: boolean, liveWeight: number): Promise<void> {
    const info = { name: vs.spec.name, key: vs.keyLabel, liveWeight, quorum: vs.spec.quorum };
    this.logger.info({ virtualServer: vs.spec.name, up, liveWeight, quorum: vs.spec.quorum }, `quorum of ${vs.spec.name} is ${up ? 'up' : 'down'}`);
    await IpvsPlugin.getHooks(this.core!).quorum.promise(info, up).catch((err: unknown) => this.logger.error({ err }, 'a quorum tap failed'));
    await this.core!.emit({ kind: 'quorum', virtualServer: vs.spec.name, up, liveWeight, quorum: vs.spec.quorum });
  }

  private record(report: ApplyReport): void {
    this.passes++;
    this.owned = new Set(report.owned);
    const problem = this.ownership.save(this.owned);
    if (problem) {
      this.logger.warn(problem);
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

  private pushError(e: IpvsStatus['errors'][number]): void {
    this.errors.push(e);
    if (this.errors.length > 20) this.errors.shift();
  }

  /** The status section (also what `hacore status` shows under `ipvs`). */
  status(): IpvsStatus {
    const suspended = suspendedServices([...this.servers.values()].map((vs) => vs.spec), this.carriers, this.vrrpStates);
    return {
      dataplane: this.opts.dataplane === undefined ? 'netlink' : 'injected',
      virtualServers: [...this.servers.values()].map((vs) => {
        const ev = vs.last;
        return {
          name: vs.spec.name,
          services: vs.spec.services.map((s) => serviceKeyLabel(s.key)),
          ...(vs.spec.services.some((s) => suspended.has(serviceKeyId(s.key))) ? { suspended: true as const } : {}),
          quorum: { up: ev?.quorumUp ?? false, liveWeight: ev?.liveWeight ?? 0, quorum: vs.spec.quorum, hysteresis: vs.spec.hysteresis },
          ...(ev?.sorryServer ? { sorryServer: ev.sorryServer } : {}),
          realServers: (ev?.realServers ?? []).map((r) => {
            const since = r.drained ? this.drains.since(vs.spec.name, r.id) : undefined;
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
      destinations: this.stats?.latest ?? [],
      ...(this.stats?.at !== undefined ? { destinationsAt: this.stats.at } : {}),
      ...(this.sync ? { syncDaemon: this.sync.status() } : {}),
    };
  }
}

export default IpvsPlugin;
