/**
 * A deterministic discrete-event simulation of VRRP routers on one segment with a
 * fake clock: each router is a real VrrpStateMachine whose adverts are encoded by
 * the real codec, carried as bytes, and decoded + validated by each receiver, so
 * the scenarios exercise the whole pure pipeline. No real timers, no sleeping.
 */
import { encodeIpv4VrrpPacket, encodeVrrp, intervalMsToAdverInt, simplePasswordAuthData, VRRP_AUTH_SIMPLE, VRRP_MULTICAST_V4, VRRP_MULTICAST_V6 } from '../src/codec.js';
import type { VrrpMessageInit } from '../src/codec.js';
import { emptyDropCounters } from '../src/drop-reasons.js';
import type { DropCounters } from '../src/drop-reasons.js';
import { Ipv4IdCounter } from '../src/ip-header.js';
import { VrrpStateMachine } from '../src/state-machine.js';
import type { VrrpStateMachineOptions } from '../src/state-machine.js';
import type { VrrpAction, VrrpInput, VrrpInstanceParams, VrrpStateName, VrrpTimerName } from '../src/state-machine-types.js';
import { validateIpv4Packet, validateIpv6Packet } from '../src/validate.js';
import type { AdvertExpectations, AdvertWarning, VrrpAuthConfig } from '../src/validate.js';

type TimerName = VrrpTimerName;

export interface RouterSpec {
  name: string;
  address: string;
  priority: number;
  version?: 2 | 3;
  advertIntervalMs?: number;
  preempt?: boolean;
  preemptDelayMs?: number;
  vips?: string[];
  auth?: VrrpAuthConfig;
  vrid?: number;
}

export interface Sent {
  t: number;
  priority: number;
  bytes: Uint8Array;
}

export interface Transition {
  t: number;
  from: VrrpStateName;
  to: VrrpStateName;
  reason: string;
}

interface QueueItem {
  t: number;
  seq: number;
  run: () => void;
}

export class Router {
  readonly sm: VrrpStateMachine;
  readonly timers = new Map<TimerName, number>();
  readonly sent: Sent[] = [];
  readonly transitions: Transition[] = [];
  readonly announces: number[] = [];
  /** Times of the GARP/NA bursts sent on answering a lower-priority Master. */
  readonly reannounces: number[] = [];
  readonly actionLog: { t: number; actions: VrrpAction[] }[] = [];
  readonly drops: DropCounters = emptyDropCounters();
  readonly warnings: AdvertWarning[] = [];
  /** Adverts that reached the state machine. */
  accepted = 0;
  vipsHeld = false;
  linkUp = true;
  /** See receive(): reproduce keepalived 2.2.7's advert timer restart, for contrast only. */
  modelKeepalivedTimerRestart = false;
  running = true;
  readonly expectations: AdvertExpectations;
  readonly #ids = new Ipv4IdCounter();

  constructor(
    readonly net: Net,
    readonly spec: RouterSpec,
    readonly params: VrrpInstanceParams,
    options: VrrpStateMachineOptions,
  ) {
    this.sm = new VrrpStateMachine(params, options);
    this.expectations = {
      vrid: params.vrid,
      version: params.version,
      family: params.family,
      advertIntervalMs: params.advertIntervalMs,
      vips: spec.vips ?? net.vips,
      localAddresses: [spec.address],
      ...(spec.auth ? { auth: spec.auth } : {}),
    };
  }

  get state(): VrrpStateName {
    return this.sm.state;
  }

  /** Feed an input now and carry out the actions, as the I/O shell would. */
  input(input: VrrpInput): VrrpAction[] {
    if (!this.running) return [];
    const actions = this.sm.handle(input);
    if (actions.length > 0) this.actionLog.push({ t: this.net.now, actions });
    for (const a of actions) this.#apply(a);
    return actions;
  }

