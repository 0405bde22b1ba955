/**
 * The vrrp plugin at run time in one process: the netlink reflector, the shared
 * sockets, the instances and their sync groups, track scripts and files, and
 * how a reload moves from one section to the next.
 */
import { HacoreError, type ActionRequest, type HacoreConfig, type HacoreCore, type Logger } from '@hacore/core';
import type { VrrpState } from './events.js';
import { misconfigWarnings } from './misconfig-warnings.js';
import { closePacketSocket } from './announce-sender.js';
import { AcceptModeFilter } from './plugin-accept-mode.js';
import type { VrrpInstanceConfig, VrrpSectionConfig } from './config-schema.js';
import { VrrpInstance } from './instance.js';
import type { TransitionInfo } from './instance-counters.js';
import type { VrrpInstanceInfo } from './events.js';
import { nativeBinding } from './link-native.js';
import { VmacManager } from './link-vmac.js';
import { normalizeIp } from '@hacore/core/ip-address';
import { NetlinkClient } from './netlink.js';
import { NetlinkReflector } from './netlink-reflector.js';
import { SyncGroup, type GroupState } from './sync-group.js';
import { TrackFileRunners } from './tracking-file.js';
import { bfdTrackingFor } from './tracking-bfd.js';
import { TrackScripts } from './track-scripts.js';
import { VrrpScheduling } from './process-scheduling.js';
import { TransportRegistry } from './transport.js';
import { YieldedInstances } from './plugin-yield.js';
import { crossCheck } from './cross-check.js';
import { VrrpPluginError } from './plugin-error.js';
import { vrrpHooksFor, type VrrpHooks } from './plugin-hooks.js';

/** The live state of the plugin in one process. */
export class VrrpRuntime {
  private readonly reflector: NetlinkReflector;
  private netlink: NetlinkClient | undefined;
  private readonly transports: TransportRegistry;
  private readonly instances = new Map<string, VrrpInstance>();
  private readonly groups = new Map<string, SyncGroup>();
  private readonly scripts = new TrackScripts(() => this.instances.values(), () => this.log);
  private readonly files = new TrackFileRunners(() => this.instances.values(), () => this.log);
  private section: VrrpSectionConfig | undefined;
  private readonly hooks: VrrpHooks;
  private readonly acceptMode = new AcceptModeFilter();
  private vmacs: VmacManager | undefined;
  /** Every VIP of the running config: never a source address. */
  private readonly allVips = new Set<string>();
  private readonly yielded = new YieldedInstances();
  private readonly scheduling: VrrpScheduling;

  constructor(
    private readonly core: HacoreCore,
    private readonly log: Logger,
  ) {
    this.hooks = vrrpHooksFor(core);
    this.scheduling = new VrrpScheduling(log, core.runs('check'));
    this.reflector = new NetlinkReflector((err, event) => this.log.error({ err, event }, 'a netlink change handler failed'));
    this.transports = new TransportRegistry((ifname, err) => this.log.error({ err, ifname }, 'VRRP socket error'));
  }

  /** Validates what only the running config can tell, then opens sockets and starts the instances. */
  async start(section: VrrpSectionConfig, config: HacoreConfig): Promise<void> {
    const problems = crossCheck(section, config);
    if (problems.length > 0) throw new VrrpPluginError('HACORE_VRRP_ERR_CONFIG', `invalid vrrp configuration:\n  ${problems.join('\n  ')}`);
    try {
      nativeBinding();
    } catch (err) {
      throw new VrrpPluginError('HACORE_VRRP_ERR_NATIVE', (err as Error).message, { cause: err });
    }
    try {
      this.netlink = new NetlinkClient();
      await this.reflector.start();
      // Before any instance can add a VIP: an accept: false VIP never accepts, even briefly.
      await this.acceptMode.apply(section.instances);
      this.vmacs = new VmacManager(this.netlink, this.reflector, this.log);
      await this.ensureVmacs(section);
      this.section = section;
      const problem = this.yielded.open(config.stateDir);
      if (problem) this.log.warn(problem);
      this.build(section, new Set(section.instances.map((i) => i.name)));
      this.seedChecks();
      this.scheduling.apply(section);
    } catch (err) {
      await this.stop('start failed').catch(() => {});
      throw err;
    }
  }

