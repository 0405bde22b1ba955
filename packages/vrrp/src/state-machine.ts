/**
 * The VRRP state machine, pure: inputs in (VrrpInput), actions out (VrrpAction[]),
 * no sockets and no timers inside. The shell owns the timers: `setTimer` replaces
 * any pending timer of that name, `clearTimer` cancels it, and when one expires the
 * shell feeds `{ type: 'timer', timer }` back. Time is read only from the injected
 * clock, and only for the rate limit of answers to lower-priority adverts.
 *
 * RFC 5798 6.4 (v3) and RFC 3768 6.4 (v2), plus keepalived's FAULT state,
 * preempt_delay, and its answer to a lower-priority advert (rate-limited here).
 * Adverts reaching `handle` must already have passed validate.ts: a dropped
 * packet never reaches the state machine, so it can never touch a timer.
 */
import { nearestAdverInt, wireAdvertIntervalMs } from './codec.js';
import { compareIp, parseAnyIp } from '@hacore/core/ip-address';
import { IntervalRateLimiter } from './rate-limit.js';
import type { ReceivedAdvert, VrrpAction, VrrpInput, VrrpInstanceParams, VrrpStateName, VrrpTimerName } from './state-machine-types.js';

export const VRRP_OWNER_PRIORITY = 255;

type TimerName = VrrpTimerName;

/** Stable transition reasons (the `reason` of transition actions starts with one of these). */
export const TRANSITION_REASONS = {
  startup: 'startup',
  startupOwner: 'startup-owner',
  masterDown: 'master-down',
  preemptDelay: 'preempt-delay',
  higherPriority: 'higher-priority',
  equalPriorityHigherAddress: 'equal-priority-higher-address',
  shutdown: 'shutdown',
  fault: 'fault',
  faultCleared: 'fault-cleared',
  priorityFault: 'priority-fault',
  syncGroup: 'sync-group',
} as const;

/** Thrown by the constructor for parameters the protocol cannot run with. */
export class VrrpParamsError extends Error {
  readonly code = 'HACORE_ERR_VRRP_PARAMS';
  constructor(message: string) {
    super(message);
    this.name = 'VrrpParamsError';
  }
}

/** Priority as advertised: integer 1..255 (tracking may push the sum outside). */
export function clampPriority(priority: number): number {
  return Math.min(VRRP_OWNER_PRIORITY, Math.max(1, Math.round(priority)));
}

/**
 * Skew_Time in ms. v2 (RFC 3768): (256 - Priority) / 256 seconds, whatever the
 * interval. v3 (RFC 5798): ((256 - Priority) * Master_Adver_Interval) / 256.
 * Exact (a dyadic fraction of a millisecond): no rounding is applied.
 */
export function skewTimeMs(version: 2 | 3, priority: number, masterAdverIntervalMs: number): number {
  const p = clampPriority(priority);
  return version === 2 ? ((256 - p) * 1000) / 256 : ((256 - p) * masterAdverIntervalMs) / 256;
}

/** Master_Down_Interval in ms: 3 * (Master_)Adver_Interval + Skew_Time. */
export function masterDownIntervalMs(version: 2 | 3, priority: number, masterAdverIntervalMs: number): number {
  return 3 * masterAdverIntervalMs + skewTimeMs(version, priority, masterAdverIntervalMs);
}

export interface VrrpStateMachineOptions {
  /** Monotonic clock in ms; default performance.now(). Tests pass a fake one. */
  now?: () => number;
  /** Minimum time between two answers to lower-priority adverts; default the advert interval. */
  answerWindowMs?: number;
}

/** What `hacore status` shows of an instance's protocol state. */
export interface VrrpStateSnapshot {
  state: VrrpStateName;
  configuredPriority: number;
  /** The effective priority last given (may be <= 0: fault). */
  effectivePriority: number;
  /** The priority we advertise (1..255). */
  advertisedPriority: number;
  advertIntervalMs: number;
  masterAdverIntervalMs: number;
  skewMs: number;
  masterDownIntervalMs: number;
  /** Primary address of the router we believe is Master (ours when Master). */
  masterAddress: string | undefined;
  masterPriority: number | undefined;
  faults: { interface: boolean; syncGroup: boolean; priority: boolean };
  preemptPending: boolean;
  /** Lower-priority adverts not answered at once because of the rate limit. */
  answersSuppressed: number;
  /** Answers sent, at once or when the window of a suppressed one ended. */
  answersSent: number;
  /** Of answersSent, those sent when the window ended (a lower-priority advert came inside it). */
  answersDeferred: number;
}

