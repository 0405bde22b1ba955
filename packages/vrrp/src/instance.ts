/**
 * One VRRP instance: the pure VrrpStateMachine under a thin shell of timers,
 * the shared interface transport, rtnetlink addresses, GARP/NA and tracking.
 *
 * The shell runs the machine's actions in order. Timers, adverts and GARP/NA
 * happen at once (a takeover sends the advert, then the GARP/NA, then starts
 * the netlink work, as keepalived does); address changes go through one serial
 * queue, so that a removal never races an addition. A packet that fails decoding or validation is counted by reason
 * and never reaches the machine (so it never touches a timer or the state).
 *
 * Parts beside this file: the timers (instance-timers.ts), the VIP
 * installation (instance-vips.ts), the source choice and interface checks
 * (instance-link.ts), packet intake (instance-receive.ts), what it sends and the
 * priority-0 adverts armed for the stop signal (instance-send.ts), its counters
 * (instance-counters.ts). Here: the machine's actions and the reactions to link
 * and address events.
 */
import type { Logger } from 'pino';
import { gratuitousArpFrame, unsolicitedNeighborAdvertFrame } from './announce-frames.js';
import { AnnounceSender } from './announce-sender.js';
import type { VrrpInstanceConfig } from './config-schema.js';
import { DROP_REASONS } from './drop-reasons.js';
import type { MisconfigEntry } from './misconfig-report.js';
import { normalizeIp } from '@hacore/core/ip-address';
import { formatMac } from './mac.js';
import type { NetlinkClient } from './netlink.js';
import type { AddressInfo, LinkInfo, NetlinkReflector } from './netlink-reflector.js';
import { VrrpStateMachine } from './state-machine.js';
import type { VrrpAction, VrrpInput, VrrpStateName } from './state-machine-types.js';
import { TrackingSet, type TrackItemState, type TrackKind } from './tracking.js';
import type { InterfaceTransport, RawVrrpPacket, TransportRegistry } from './transport.js';
import { chooseSource, interfaceProblem } from './instance-link.js';
import { emptyInstanceCounters, type InstanceCounters, type TransitionInfo } from './instance-counters.js';
import { AdvertIntake } from './instance-receive.js';
import { AdvertOutput, type SendPath } from './instance-send.js';
import { TimerDriver } from './instance-timers.js';
import { VipInstaller } from './instance-vips.js';

export type { InstanceCounters, TransitionInfo } from './instance-counters.js';


export interface InstanceDeps {
  reflector: NetlinkReflector;
  netlink: NetlinkClient;
  transports: TransportRegistry;
  logger: Logger;
  /** Called for every transition, after the machine's state changed. */
  onTransition(instance: VrrpInstance, t: TransitionInfo): void;
  /** Every VIP of every instance of the process (never a source address). */
  allVips?: ReadonlySet<string>;
  /** Called when the instance's own fault (interface, tracking, priority) clears, whatever its state then. */
  onOwnFaultCleared?(instance: VrrpInstance): void;
  /** Called for each dropped packet (the plugin's `drop` hook). */
  onDrop?(instance: VrrpInstance, reason: string): void;
  /** Whether the instance is in a sync group (set by SyncGroup). */
  group?: string;
}

/** A VIP placed on an interface. */
export class VrrpInstance {
  readonly counters: InstanceCounters = emptyInstanceCounters();
  readonly tracking: TrackingSet;
  group: string | undefined;
  private sm: VrrpStateMachine | undefined;
  private readonly timers = new TimerDriver();
  private transport: InterfaceTransport | undefined;
  private ifindex = 0;
  private source: string | undefined;
  private readonly announcer: AnnounceSender;
  private readonly vips: VipInstaller;
  private queue: Promise<void> = Promise.resolve();
  /** No address job runs or waits: the next one may start at once. */
  private queueIdle = true;
  /** Pending retry of a VIP removal that failed. */
  private effective: number;
  private fault = false;
  private faultReason = '';
  /** Overrides the machine's reason for the next transition (shell-initiated moves). */
  private reasonOverride: string | undefined;
  /** Overrides the `from` of the next transition (a rebuilt machine starts from INIT). */
  private fromOverride: VrrpStateName | undefined;
  private started = false;
  /** leave() ran: the machine is back in INIT and will not be fed again. */
  private left = false;
  private readonly log: Logger;
  private readonly ownVips: ReadonlySet<string>;
  private readonly listeners: (() => void)[] = [];
  private readonly output: AdvertOutput;
  private readonly intake: AdvertIntake;

