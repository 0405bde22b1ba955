import { ConfigError, type CheckSpec, type ConfigDiff, type HacoreConfig, type HacoreCore, type HacorePlugin, type Logger, readOwnPackage } from '@hacore/core';
import { AsyncParallelHook } from 'tapable';
import { ipvsOptionsSchema, ipvsSchemas, type GroupMemberConfig, type IpvsOptionsConfig, type VirtualServerConfig } from './config-schema.js';
import { openDataplane, type DataplaneSource } from './dataplane-source.js';
import { DestinationStatsPoller } from './destination-stats.js';
import { DrainSet } from './drain.js';
import { haSuspendIssues, suspendedServices, vipCarriers } from './ha-suspend.js';
import { IPVS_EVENTS, type VirtualServerInfo } from './events.js';
import { statusTables, type IpvsStatus } from './ipvs-status.js';
import { OwnershipStore } from './ownership.js';
import { ReconcileLoop } from './reconcile-loop.js';
import { SyncDaemonController, type SyncDaemonOps } from './sync-daemon.js';
import { syncDaemonIssues } from './sync-daemon-config.js';
import type { IpvsDataplane } from './types.js';
import type { VirtualServer } from './virtual-server.js';
import { compileVirtualServers, type VirtualServerSpec } from './virtual-server-spec.js';

export { openNetlinkDataplane, type DataplaneSource } from './dataplane-source.js';
export type { IpvsStatus } from './ipvs-status.js';

export const PLUGIN_NAME = '@hacore/ipvs';
/** Name, version and API range from this package's own package.json (the header definePlugin reads). */
const pkg = readOwnPackage(import.meta.url);

export interface IpvsPluginOptions {
  /** The backend to program. Default: the generic-netlink client, opened at start. */
  dataplane?: DataplaneSource;
  /** Delay before retrying a pass that could not read the table. Default 5 s. */
  retryDelayMs?: number;
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

function specsOf(config: HacoreConfig): { specs: VirtualServerSpec[]; issues: ReturnType<typeof compileVirtualServers>['issues'] } {
  const c = config as HacoreConfig & SectionsOf;
  return compileVirtualServers(c.virtualServers ?? [], c.virtualServerGroups ?? {});
}

/** The plugin's own hooks, for other plugins: `IpvsPlugin.getHooks(core)`. */
export interface IpvsHooks {
  /** Parallel: a virtual server gained (true) or lost (false) its quorum. */
  readonly quorum: AsyncParallelHook<[VirtualServerInfo, boolean]>;
}

const hooksByCore = new WeakMap<HacoreCore, IpvsHooks>();

/**
 * keepalived's virtual servers on the kernel's IPVS: validates the
 * `virtualServers`, `virtualServerGroups` and `ipvs` sections, contributes the
 * real servers' inline checks, follows their states and hands them to the
 * reconcile loop (reconcile-loop.ts) that keeps the kernel's table in step.
 */
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
  private loop: ReconcileLoop | undefined;
  private options: IpvsOptionsConfig = defaultOptions();
  private readonly drains = new DrainSet();
  private readonly ownership = new OwnershipStore();
  private sync: SyncDaemonController | undefined;
  private stats: DestinationStatsPoller | undefined;
  /** The last state of every VRRP instance (events of the vrrp process, relayed or replayed). */
  private readonly vrrpStates = new Map<string, string>();
  /** Which VRRP instance carries each virtual address (for `haSuspend`). */
  private carriers = new Map<string, string>();

  constructor(private readonly opts: IpvsPluginOptions = {}) {}