export class VrrpStateMachine {
  readonly params: Readonly<VrrpInstanceParams>;
  /** Our interval as sent on the wire (v2 whole seconds, v3 centiseconds). */
  readonly #interval: number;
  #state: VrrpStateName = 'INIT';
  #effective: number;
  #mai: number;
  readonly #armed = new Set<TimerName>();
  #interfaceFault = false;
  #interfaceFaultReason = '';
  #syncFault = false;
  #syncFaultReason = '';
  readonly #limiter: IntervalRateLimiter;
  readonly #now: () => number;
  #masterAddress: string | undefined;
  #masterPriority: number | undefined;
  #answersSuppressed = 0;
  #answersSent = 0;
  #answersDeferred = 0;

  constructor(params: VrrpInstanceParams, options: VrrpStateMachineOptions = {}) {
    checkParams(params);
    this.params = Object.freeze({ ...params });
    this.#effective = params.priority;
    this.#interval = wireAdvertIntervalMs(params.version, params.advertIntervalMs);
    this.#mai = this.#interval;
    this.#now = options.now ?? (() => performance.now());
    this.#limiter = new IntervalRateLimiter(options.answerWindowMs ?? this.#interval);
  }

  get state(): VrrpStateName {
    return this.#state;
  }

  /** The priority we advertise and compare with (1..255). */
  get priority(): number {
    return clampPriority(this.#effective);
  }

  /** The Master a Backup follows (learned from its adverts), ours when Master, else undefined. */
  get masterAddress(): string | undefined {
    return this.#masterAddress;
  }

  get masterAdverIntervalMs(): number {
    return this.#mai;
  }

  get skewMs(): number {
    return skewTimeMs(this.params.version, this.priority, this.#mai);
  }

  get masterDownIntervalMs(): number {
    return masterDownIntervalMs(this.params.version, this.priority, this.#mai);
  }

  snapshot(): VrrpStateSnapshot {
    return {
      state: this.#state,
      configuredPriority: this.params.priority,
      effectivePriority: this.#effective,
      advertisedPriority: this.priority,
      advertIntervalMs: this.#interval,
      masterAdverIntervalMs: this.#mai,
      skewMs: this.skewMs,
      masterDownIntervalMs: this.masterDownIntervalMs,
      masterAddress: this.#masterAddress,
      masterPriority: this.#masterPriority,
      faults: { interface: this.#interfaceFault, syncGroup: this.#syncFault, priority: this.#effective <= 0 },
      preemptPending: this.#armed.has('preempt'),
      answersSuppressed: this.#answersSuppressed,
      answersSent: this.#answersSent,
      answersDeferred: this.#answersDeferred,
    };
  }

  /** Feed one input; returns the actions to perform, in order. */
  handle(input: VrrpInput): VrrpAction[] {
    const out: VrrpAction[] = [];
    switch (input.type) {
      case 'startup':
        this.#startup(out);
        break;
      case 'shutdown':
        this.#shutdown(out);
        break;
      case 'advert':
        if (this.#state === 'BACKUP') this.#backupAdvert(out, input.advert);
        else if (this.#state === 'MASTER') this.#masterAdvert(out, input.advert);
        // INIT and FAULT do not listen (RFC 5798 6.4.1; keepalived FAULT).
        break;
      case 'timer':
        this.#timer(out, input.timer);
        break;
      case 'priority':
        this.#priority(out, input.effective);
        break;
      case 'fault':
        this.#interfaceFault = input.on;
        this.#interfaceFaultReason = input.reason;
        this.#evaluateFault(out, `${TRANSITION_REASONS.fault}: ${input.reason}`, TRANSITION_REASONS.faultCleared + `: ${input.reason}`);
        break;
      case 'force':
        this.#force(out, input.state, input.reason);
        break;
    }
    return out;
  }

  // ---- helpers -------------------------------------------------------------

  #setTimer(out: VrrpAction[], timer: TimerName, ms: number): void {
    this.#armed.add(timer);
    out.push({ type: 'setTimer', timer, ms });
  }

  #clearTimer(out: VrrpAction[], timer: TimerName): void {
    if (!this.#armed.delete(timer)) return;
    out.push({ type: 'clearTimer', timer });
  }

  #transition(out: VrrpAction[], to: VrrpStateName, reason: string): void {
    const from = this.#state;
    this.#state = to;
    out.push({ type: 'transition', from, to, reason });
  }

  #faulty(): boolean {
    return this.#interfaceFault || this.#syncFault || this.#effective <= 0;
  }

  #faultReason(): string {
    if (this.#interfaceFault) return `${TRANSITION_REASONS.fault}: ${this.#interfaceFaultReason}`;
    if (this.#syncFault) return `${TRANSITION_REASONS.syncGroup}: ${this.#syncFaultReason}`;
    return `${TRANSITION_REASONS.priorityFault}: effective priority ${this.#effective}`;
  }

  /** v3 Backups adopt the Master's interval (RFC 5798 6.4.2); v2 intervals are equal by validation. */
  #learn(advert: ReceivedAdvert): void {
    if (this.params.version === 3 && advert.advertIntervalMs > 0) this.#mai = advert.advertIntervalMs;
    this.#masterAddress = advert.source;
    this.#masterPriority = advert.priority;
  }

  #becomeMaster(out: VrrpAction[], reason: string): void {
    // Order matters to peers and clients: advert first (so Backups stop their
    // timers), then the addresses, then GARP/NA so neighbours re-learn our MAC.
    out.push({ type: 'sendAdvert', priority: this.priority });
    out.push({ type: 'addVips' });
    out.push({ type: 'announce' });
    this.#clearTimer(out, 'masterDown');
    this.#clearTimer(out, 'preempt');
    this.#setTimer(out, 'advert', this.#interval);
    this.#limiter.reset();
    this.#masterAddress = this.params.primaryAddress;
    this.#masterPriority = this.priority;
    this.#transition(out, 'MASTER', reason);
  }

  /** Startup and leaving FAULT: the Initialize -> {Master, Backup} step of RFC 5798 6.4.1. */
  #initialize(out: VrrpAction[], reason: string, ownerReason: string): void {
    this.#mai = this.#interval;
    this.#masterAddress = undefined;
    this.#masterPriority = undefined;
    if (this.priority === VRRP_OWNER_PRIORITY) {
      this.#becomeMaster(out, ownerReason);
      return;
    }
    this.#setTimer(out, 'masterDown', this.masterDownIntervalMs);
    this.#transition(out, 'BACKUP', reason);
  }

  #masterToBackup(out: VrrpAction[], reason: string): void {
    this.#clearTimer(out, 'advert');
    this.#clearTimer(out, 'answer');
    out.push({ type: 'removeVips' });
    this.#setTimer(out, 'masterDown', this.masterDownIntervalMs);
    this.#transition(out, 'BACKUP', reason);
  }