  constructor(
    readonly config: VrrpInstanceConfig,
    private readonly deps: InstanceDeps,
  ) {
    this.tracking = new TrackingSet(config.track);
    this.effective = config.priority;
    this.group = deps.group;
    this.log = deps.logger.child({ instance: config.name });
    this.ownVips = new Set([...config.virtualAddresses, ...config.virtualAddressesExcluded].map((v) => normalizeIp(v.address) ?? v.address));
    this.output = new AdvertOutput(config, this.counters, this.log);
    this.intake = new AdvertIntake(config, this.counters, this.log, {
      state: () => this.state,
      masterAddress: () => this.sm?.masterAddress,
      source: () => this.source,
      isLocalAddress: (a) => this.deps.reflector.hasAddress(this.ifindex, this.config.family, a),
      onDrop: (reason) => this.deps.onDrop?.(this, reason),
      accept: (advert) => this.feed({ type: 'advert', advert }),
    });
    this.announcer = new AnnounceSender(
      (t) => (t.family === 4 ? gratuitousArpFrame(t.address, formatMac(t.mac)) : unsolicitedNeighborAdvertFrame(t.address, formatMac(t.mac))),
      (err, t) => this.log.warn({ err, vip: t.address, ifname: t.ifname }, 'could not send GARP/NA'),
    );
    this.vips = new VipInstaller({
      config,
      reflector: deps.reflector,
      netlink: deps.netlink,
      log: this.log,
      isMaster: () => this.state === 'MASTER',
      started: () => this.started,
      enqueue: (job) => this.enqueue(job),
    });
  }

  get name(): string {
    return this.config.name;
  }

  get state(): VrrpStateName {
    return this.sm?.state ?? 'INIT';
  }

  get priority(): number {
    return this.sm?.priority ?? this.effective;
  }

  /** True if the instance is in Fault for a reason of its own (not forced by its sync group). */
  get ownFault(): boolean {
    const f = this.sm?.snapshot().faults;
    return f ? f.interface || f.priority : false;
  }

  /** Opens the transport, seeds tracking from the reflector and starts the machine. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.left = false;
    const r = this.deps.reflector;
    const link = r.link(this.config.interface);
    for (const name of this.tracking.names('interface')) {
      const l = r.link(name);
      this.tracking.set('interface', name, l ? (l.up ? 'up' : 'down') : 'down');
    }
    const onLink = (l: LinkInfo): void => this.onLink(l);
    const onLinkRemoved = (l: LinkInfo): void => this.onLink({ ...l, up: false, adminUp: false, running: false });
    const onAddrRemoved = (a: AddressInfo): void => this.onAddressRemoved(a);
    const onAddr = (a: AddressInfo): void => this.onAddress(a);
    r.on('link', onLink);
    r.on('linkRemoved', onLinkRemoved);
    r.on('addressRemoved', onAddrRemoved);
    r.on('address', onAddr);
    this.listeners.push(
      () => r.off('link', onLink),
      () => r.off('linkRemoved', onLinkRemoved),
      () => r.off('addressRemoved', onAddrRemoved),
      () => r.off('address', onAddr),
    );
    if (link) this.attach(link.index);
    this.source = this.resolveSource();
    // VIPs left behind by an earlier run (kill -9 of the vrrp child) must go:
    // this router is not Master yet, and a stale VIP would answer beside the real one.
    if (this.vips.placed().some((p) => this.vips.present(p))) {
      this.vips.installed = true;
      this.enqueue(() => this.vips.remove());
    }
    this.buildMachine();
    this.evaluate(true);
    this.feed({ type: 'startup' });
  }

  /**
   * The first, synchronous half of stop(): a Master sends its priority-0 advert now
   * (and queues the VIP removal) so that its Backups take over after Skew_Time,
   * before the daemon does anything else on shutdown. stop() finishes the job.
   */
  leave(reason = 'shutdown'): void {
    if (!this.started || this.left) return;
    this.left = true;
    this.timers.clearAll();
    this.output.takeSentOnSignal();
    this.reasonOverride = reason === 'shutdown' ? undefined : reason;
    this.feed({ type: 'shutdown' });
    this.reasonOverride = undefined;
  }