  private get active(): boolean {
    return this.loop?.isActive ?? false;
  }

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
      if (this.active && [...this.carriers.values()].includes(instance)) void this.loop?.kick();
    });
    core.hooks.start.tapPromise(PLUGIN_NAME, (config) => this.start(config));
    core.hooks.targetState.tap(PLUGIN_NAME, (target, change) => {
      const loop = this.loop;
      if (!loop?.isActive) return;
      // The dynamic weight is the one of the probe that made this change (the target's own field is sticky).
      const weight = target.lastResult?.weight;
      loop.setView(target.check, { state: change.to, reason: change.reason, ...(weight !== undefined ? { weight } : {}) });
      void loop.kick();
    });
    core.hooks.checkResult.tap(PLUGIN_NAME, (target, result) => {
      // A dynamic weight can change without a state change; a result without
      // one gives the real server its configured weight back.
      const loop = this.loop;
      if (!loop?.isActive) return;
      const v = loop.view(target.check);
      if ((v?.weight ?? undefined) === result.weight) return;
      if (!v && result.weight === undefined) return;
      const { weight: _old, ...rest } = v ?? { state: target.state, reason: result.reason };
      loop.setView(target.check, { ...rest, ...(result.weight !== undefined ? { weight: result.weight } : {}) });
      void loop.kick();
    });
    core.hooks.reload.tapPromise(PLUGIN_NAME, (diff) => this.reload(diff));
    for (const drain of [true, false]) {
      core.hooks.action.for(drain ? 'drain' : 'undrain').tapPromise(PLUGIN_NAME, async (req) => {
        const loop = this.loop;
        if (!loop?.isActive) return undefined;
        const changed = this.drains.apply([...loop.virtualServers()].map((vs) => vs.spec), req.args, drain);
        await loop.kick();
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
    this.loop = undefined;
    this.options = defaultOptions();
    this.sync = undefined;
    this.stats = undefined;
    this.vrrpStates.clear();
    this.carriers = new Map();
  }

  /** Resolves when no reconcile pass is running or pending. */
  async idle(): Promise<void> {
    await this.loop?.idle();
  }

  private get logger(): Logger {
    this.log ??= this.core!.logger.child({ plugin: PLUGIN_NAME });
    return this.log;
  }

  private async start(config: HacoreConfig): Promise<void> {
    const opened = await openDataplane(this.opts.dataplane);
    this.dp = opened.dp;
    this.ownsDataplane = opened.owned;
    this.options = (config as HacoreConfig & SectionsOf).ipvs ?? defaultOptions();
    const problem = this.drains.open(config.stateDir);
    if (problem) this.logger.warn(problem);
    // What we owned when we last ran: a service since removed from the config is still ours to remove.
    const stored = this.ownership.open(config.stateDir);
    const loop = new ReconcileLoop(this.dp, {
      logger: this.logger,
      events: { realServer: (vs, c) => this.emitRealServer(vs, c), quorum: (vs, up, w) => this.emitQuorum(vs, up, w) },
      drains: this.drains,
      ownership: this.ownership,
      owned: stored.owned,
      retryDelayMs: this.opts.retryDelayMs ?? 5000,
      suspended: (specs) => suspendedServices(specs, this.carriers, this.vrrpStates),
    });
    if (stored.problem) {
      const message = `${stored.problem}: owning no service until one is created or adopted`;
      this.logger.warn(message);
      loop.pushError({ at: Date.now(), message });
    }
    loop.setServers(specsOf(config).specs);
    this.carriers = vipCarriers(config);
    this.loop = loop;
    await loop.kick();
    loop.armResync(this.options.resyncInterval);
    this.stats = new DestinationStatsPoller(this.dp, () => [...loop.virtualServers()].flatMap((vs) => vs.spec.services.map((svc) => ({ virtualServer: vs.spec.name, key: svc.key }))));
    this.stats.arm(this.options.statsInterval);
    await this.configureSync();
    this.logger.info({ virtualServers: loop.status().virtualServers.length, owned: loop.status().owned.length }, 'ipvs reconciled at start');
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
      this.loop?.pushError({ at: Date.now(), message: 'ipvs.syncDaemon: this data plane has no sync daemon' });
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
    const loop = this.loop;
    if (!loop?.isActive) return;
    this.options = (diff.next as HacoreConfig & SectionsOf).ipvs ?? defaultOptions();
    loop.forgetTable();
    loop.armResync(this.options.resyncInterval);
    this.stats?.arm(this.options.statsInterval);
    await this.configureSync();
    loop.setServers(specsOf(diff.next).specs);
    this.carriers = vipCarriers(diff.next);
    // A changed check keeps its last state until its new runner reports one.
    for (const name of diff.checks.removed) loop.forgetView(name);
    await loop.kick();
  }

  private async shutdown(reason: string): Promise<void> {
    const loop = this.loop;
    if (!loop?.isActive) return;
    this.stats?.stop();
    await loop.stop();
    if (!this.options.leaveOnStop) {
      try {
        const removed = await loop.removeOwned();
        if (removed) this.logger.info({ reason, removed: removed.removed, failed: removed.failed }, 'ipvs services removed');
      } catch (err) {
        this.logger.error({ err }, 'ipvs: could not remove our services at shutdown');
      }
    }
    await this.sync?.stop();
    if (this.ownsDataplane) await (this.dp as IpvsDataplane & { close?: () => unknown }).close?.();
  }

  private async emitRealServer(vs: VirtualServer, c: { realServer: string; up: boolean; weight: number; reason: string }): Promise<void> {
    this.logger.info({ virtualServer: vs.spec.name, realServer: c.realServer, up: c.up, weight: c.weight, reason: c.reason }, `real server ${c.realServer} of ${vs.spec.name} is ${c.up ? 'up' : 'down'}`);
    await this.core!.emit({ kind: 'real-server', virtualServer: vs.spec.name, realServer: c.realServer, up: c.up, weight: c.weight, reason: c.reason });
  }

  private async emitQuorum(vs: VirtualServer, up: boolean, liveWeight: number): Promise<void> {
    const info = { name: vs.spec.name, key: vs.keyLabel, liveWeight, quorum: vs.spec.quorum };
    this.logger.info({ virtualServer: vs.spec.name, up, liveWeight, quorum: vs.spec.quorum }, `quorum of ${vs.spec.name} is ${up ? 'up' : 'down'}`);
    await IpvsPlugin.getHooks(this.core!).quorum.promise(info, up).catch((err: unknown) => this.logger.error({ err }, 'a quorum tap failed'));
    await this.core!.emit({ kind: 'quorum', virtualServer: vs.spec.name, up, liveWeight, quorum: vs.spec.quorum });
  }

  /** The status section (also what `hacore status` shows under `ipvs`). */
  status(): IpvsStatus {
    const loop = this.loop?.status() ?? { virtualServers: [], owned: [], passes: 0, opsApplied: 0, opsFailed: 0, errors: [] };
    return {
      dataplane: this.opts.dataplane === undefined ? 'netlink' : 'injected',
      ...loop,
      destinations: this.stats?.latest ?? [],
      ...(this.stats?.at !== undefined ? { destinationsAt: this.stats.at } : {}),
      ...(this.sync ? { syncDaemon: this.sync.status() } : {}),
    };
  }
}

export default IpvsPlugin;