  #enterFault(out: VrrpAction[], reason: string): void {
    if (this.#state === 'MASTER') {
      // Like shutdown: tell the Backups to take over after Skew_Time, not 3 intervals.
      this.#clearTimer(out, 'advert');
      this.#clearTimer(out, 'answer');
      out.push({ type: 'sendAdvert', priority: 0 });
      out.push({ type: 'removeVips' });
    } else {
      this.#clearTimer(out, 'masterDown');
      this.#clearTimer(out, 'preempt');
    }
    this.#masterAddress = undefined;
    this.#masterPriority = undefined;
    this.#transition(out, 'FAULT', reason);
  }

  #evaluateFault(out: VrrpAction[], enterReason: string, leaveReason: string): void {
    if (this.#state === 'INIT') return; // startup looks at the flags
    const faulty = this.#faulty();
    if (faulty && this.#state !== 'FAULT') this.#enterFault(out, enterReason);
    else if (!faulty && this.#state === 'FAULT') this.#initialize(out, leaveReason, leaveReason);
  }

  // ---- inputs --------------------------------------------------------------

  #startup(out: VrrpAction[]): void {
    if (this.#state !== 'INIT') return;
    if (this.#faulty()) {
      this.#transition(out, 'FAULT', this.#faultReason());
      return;
    }
    this.#initialize(out, TRANSITION_REASONS.startup, TRANSITION_REASONS.startupOwner);
  }

  #shutdown(out: VrrpAction[]): void {
    switch (this.#state) {
      case 'INIT':
        return;
      case 'MASTER':
        this.#clearTimer(out, 'advert');
        this.#clearTimer(out, 'answer');
        out.push({ type: 'sendAdvert', priority: 0 });
        out.push({ type: 'removeVips' });
        break;
      case 'BACKUP':
        this.#clearTimer(out, 'masterDown');
        this.#clearTimer(out, 'preempt');
        break;
      case 'FAULT':
        break;
    }
    this.#masterAddress = undefined;
    this.#masterPriority = undefined;
    this.#transition(out, 'INIT', TRANSITION_REASONS.shutdown);
  }

  #backupAdvert(out: VrrpAction[], advert: ReceivedAdvert): void {
    if (advert.priority === 0) {
      // The Master is leaving: take over after Skew_Time only (RFC 5798 6.4.2).
      this.#setTimer(out, 'masterDown', this.skewMs);
      return;
    }
    const lower = advert.priority < this.priority;
    if (!this.params.preempt || !lower) {
      this.#learn(advert);
      if (!lower) this.#clearTimer(out, 'preempt');
      this.#setTimer(out, 'masterDown', this.masterDownIntervalMs);
      return;
    }
    if (this.params.preemptDelayMs > 0) {
      // keepalived preempt_delay: tolerate a lower-priority Master for a while
      // (it may be the only one holding the VIPs after our restart), then take over.
      if (!this.#armed.has('preempt')) this.#setTimer(out, 'preempt', this.params.preemptDelayMs);
      this.#learn(advert);
      this.#setTimer(out, 'masterDown', this.masterDownIntervalMs);
      return;
    }
    // Preempt: discard; Master_Down_Timer runs out and we take over (RFC 5798 6.4.2).
  }

  #masterAdvert(out: VrrpAction[], advert: ReceivedAdvert): void {
    const local = this.priority;
    if (advert.priority === 0) {
      out.push({ type: 'sendAdvert', priority: local });
      this.#setTimer(out, 'advert', this.#interval);
      return;
    }
    if (advert.priority > local || (advert.priority === local && compareIp(advert.source, this.params.primaryAddress) > 0)) {
      // One last advert at our priority (keepalived's vrrp_higher_prio_send_advert), so
      // the winner hears us and answers with its GARP/NA burst (below) even when it spoke
      // first after a split brain: our GARP/NA were the neighbours' last word. It carries
      // the winner's interval, so Backups that take it in keep the winner's timing (with
      // ours, a v3 Backup of a slower Master would time out early and flap).
      out.push({ type: 'sendAdvert', priority: local, ...(this.params.version === 3 && advert.advertIntervalMs > 0 ? { intervalMs: advert.advertIntervalMs } : {}) });
      this.#learn(advert);
      this.#masterToBackup(out, advert.priority > local ? TRANSITION_REASONS.higherPriority : TRANSITION_REASONS.equalPriorityHigherAddress);
      return;
    }
    // A lower-priority router thinks it is Master: tell it at once (as keepalived
    // does) so it steps down, but at most once per window. After a split brain its
    // GARP/NA were the last the neighbours heard, and it stops answering for the VIPs
    // when it steps down: one GARP/NA burst wins them back at once, where they would
    // otherwise wait for their neighbour entry to fail (about 8 s on Linux).
    const now = this.#now();
    if (this.#limiter.tryAcquire(now)) {
      this.#clearTimer(out, 'answer');
      this.#answer(out);
      return;
    }
    this.#answersSuppressed++;
    // Inside the window the advert may be the last word of a router that took over
    // and steps down again before the window ends (an earlier answer, or a trickle of
    // lower-priority adverts, used the window): answer when the window ends, so its
    // GARP/NA are never the neighbours' last. Still at most one answer per window.
    if (!this.#armed.has('answer')) this.#setTimer(out, 'answer', this.#limiter.msUntilNextGrant(now));
  }

  #answer(out: VrrpAction[]): void {
    this.#answersSent++;
    out.push({ type: 'sendAdvert', priority: this.priority });
    out.push({ type: 'reannounce' });
  }

  #timer(out: VrrpAction[], timer: TimerName): void {
    // A timer the machine did not arm (or has cancelled since) is stale: ignore it.
    if (!this.#armed.delete(timer)) return;
    if (timer === 'advert' && this.#state === 'MASTER') {
      out.push({ type: 'sendAdvert', priority: this.priority });
      this.#setTimer(out, 'advert', this.#interval);
    } else if (timer === 'masterDown' && this.#state === 'BACKUP') {
      this.#becomeMaster(out, TRANSITION_REASONS.masterDown);
    } else if (timer === 'preempt' && this.#state === 'BACKUP') {
      this.#becomeMaster(out, TRANSITION_REASONS.preemptDelay);
    } else if (timer === 'answer' && this.#state === 'MASTER') {
      const now = this.#now();
      if (this.#limiter.tryAcquire(now)) {
        this.#answersDeferred++;
        this.#answer(out);
      } else {
        this.#setTimer(out, 'answer', this.#limiter.msUntilNextGrant(now));
      }
    }
  }

  #priority(out: VrrpAction[], effective: number): void {
    const before = this.priority;
    this.#effective = Number.isFinite(effective) ? effective : 0;
    if (this.#state === 'INIT') return;
    if (this.#faulty() || this.#state === 'FAULT') {
      this.#evaluateFault(out, this.#faultReason(), `${TRANSITION_REASONS.faultCleared}: effective priority ${this.#effective}`);
      return;
    }
    if (this.priority === before) return;
    if (this.#state === 'MASTER') {
      // Advertise the new priority at once so a preempting Backup need not wait.
      out.push({ type: 'sendAdvert', priority: this.priority });
      this.#setTimer(out, 'advert', this.#interval);
      this.#masterPriority = this.priority;
    } else if (this.#state === 'BACKUP' && this.#masterPriority !== undefined && this.#masterPriority >= this.priority) {
      // No longer above the Master: nothing to preempt.
      this.#clearTimer(out, 'preempt');
    }
  }

  #force(out: VrrpAction[], state: 'BACKUP' | 'FAULT', reason: string): void {
    const why = `${TRANSITION_REASONS.syncGroup}: ${reason}`;
    if (state === 'FAULT') {
      this.#syncFault = true;
      this.#syncFaultReason = reason;
      this.#evaluateFault(out, why, why);
      return;
    }
    this.#syncFault = false;
    if (this.#state === 'MASTER') {
      // We no longer know who is Master: the next advert (or the down timer) tells.
      this.#masterAddress = undefined;
      this.#masterPriority = undefined;
      this.#masterToBackup(out, why);
    }
    else if (this.#state === 'FAULT' && !this.#faulty()) {
      // The group recovers to Backup; the election decides who is Master.
      this.#mai = this.#interval;
      this.#setTimer(out, 'masterDown', this.masterDownIntervalMs);
      this.#transition(out, 'BACKUP', why);
    }
  }
}