  /** Stops: priority-0 advert and VIP removal if Master (see leave()), then closes everything. */
  async stop(reason = 'shutdown'): Promise<void> {
    if (!this.started) return;
    this.leave(reason);
    this.started = false;
    for (const off of this.listeners.splice(0)) off();
    this.timers.clearAll();
    this.vips.cancelRetry();
    this.announcer.stop();
    // Whatever the state, leave no VIP behind.
    this.enqueue(() => this.vips.remove());
    await this.queue;
    await Promise.race([Promise.allSettled([...this.output.pendingSends]), new Promise((r) => setTimeout(r, 1000).unref())]);
    this.detach();
  }

  private attach(ifindex: number): void {
    this.output.disarmStop();
    this.ifindex = ifindex;
    try {
      this.transport = this.deps.transports.acquire(this.config.interface, ifindex, this.config.family, this.config.vrid, { onPacket: (p) => this.onPacket(p) }, this.config.unicastPeers.length === 0);
    } catch (err) {
      this.log.error({ err }, `cannot open the VRRP socket on ${this.config.interface}`);
      this.transport = undefined;
    }
    this.armStop();
  }

  private detach(): void {
    this.output.disarmStop();
    if (this.transport) this.deps.transports.release(this.transport, this.config.vrid);
    this.transport = undefined;
  }

  private resolveSource(): string | undefined {
    return chooseSource(this.config, this.deps.reflector, this.ifindex, this.deps.allVips ?? this.ownVips);
  }

  /** The machine needs our primary address for tie-breaks; without one the instance waits in Fault. */
  private buildMachine(): void {
    const placeholder = this.config.family === 4 ? '0.0.0.0' : '::';
    this.sm = new VrrpStateMachine({
      name: this.config.name,
      vrid: this.config.vrid,
      version: this.config.version,
      family: this.config.family,
      priority: this.config.priority,
      advertIntervalMs: this.config.advertInterval,
      preempt: this.config.preempt,
      preemptDelayMs: this.config.preemptDelay,
      primaryAddress: this.source ?? placeholder,
      initialState: this.config.state,
    });
  }

  // ---- tracking ------------------------------------------------------------

  /** Sets a tracked item's state (checks from target-state events, scripts from their runners). */
  setTracked(kind: TrackKind, name: string, state: TrackItemState): void {
    if (this.tracking.set(kind, name, state)) this.evaluate(false);
  }

  /** Why the instance's own interface cannot run VRRP now, or undefined if it can. */
  private ownInterfaceProblem(): string | undefined {
    return interfaceProblem(this.config, this.deps.reflector, this.transport !== undefined, this.source);
  }

  private evaluate(initial: boolean): void {
    const problem = this.ownInterfaceProblem();
    const r = this.tracking.evaluate(this.config.priority, { name: this.config.interface, up: problem === undefined });
    const faultReason = r.fault && problem !== undefined ? problem : r.faultReason;
    const priorityChanged = r.effective !== this.effective;
    const faultChanged = r.fault !== this.fault || (r.fault && faultReason !== this.faultReason);
    this.effective = r.effective;
    this.fault = r.fault;
    this.faultReason = faultReason ?? '';
    if (initial) {
      this.sm?.handle({ type: 'priority', effective: this.effective });
      if (this.fault) this.sm?.handle({ type: 'fault', on: true, reason: this.faultReason });
      return;
    }
    const hadOwnFault = this.ownFault;
    if (priorityChanged) this.feed({ type: 'priority', effective: this.effective });
    if (faultChanged) this.feed({ type: 'fault', on: this.fault, reason: this.fault ? this.faultReason : 'tracking' });
    if (hadOwnFault && !this.ownFault) this.deps.onOwnFaultCleared?.(this);
  }

