/**
 * The BFD session of RFC 5880 in asynchronous mode, pure: events in (a decoded
 * control packet, a timer that fired, an administrative change), actions out
 * (a packet to send, a timer to arm, a state change). No sockets and no clock:
 * the shell (udp-session.ts) runs the timers and the transport, so this is
 * tested in virtual time.
 *
 * Timers follow 6.8.2–6.8.4 and 6.8.7: the transmit interval is
 * max(DesiredMinTx, RemoteMinRx) less 0–25 % jitter (10–25 % when the detect
 * multiplier is 1); the detection time is the remote detect multiplier times
 * max(RequiredMinRx, the remote's DesiredMinTx). While the session is not Up,
 * DesiredMinTx is at least 1 s (slow start). A change of DesiredMinTx or
 * RequiredMinRx while Up (including the one at coming Up) runs a Poll
 * Sequence, and an increase of the transmit interval, or a decrease of the
 * receive interval used for detection, waits for the Final (6.8.3).
 */
import { BfdDiag, BfdState, type ControlFields, type ControlPacket } from './codec.js';

export const SLOW_START_US = 1_000_000;

export interface SessionTimers {
  /** bfd.DesiredMinTxInterval, microseconds. */
  desiredMinTx: number;
  /** bfd.RequiredMinRxInterval, microseconds. */
  requiredMinRx: number;
  /** bfd.DetectMult. */
  detectMult: number;
}

export interface SessionOptions extends SessionTimers {
  /** bfd.LocalDiscr: non-zero, unique on this system. */
  localDiscr: number;
  /** Passive role (6.1): send nothing until the remote has been heard. */
  passive?: boolean;
  /** Start in AdminDown. */
  adminDown?: boolean;
  /** DesiredMinTx floor while not Up, µs (keepalived idle_tx). Default and RFC minimum 1 s. */
  idleTx?: number;
}

export type SessionAction =
  | { type: 'send'; packet: ControlFields }
  | { type: 'state'; from: BfdState; to: BfdState; diag: BfdDiag }
  /** (Re)arm the transmit timer to fire in `ms`; undefined stops it. */
  | { type: 'tx-timer'; ms: number | undefined }
  /** (Re)arm the detection timer; undefined stops it. */
  | { type: 'detect-timer'; ms: number | undefined };

/** Why the session layer discarded a packet the codec accepted (6.8.6). */
export type SessionDiscard = 'authentication not configured' | 'your discriminator zero while not down' | 'your discriminator not ours' | 'admin down';

export interface ReceiveResult {
  actions: SessionAction[];
  discarded?: SessionDiscard;
}

/** A snapshot of the session variables of 6.8.1, for status and tests. */
export interface SessionVariables {
  state: BfdState;
  remoteState: BfdState;
  localDiscr: number;
  remoteDiscr: number;
  localDiag: BfdDiag;
  desiredMinTx: number;
  requiredMinRx: number;
  remoteMinRx: number;
  remoteDesiredMinTx: number;
  remoteDetectMult: number;
  detectMult: number;
  pollActive: boolean;
  /** The transmit interval now used, before jitter (µs). */
  txInterval: number;
  /** The detection time now used (µs), 0 until a packet is heard. */
  detectionTime: number;
}

export class BfdSession {
  private state: BfdState;
  private remoteState = BfdState.Down;
  private remoteDiscr = 0;
  private localDiag = BfdDiag.None;
  /** The remote's RequiredMinRx; 1 µs until heard (6.8.1). */
  private remoteMinRx = 1;
  private remoteDesiredMinTx = 0;
  private remoteDetectMult = 0;
  private pollActive = false;
  private cfg: SessionTimers;
  /** The transmit interval used (µs) and the receive interval used for detection (µs): may lag the config during a poll. */
  private activeTx: number;
  private activeRx: number;
  /** The interval (µs, before jitter) the tx timer was last armed with, so a shorter one re-arms it at once. */
  private armedTxUs: number | undefined;
  readonly localDiscr: number;
  private readonly passive: boolean;
  private readonly idleTx: number;

  constructor(
    opts: SessionOptions,
    private readonly random: () => number = Math.random,
  ) {
    if (opts.localDiscr === 0) throw new RangeError('bfd.LocalDiscr must be non-zero');
    this.localDiscr = opts.localDiscr >>> 0;
    this.passive = opts.passive ?? false;
    this.idleTx = Math.max(opts.idleTx ?? SLOW_START_US, SLOW_START_US);
    this.cfg = { desiredMinTx: opts.desiredMinTx, requiredMinRx: opts.requiredMinRx, detectMult: opts.detectMult };
    this.state = opts.adminDown ? BfdState.AdminDown : BfdState.Down;
    if (opts.adminDown) this.localDiag = BfdDiag.AdministrativelyDown;
    this.activeTx = this.advertisedTx();
    this.activeRx = this.cfg.requiredMinRx;
  }