function checkParams(p: VrrpInstanceParams): void {
  const bad = (what: string): never => {
    throw new VrrpParamsError(`VRRP instance "${p.name}": ${what}`);
  };
  if (!Number.isInteger(p.vrid) || p.vrid < 1 || p.vrid > 255) bad(`vrid must be 1..255, got ${p.vrid}`);
  if (p.version !== 2 && p.version !== 3) bad(`version must be 2 or 3, got ${String(p.version)}`);
  if (p.family !== 4 && p.family !== 6) bad(`family must be 4 or 6, got ${String(p.family)}`);
  if (p.version === 2 && p.family === 6) bad('VRRPv2 is IPv4 only; use version 3 for IPv6');
  if (!Number.isInteger(p.priority) || p.priority < 1 || p.priority > 255) bad(`priority must be 1..255, got ${p.priority}`);
  if (!(p.advertIntervalMs > 0) || !Number.isFinite(p.advertIntervalMs)) bad(`advertIntervalMs must be > 0, got ${p.advertIntervalMs}`);
  // v2 carries whole seconds (1..255), v3 centiseconds (1..4095): the timers must match the wire.
  if (nearestAdverInt(p.version, p.advertIntervalMs) > (p.version === 2 ? 255 : 4095)) bad(`advertIntervalMs ${p.advertIntervalMs} does not fit VRRPv${p.version}`);
  if (!(p.preemptDelayMs >= 0) || !Number.isFinite(p.preemptDelayMs)) bad(`preemptDelayMs must be >= 0, got ${p.preemptDelayMs}`);
  const addr = parseAnyIp(p.primaryAddress);
  if (!addr || addr.family !== p.family) bad(`primaryAddress must be an IPv${p.family} address, got "${p.primaryAddress}"`);
}