  private onLink(l: LinkInfo): void {
    if (!this.started) return;
    let changed = false;
    if (l.name === this.config.interface) {
      if (l.up && l.index !== this.ifindex) {
        // New or re-created interface: the old socket is bound to a dead index.
        this.detach();
        this.attach(l.index);
      }
      changed = true;
    }
    if (this.config.vmac && l.name === this.config.vmac) changed = true;
    if (this.tracking.has('interface', l.name)) changed = this.tracking.set('interface', l.name, l.up ? 'up' : 'down') || changed;
    if (changed) this.refreshSource();
  }

  /** Our source address may have come, gone or changed: follow it. */
  private refreshSource(): void {
    const next = this.resolveSource();
    const before = this.source;
    this.source = next;
    if (before !== next) this.armStop();
    const placeholder = this.config.family === 4 ? '0.0.0.0' : '::';
    if (next !== undefined && (this.state === 'FAULT' || this.state === 'INIT') && this.sm?.params.primaryAddress !== next) {
      // The machine compares with its primary address (tie-breaks): rebuild it
      // with the new one. In Fault there is no protocol state to lose.
      if (this.sm?.params.primaryAddress !== placeholder) this.log.info({ source: next }, 'source address changed');
      const was = this.state;
      this.clearAllTimers();
      this.buildMachine();
      this.evaluate(true);
      // Listeners saw us in `was`; the new machine starts from INIT.
      this.fromOverride = was;
      this.feed({ type: 'startup' });
      this.fromOverride = undefined;
      return;
    }
    this.evaluate(false);
  }

  private onAddress(a: AddressInfo): void {
    if (!this.started || a.index !== this.ifindex || a.family !== this.config.family || this.config.unicastSource) return;
    if (this.resolveSource() !== this.source) this.refreshSource();
  }

  private onAddressRemoved(a: AddressInfo): void {
    if (!this.started) return;
    if (a.index === this.ifindex && a.family === this.config.family && !this.config.unicastSource && this.resolveSource() !== this.source) this.refreshSource();
    const key = `${a.index}/${a.address}`;
    if (this.vips.removing.has(key)) return;
    if (this.state !== 'MASTER' || !this.vips.installed) return;
    const placed = this.vips.placed().find((p) => normalizeIp(p.vip.address) === a.address && this.deps.reflector.link(p.ifname)?.index === a.index);
    if (!placed) return;
    this.counters.vipRemovedExternally++;
    if (this.config.vipRemoved === 'restore') {
      this.log.warn({ vip: a.address }, 'a VIP was removed by someone else; restoring it');
      this.enqueue(async () => {
        if (this.state !== 'MASTER') return;
        await this.vips.addOne(placed);
        const t = this.vips.announceTarget(placed);
        if (t) this.announcer.announce([t], this.config.garpRepeat, this.config.garpInterval);
      });
    } else {
      this.log.warn({ vip: a.address }, 'a VIP was removed by someone else; going Backup so the election runs again');
      this.reasonOverride = 'vip-removed';
      this.feed({ type: 'force', state: 'BACKUP', reason: 'vip-removed' });
      this.reasonOverride = undefined;
    }
  }

  // ---- receive -------------------------------------------------------------

  /** Called by the transport for every packet with our VRID. Never throws. */
  onPacket(p: RawVrrpPacket): void {
    this.timers.eventTime = p.receivedAt;
    try {
      this.intake.onPacket(p);
    } finally {
      this.timers.eventTime = undefined;
    }
  }

  // ---- machine -------------------------------------------------------------