  get sessionState(): BfdState {
    return this.state;
  }

  variables(): SessionVariables {
    return {
      state: this.state,
      remoteState: this.remoteState,
      localDiscr: this.localDiscr,
      remoteDiscr: this.remoteDiscr,
      localDiag: this.localDiag,
      desiredMinTx: this.advertisedTx(),
      requiredMinRx: this.cfg.requiredMinRx,
      remoteMinRx: this.remoteMinRx,
      remoteDesiredMinTx: this.remoteDesiredMinTx,
      remoteDetectMult: this.remoteDetectMult,
      detectMult: this.cfg.detectMult,
      pollActive: this.pollActive,
      txInterval: this.txIntervalUs(),
      detectionTime: this.detectionTimeUs(),
    };
  }

  /** Arms the first transmission (within one interval, so that many sessions spread out). */
  start(): SessionAction[] {
    const us = this.txIntervalUs();
    this.armedTxUs = us;
    return [{ type: 'tx-timer', ms: this.jittered(us) * this.random() }];
  }

  /** The transmit timer fired: a periodic packet (6.8.7), and the timer again. */
  txTimer(): SessionAction[] {
    this.armedTxUs = undefined;
    const out: SessionAction[] = [];
    if (this.maySend()) out.push({ type: 'send', packet: this.packet(this.pollActive, false) });
    out.push(this.armTx());
    return out;
  }

  /** The detection time passed without a valid packet (6.8.4). */
  detectTimer(): SessionAction[] {
    const out: SessionAction[] = [];
    if (this.state === BfdState.Init || this.state === BfdState.Up) {
      this.setState(BfdState.Down, BfdDiag.ControlDetectionTimeExpired, out);
    }
    // The remote is gone: start over from discriminator 0 (6.8.1 bfd.RemoteDiscr), and from slow start.
    this.remoteDiscr = 0;
    this.remoteState = BfdState.Down;
    this.remoteDesiredMinTx = 0;
    this.remoteDetectMult = 0;
    this.remoteMinRx = 1;
    out.push({ type: 'detect-timer', ms: undefined });
    this.retime(out);
    return out;
  }

  /** A packet for this session (already matched by discriminator or address), 6.8.6 from "If the A bit is set". */
  receive(p: ControlPacket): ReceiveResult {
    if (p.auth) return { actions: [], discarded: 'authentication not configured' };
    if (p.yourDiscr === 0 && p.state !== BfdState.Down && p.state !== BfdState.AdminDown) return { actions: [], discarded: 'your discriminator zero while not down' };
    if (p.yourDiscr !== 0 && p.yourDiscr !== this.localDiscr) return { actions: [], discarded: 'your discriminator not ours' };
    const out: SessionAction[] = [];
    this.remoteDiscr = p.myDiscr;
    this.remoteState = p.state;
    this.remoteMinRx = p.requiredMinRx;
    this.remoteDesiredMinTx = p.desiredMinTx;
    this.remoteDetectMult = p.detectMult;
    if (p.final && this.pollActive) {
      this.pollActive = false;
      this.activeTx = this.advertisedTx();
      this.activeRx = this.cfg.requiredMinRx;
    }
    if (this.state === BfdState.AdminDown) return { actions: [], discarded: 'admin down' };
    if (p.state === BfdState.AdminDown) {
      if (this.state !== BfdState.Down) this.setState(BfdState.Down, BfdDiag.NeighborSignaledSessionDown, out);
    } else if (this.state === BfdState.Down) {
      if (p.state === BfdState.Down) this.setState(BfdState.Init, this.localDiag, out);
      else if (p.state === BfdState.Init) this.setState(BfdState.Up, BfdDiag.None, out);
    } else if (this.state === BfdState.Init) {
      if (p.state === BfdState.Init || p.state === BfdState.Up) this.setState(BfdState.Up, BfdDiag.None, out);
    } else if (p.state === BfdState.Down) {
      this.setState(BfdState.Down, BfdDiag.NeighborSignaledSessionDown, out);
    }
    // The remote's AdminDown (or a zero RequiredMinRx) stops detection: it sends nothing to time.
    const detect = p.state === BfdState.AdminDown ? undefined : this.detectionTimeUs() / 1000;
    out.push({ type: 'detect-timer', ms: detect });
    if (p.poll) out.push({ type: 'send', packet: this.packet(false, true) });
    this.retime(out);
    return { actions: out };
  }