  /** Sets up every vmac of the section; one failing does not stop the others (the first error is thrown at the end). */
  private async ensureVmacs(section: VrrpSectionConfig): Promise<void> {
    let first: unknown;
    for (const i of section.instances) {
      if (!i.vmac) continue;
      try {
        await this.vmacs!.ensure({ name: i.vmac, parent: i.interface, vrid: i.vrid });
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  private build(section: VrrpSectionConfig, toStart: Set<string>): void {
    const netlink = this.netlink!;
    // One set shared by every instance and refilled in place, so instances kept
    // across a reload also never pick a VIP added by the new config as their source.
    const allVips = this.allVips;
    allVips.clear();
    for (const i of section.instances) for (const v of [...i.virtualAddresses, ...i.virtualAddressesExcluded]) allVips.add(normalizeIp(v.address) ?? v.address);
    for (const cfg of section.instances) {
      if (!toStart.has(cfg.name)) continue;
      const inst = new VrrpInstance(cfg, {
        reflector: this.reflector,
        netlink,
        transports: this.transports,
        logger: this.log,
        allVips,
        onTransition: (i, t) => this.onTransition(i, t),
        onDrop: (i, reason) => this.hooks.drop.call(i.name, reason),
        onOwnFaultCleared: (i) => {
          if (i.group !== undefined) this.groups.get(i.group)?.memberFaultCleared(i);
        },
      });
      this.instances.set(cfg.name, inst);
    }
    this.groups.clear();
    for (const g of section.syncGroups) {
      const members = g.instances.map((n) => this.instances.get(n)).filter((m): m is VrrpInstance => m !== undefined);
      for (const m of members) m.group = g.name;
      this.groups.set(g.name, new SyncGroup(g.name, members, (grp, from, to, reason) => this.onGroupTransition(grp, from, to, reason)));
    }
    this.scripts.sync(section, this.section);
    this.files.sync(section);
    bfdTrackingFor(this.core).attach(() => this.instances.values());
    for (const name of toStart) {
      if (this.yielded.has(name)) this.log.info({ instance: name }, `VRRP instance ${name} stays out of elections: yielded by an operator (hacore unyield ${name})`);
      else this.instances.get(name)?.start();
    }
  }

  /** `hacore yield NAME` / `unyield NAME`: what was done, or undefined if this process has no such instance. */
  async yieldAction(req: ActionRequest, y: boolean): Promise<string | undefined> {
    const name = req.args.instance;
    const inst = name === undefined ? undefined : this.instances.get(name);
    if (!name || !inst) {
      throw new HacoreError('HACORE_ERR_ACTION', `${y ? 'yield' : 'unyield'}: no VRRP instance ${JSON.stringify(name ?? '')} (there are: ${[...this.instances.keys()].join(', ') || 'none'})`);
    }
    if (this.yielded.has(name) === y) return `${name} was already ${y ? 'yielded' : 'taking part in elections'}`;
    this.yielded.set(name, y);
    if (y) {
      const was = inst.state;
      await inst.stop('yield');
      return `${name} yielded (was ${was}; priority 0 sent${was === 'MASTER' ? ', VIPs removed' : ''})`;
    }
    inst.start();
    return `${name} takes part in elections again`;
  }

  /** In single-process mode the checks run here: start from their current states. */
  private seedChecks(): void {
    for (const t of this.core.targets()) {
      if (t.state === 'up' || t.state === 'down') this.checkState(t.check, t.state);
    }
  }

  checkState(check: string, state: 'up' | 'down'): void {
    for (const i of this.instances.values()) i.setTracked('check', check, state);
  }

  private info(i: VrrpInstance): VrrpInstanceInfo {
    const info: VrrpInstanceInfo = {
      name: i.name,
      vrid: i.config.vrid,
      interface: i.config.interface,
      version: i.config.version,
      family: i.config.family,
      priority: i.config.priority,
      effectivePriority: i.priority,
    };
    if (i.group !== undefined) info.group = i.group;
    return info;
  }

  private onTransition(i: VrrpInstance, t: TransitionInfo): void {
    const info = this.info(i);
    // keepalived reports a stopped instance as STOP; notifiers expect it.
    const to: VrrpState = t.to === 'INIT' && t.reason === 'shutdown' ? 'STOP' : t.to;
    void this.hooks.transition.promise(info, t).catch((err: unknown) => this.log.error({ err }, 'a vrrp transition tap failed'));
    void this.core.emit({
      kind: 'vrrp-transition',
      instance: i.name,
      ...(i.group !== undefined ? { group: i.group } : {}),
      vrid: i.config.vrid,
      from: t.from,
      to,
      priority: t.priority,
      reason: t.reason,
    });
    if (i.group !== undefined) this.groups.get(i.group)?.memberTransition(i, t);
  }

  private onGroupTransition(g: SyncGroup, from: GroupState, to: GroupState, reason: string): void {
    this.log.info({ group: g.name, from, to, reason }, `sync group ${g.name}: ${from} -> ${to}`);
    void this.core.emit({ kind: 'vrrp-group-transition', group: g.name, from, to, reason });
  }

  /** Applies a new section: unchanged instances keep running; changed ones restart. */
  async reload(next: VrrpSectionConfig, config: HacoreConfig): Promise<void> {
    const problems = crossCheck(next, config);
    if (problems.length > 0) throw new VrrpPluginError('HACORE_VRRP_ERR_CONFIG', `invalid vrrp configuration:\n  ${problems.join('\n  ')}`);
    const byName = new Map<string, VrrpInstanceConfig>(next.instances.map((i) => [i.name, i]));
    const groupOf = (s: VrrpSectionConfig | undefined, n: string): string | undefined => s?.syncGroups.find((g) => g.instances.includes(n))?.name;
    const stop: VrrpInstance[] = [];
    for (const [name, inst] of this.instances) {
      const cfg = byName.get(name);
      if (!cfg || JSON.stringify(cfg) !== JSON.stringify(inst.config) || groupOf(next, name) !== groupOf(this.section, name)) stop.push(inst);
    }
    // The one step that can fail for reasons outside the config (nft) goes first:
    // if it fails, the reload is refused with every instance still running.
    await this.acceptMode.apply(next.instances);
    await Promise.all(stop.map((i) => i.stop('reload')));
    for (const i of stop) this.instances.delete(i.name);
    // A vmac goes with its instance unless the new config keeps it for the same VRID
    // (a kept name with another VRID would have the wrong MAC: made again below).
    const keepVmacs = new Map(next.instances.flatMap((i) => (i.vmac !== undefined ? [[i.vmac, i.vrid] as const] : [])));
    for (const i of stop) if (i.config.vmac && keepVmacs.get(i.config.vmac) !== i.config.vrid) await this.vmacs?.remove(i.config.vmac);
    // From here on the stopped instances must come back whatever fails: one whose
    // vmac could not be made runs in Fault (vmac down) rather than not at all.
    let vmacError: unknown;
    try {
      await this.ensureVmacs(next);
    } catch (err) {
      vmacError = err;
      this.log.error({ err }, 'reload: could not set up a vmac; its instance stays in Fault');
    }
    this.scheduling.apply(next);
    const toStart = new Set(next.instances.map((i) => i.name).filter((n) => !this.instances.has(n)));
    this.build(next, toStart);
    this.section = next;
    for (const t of this.core.targets()) if (t.state === 'up' || t.state === 'down') this.checkState(t.check, t.state);
    this.log.info({ restarted: stop.map((i) => i.name), started: [...toStart] }, 'vrrp configuration reloaded');
    if (vmacError !== undefined) throw vmacError;
  }

  /** Every Master sends its priority-0 advert now (synchronously); stop() does the rest. */
  leave(): void {
    for (const i of this.instances.values()) i.leave('shutdown');
  }

  async stop(reason: string): Promise<void> {
    this.leave();
    this.scripts.stop();
    this.files.stop();
    this.log.info({ reason }, 'stopping VRRP instances');
    await Promise.all([...this.instances.values()].map((i) => i.stop('shutdown')));
    this.instances.clear();
    await this.acceptMode.remove().catch((err: unknown) => this.log.error({ err }, 'could not remove the accept-mode nftables table'));
    await this.vmacs?.removeAll().catch((err: unknown) => this.log.error({ err }, 'could not remove the vmac interfaces'));
    this.transports.closeAll();
    this.reflector.stop();
    this.netlink?.close();
    closePacketSocket();
  }

  status(): Record<string, unknown> {
    return {
      instances: [...this.instances.values()].map((i) => (this.yielded.has(i.name) ? { ...i.status(), yielded: { since: this.yielded.since(i.name) } } : i.status())),
      warnings: [...this.instances.values()].flatMap((i) => misconfigWarnings(i.name, i.misconfigurations())),
      syncGroups: [...this.groups.values()].map((g) => ({ name: g.name, state: g.current, instances: g.members.map((m) => m.name) })),
      sockets: this.transports.all().map((t) => ({ interface: t.ifname, family: t.family, ...t.counters, drops: { ...t.counters.drops } })),
      scripts: this.scripts.status(),
      files: this.files.status(),
      netlinkResyncs: this.reflector.resyncs,
      netlinkListenerErrors: this.reflector.listenerErrors,
    };
  }
}