  private feed(input: VrrpInput): void {
    // After leave() only the shutdown itself goes in: no link event restarts the machine.
    if (!this.sm || (this.left && input.type !== 'shutdown')) return;
    let actions: VrrpAction[];
    try {
      actions = this.sm.handle(input);
    } catch (err) {
      this.log.error({ err, input: input.type }, 'state machine error');
      return;
    }
    // The takeover path as keepalived runs it: the advert, then the GARP/NA (whole
    // frames over the packet socket, which need no VIP on the interface), then the
    // netlink work, and the log line and listeners last. The machine lists
    // `addVips` before `announce` (the order of the RFC's steps); here the
    // announcement leaves first and the VIP requests right after it, before the
    // transition's log line and listeners.
    const announce = actions.findIndex((a) => a.type === 'announce');
    const add = actions.findIndex((a) => a.type === 'addVips');
    if (announce > add && add >= 0) {
      const [a] = actions.splice(announce, 1);
      actions.splice(add, 0, a!);
    }
    for (const a of actions) this.perform(a);
  }

  private perform(a: VrrpAction): void {
    switch (a.type) {
      case 'setTimer': {
        const timer = a.timer;
        if (timer === 'advert') {
          this.timers.set(timer, a.ms, () => this.feed({ type: 'timer', timer }));
          break;
        }
        // Master_Down and preempt expire one turn of the loop late, after the sockets are
        // read: after a stall (SIGSTOP, a starved CPU) the timer and the Master's queued
        // adverts are ready at once, and the timer must not win (the soak saw that takeover
        // and its GARP/NA, undone 20-80 ms later). An advert read meanwhile re-arms the
        // timer, and this late expiry is then dropped.
        this.timers.set(timer, a.ms, () =>
          setImmediate(() => {
            if (!this.timers.has(timer)) this.feed({ type: 'timer', timer });
          }),
        );
        break;
      }
      case 'clearTimer':
        this.timers.clear(a.timer);
        break;
      case 'sendAdvert':
        this.sendAdvert(a.priority, a.intervalMs);
        break;
      case 'addVips':
        this.enqueue(() => this.vips.add());
        break;
      case 'removeVips':
        this.announcer.stop();
        this.enqueue(() => this.vips.remove());
        break;
      case 'reannounce':
        if (this.state === 'MASTER') this.announcer.announce(this.vips.announceTargets(), this.config.garpRepeat, this.config.garpInterval);
        break;
      case 'announce':
        if (this.state !== 'MASTER') break;
        this.announcer.start(() => this.vips.announceTargets(), {
          repeat: this.config.garpRepeat,
          masterDelay: this.config.garpMasterDelay,
          interval: this.config.garpInterval,
          refreshRepeat: this.config.garpRefreshRepeat,
          ...(this.config.garpRefresh !== undefined ? { refresh: this.config.garpRefresh } : {}),
        });
        break;
      case 'transition': {
        const from = this.fromOverride ?? a.from;
        this.fromOverride = undefined;
        if (from === a.to) break; // FAULT -> (rebuilt) FAULT: nothing changed for the outside
        this.counters.transitions++;
        if (a.to === 'MASTER') this.counters.becameMaster++;
        if (from === 'MASTER') this.announcer.stop();
        this.armStop();
        if (a.to === 'BACKUP') this.output.prepare(this.priority, this.sendPath());
        const reason = this.reasonOverride ?? a.reason;
        this.log.info({ from, to: a.to, reason, priority: this.priority }, `${this.config.name}: ${from} -> ${a.to} (${reason})`);
        try {
          this.deps.onTransition(this, { from, to: a.to, reason, priority: this.priority });
        } catch (err) {
          this.log.error({ err }, 'transition listener failed');
        }
        break;
      }
    }
  }

  private clearAllTimers(): void {
    this.timers.clearAll();
  }