  /** Changes DesiredMinTx / RequiredMinRx / DetectMult; a Poll Sequence when Up. */
  setTimers(t: SessionTimers): SessionAction[] {
    const out: SessionAction[] = [];
    const changed = t.desiredMinTx !== this.cfg.desiredMinTx || t.requiredMinRx !== this.cfg.requiredMinRx;
    const oldAdvertised = this.advertisedTx();
    const oldRx = this.cfg.requiredMinRx;
    this.cfg = { ...t };
    if (changed) this.timersChanged(oldAdvertised, oldRx);
    this.retime(out);
    return out;
  }

  /** AdminDown (6.8.16) or back to Down. */
  setAdminDown(on: boolean): SessionAction[] {
    const out: SessionAction[] = [];
    if (on && this.state !== BfdState.AdminDown) {
      this.setState(BfdState.AdminDown, BfdDiag.AdministrativelyDown, out);
      out.push({ type: 'detect-timer', ms: undefined });
    } else if (!on && this.state === BfdState.AdminDown) {
      this.setState(BfdState.Down, BfdDiag.None, out);
    }
    this.retime(out);
    return out;
  }

  private setState(to: BfdState, diag: BfdDiag, out: SessionAction[]): void {
    const from = this.state;
    if (from === to) return;
    const oldAdvertised = this.advertisedTx();
    this.state = to;
    this.localDiag = diag;
    out.push({ type: 'state', from, to, diag });
    // Leaving or reaching Up changes DesiredMinTx (slow start).
    this.timersChanged(oldAdvertised, this.cfg.requiredMinRx);
  }

  private timersChanged(oldAdvertisedTx: number, oldRx: number): void {
    const tx = this.advertisedTx();
    if (this.state === BfdState.Up && (tx !== oldAdvertisedTx || this.cfg.requiredMinRx !== oldRx)) {
      this.pollActive = true;
      // A decrease of the transmit interval may start now; an increase waits for the Final.
      if (tx < this.activeTx) this.activeTx = tx;
      // An increase of the receive interval is safe now; a decrease waits for the Final.
      if (this.cfg.requiredMinRx > this.activeRx) this.activeRx = this.cfg.requiredMinRx;
    } else if (this.state !== BfdState.Up) {
      this.pollActive = false;
      this.activeTx = tx;
      this.activeRx = this.cfg.requiredMinRx;
    }
  }

  /** A shorter transmit interval must not wait for a timer armed with the longer one. */
  private retime(out: SessionAction[]): void {
    if (this.armedTxUs === undefined || this.txIntervalUs() < this.armedTxUs) out.push(this.armTx());
  }

  private armTx(): SessionAction {
    const us = this.txIntervalUs();
    this.armedTxUs = us;
    return { type: 'tx-timer', ms: this.jittered(us) };
  }

  private advertisedTx(): number {
    return this.state === BfdState.Up ? this.cfg.desiredMinTx : Math.max(this.cfg.desiredMinTx, this.idleTx);
  }

  private txIntervalUs(): number {
    return Math.max(this.activeTx, this.remoteMinRx);
  }

  private detectionTimeUs(): number {
    return this.remoteDetectMult * Math.max(this.activeRx, this.remoteDesiredMinTx);
  }

  /** 6.8.7: 75–100 % of the interval, 75–90 % with a detect multiplier of 1. In ms. */
  private jittered(us: number): number {
    const cut = this.cfg.detectMult === 1 ? 0.1 + 0.15 * this.random() : 0.25 * this.random();
    return (us * (1 - cut)) / 1000;
  }

  private maySend(): boolean {
    if (this.passive && this.remoteDiscr === 0) return false;
    return this.remoteMinRx !== 0;
  }

  private packet(poll: boolean, final: boolean): ControlFields {
    return {
      diag: this.localDiag,
      state: this.state,
      poll,
      final,
      detectMult: this.cfg.detectMult,
      myDiscr: this.localDiscr,
      yourDiscr: this.remoteDiscr,
      desiredMinTx: this.advertisedTx(),
      requiredMinRx: this.cfg.requiredMinRx,
      requiredMinEchoRx: 0,
    };
  }
}