  #apply(a: VrrpAction): void {
    const t = this.net.now;
    switch (a.type) {
      case 'setTimer':
        this.#arm(a.timer, t + a.ms);
        break;
      case 'clearTimer':
        this.timers.delete(a.timer);
        break;
      case 'sendAdvert': {
        const bytes = this.encode(a.priority, a.intervalMs === undefined ? {} : { adverInt: intervalMsToAdverInt(this.params.version, a.intervalMs) });
        this.sent.push({ t, priority: a.priority, bytes });
        if (this.linkUp) this.net.broadcast(this, bytes);
        break;
      }
      case 'addVips':
        this.vipsHeld = true;
        break;
      case 'removeVips':
        this.vipsHeld = false;
        break;
      case 'announce':
        this.announces.push(t);
        break;
      case 'reannounce':
        this.reannounces.push(t);
        break;
      case 'transition':
        this.transitions.push({ t, from: a.from, to: a.to, reason: a.reason });
        break;
    }
  }

  #arm(timer: TimerName, at: number): void {
    this.timers.set(timer, at);
    this.net.schedule(at, () => {
      // Fire only if this exact timer is still pending (a shell's clearTimeout).
      if (this.running && this.timers.get(timer) === at) {
        this.timers.delete(timer);
        this.input({ type: 'timer', timer });
      }
    });
  }

  /** Our advert as bytes on the wire (IPv4 with header; IPv6 payload). */
  encode(priority: number, over: Partial<VrrpMessageInit> = {}): Uint8Array {
    const p = this.params;
    const init: VrrpMessageInit = {
      version: p.version,
      vrid: p.vrid,
      priority,
      adverInt: intervalMsToAdverInt(p.version, p.advertIntervalMs),
      addresses: this.expectations.vips,
      ...(p.version === 2 && this.spec.auth?.type === 'pass' ? { authType: VRRP_AUTH_SIMPLE, authData: simplePasswordAuthData(this.spec.auth.password) } : {}),
      ...over,
    };
    return p.family === 4
      ? encodeIpv4VrrpPacket({ src: this.spec.address, dst: VRRP_MULTICAST_V4, id: this.#ids.next() }, init)
      : encodeVrrp(init, { family: 6, src: this.spec.address, dst: VRRP_MULTICAST_V6 });
  }

  /** A packet arrives from the wire: validate, count drops, feed the state machine only if valid. */
  receive(bytes: Uint8Array, src: string, hopLimit = 255): void {
    if (!this.running || !this.linkUp) return;
    if (this.modelKeepalivedTimerRestart && this.timers.has('advert')) {
      // A model of keepalived 2.2.7 (not of hacore): any packet for the VRID, valid or
      // not, restarts the Master's advert timer. Used to show the attack traffic of the
      // tests is able to hurt, so that hacore passing them means something.
      this.#arm('advert', this.net.now + this.params.advertIntervalMs);
    }
    // As the shell does: a Backup that follows a Master accepts priority 0 only from it.
    const master = this.sm.state === 'BACKUP' ? this.sm.masterAddress : undefined;
    const exp = master === undefined ? this.expectations : { ...this.expectations, followedMaster: master };
    const r = this.params.family === 4 ? validateIpv4Packet(bytes, exp) : validateIpv6Packet(bytes, { src, dst: VRRP_MULTICAST_V6, hopLimit }, exp);
    if (!r.ok) {
      this.drops[r.reason]++;
      return;
    }
    this.warnings.push(...r.warnings);
    this.accepted++;
    this.input({ type: 'advert', advert: r.advert });
  }

  /** kill -9: no priority-0 advert, timers gone, VIPs gone with the process's namespace? No: left as they are. */
  kill(): void {
    this.running = false;
    this.timers.clear();
  }

  /** Intervals between consecutive adverts sent in [from, to]. */
  advertGaps(from = 0, to = Infinity): number[] {
    const ts = this.sent.filter((s) => s.t >= from && s.t <= to).map((s) => s.t);
    return ts.slice(1).map((t, i) => t - (ts[i] as number));
  }
}

export class Net {
  now = 0;
  readonly routers: Router[] = [];
  readonly #queue: QueueItem[] = [];
  #seq = 0;
  /** One-way delay of the segment. */
  latencyMs = 0;

  constructor(
    readonly family: 4 | 6 = 4,
    readonly vips: string[] = family === 4 ? ['198.51.100.200'] : ['2001:db8::200'],
  ) {}

  add(spec: RouterSpec, opts: { answerWindowMs?: number } = {}): Router {
    const version = spec.version ?? (this.family === 6 ? 3 : 2);
    const params: VrrpInstanceParams = {
      name: spec.name,
      vrid: spec.vrid ?? 51,
      version,
      family: this.family,
      priority: spec.priority,
      advertIntervalMs: spec.advertIntervalMs ?? 1000,
      preempt: spec.preempt ?? true,
      preemptDelayMs: spec.preemptDelayMs ?? 0,
      primaryAddress: spec.address,
    };
    const r = new Router(this, spec, params, { now: () => this.now, ...opts });
    this.routers.push(r);
    return r;
  }

  schedule(t: number, run: () => void): void {
    this.#queue.push({ t, seq: this.#seq++, run });
    this.#queue.sort((a, b) => a.t - b.t || a.seq - b.seq);
  }

  /** Run an action at time t (startup, kill, link change, injected packet). */
  at(t: number, run: () => void): void {
    this.schedule(t, run);
  }

  broadcast(from: Router, bytes: Uint8Array): void {
    for (const r of this.routers) {
      if (r !== from) this.schedule(this.now + this.latencyMs, () => r.receive(bytes, from.spec.address));
    }
  }

  /** A packet from outside (a peer we do not simulate, or an attacker) delivered to every router. */
  inject(t: number, bytes: Uint8Array, src: string, hopLimit = 255): void {
    this.schedule(t, () => {
      for (const r of this.routers) r.receive(bytes, src, hopLimit);
    });
  }

  /** Advance the clock to `until`, running everything due on the way (bounded). */
  run(until: number): void {
    let guard = 0;
    while (this.#queue.length > 0 && (this.#queue[0] as QueueItem).t <= until) {
      if (++guard > 1_000_000) throw new Error('simulation did not settle');
      const item = this.#queue.shift() as QueueItem;
      this.now = item.t;
      item.run();
    }
    this.now = until;
  }

  masters(): Router[] {
    return this.routers.filter((r) => r.running && r.state === 'MASTER');
  }

  vipHolders(): Router[] {
    return this.routers.filter((r) => r.vipsHeld);
  }
}