  /** Shell-initiated moves for sync groups (see sync-group.ts). */
  force(state: 'BACKUP' | 'FAULT', reason: string): void {
    this.reasonOverride = `sync-group: ${reason}`;
    try {
      this.feed({ type: 'force', state, reason });
    } finally {
      this.reasonOverride = undefined;
    }
  }

  /**
   * Sync group: a peer became Master, so this Backup takes over now, as
   * keepalived moves a whole group. The machine's own Master_Down_Timer is the
   * only way into Master; firing it early is the shell's prerogative (it owns
   * the timers) and the machine ignores it unless it armed that timer.
   */
  takeOverNow(reason: string): void {
    if (this.state !== 'BACKUP' || !this.timers.has('masterDown')) return;
    this.timers.clear('masterDown');
    this.reasonOverride = `sync-group: ${reason}`;
    try {
      this.feed({ type: 'timer', timer: 'masterDown' });
    } finally {
      this.reasonOverride = undefined;
    }
  }

  // ---- send ----------------------------------------------------------------

  /** While Master, our priority-0 adverts wait armed in the stop signal's handler (instance-send.ts). */
  private armStop(): void {
    this.output.armStop(!this.left && this.state === 'MASTER', this.sendPath());
  }

  private sendPath(): SendPath {
    return { transport: this.transport, source: this.source, ifindex: this.ifindex };
  }

  private sendAdvert(priority: number, intervalMs?: number): void {
    this.output.send(priority, this.sendPath(), intervalMs);
  }

  // ---- addresses -----------------------------------------------------------

  /**
   * Runs `job` after the address jobs before it. An idle queue starts it at once
   * (synchronously up to its first await), so a takeover's netlink requests leave
   * before the transition's log line and listeners run.
   */
  private enqueue(job: () => Promise<void>): void {
    const run = this.queueIdle ? safeStart(job) : this.queue.then(job);
    this.queueIdle = false;
    const mine = run.catch((err: unknown) => this.log.error({ err }, 'address operation failed'));
    this.queue = mine;
    void mine.then(() => {
      if (this.queue === mine) this.queueIdle = true;
    });
  }

  // ---- status --------------------------------------------------------------

  /** Peers whose adverts disagree with our configuration (seen in the last 10 minutes). */
  misconfigurations(): MisconfigEntry[] {
    return this.intake.misconfigurations();
  }

  status(): Record<string, unknown> {
    const snap = this.sm?.snapshot();
    return {
      name: this.config.name,
      interface: this.config.interface,
      ...(this.config.vmac ? { vmac: this.config.vmac } : {}),
      vrid: this.config.vrid,
      version: this.config.version,
      family: this.config.family,
      group: this.group,
      state: this.state,
      priority: this.config.priority,
      effectivePriority: snap?.advertisedPriority ?? this.effective,
      source: this.source,
      master: snap?.masterAddress,
      masterPriority: snap?.masterPriority,
      masterAdverIntervalMs: snap?.masterAdverIntervalMs,
      masterDownIntervalMs: snap?.masterDownIntervalMs,
      fault: this.fault ? this.faultReason : undefined,
      faults: snap?.faults,
      vips: this.vips.installed ? this.vips.placed().map((p) => `${p.vip.address}/${p.vip.prefix}`) : [],
      tracked: this.tracking.list().map((t) => ({ ...t })),
      misconfigurations: this.intake.misconfigurations(),
      counters: {
        ...this.counters,
        drops: { ...this.counters.drops },
        warnings: { ...this.counters.warnings },
        garpSent: this.announcer.counters.garpSent,
        naSent: this.announcer.counters.naSent,
        announceErrors: this.announcer.counters.errors,
        answersSent: snap?.answersSent ?? 0,
        answersSuppressed: snap?.answersSuppressed ?? 0,
        answersDeferred: snap?.answersDeferred ?? 0,
      },
    };
  }
}

/** Starts an async job now; a synchronous throw becomes a rejection. */
function safeStart(job: () => Promise<void>): Promise<void> {
  try {
    return job();
  } catch (err) {
    return Promise.reject(err);
  }
}

export { DROP_REASONS };
