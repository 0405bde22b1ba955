/**
 * One BFD session over UDP (RFC 5881 single hop, RFC 5883 multihop): the thin
 * shell around BfdSession. Sends from its own socket bound to a source port in
 * 49152-65535 with TTL / hop limit 255; receives through the BfdReceiver that
 * every session on the same local address shares (3784, or 4784 multihop),
 * which reads the received TTL through @hacore/native; a single-hop packet
 * whose TTL is not 255 is dropped and counted here.
 */
import { isIPv6 } from 'node:net';
import { RawSocket, type Family } from '@hacore/native';
import { BfdState, encodeControl, type ControlPacket } from './codec.js';
import { MULTIHOP_PORT, SINGLE_HOP_PORT, SINGLE_HOP_TTL, SOURCE_PORT_MAX, SOURCE_PORT_MIN } from './ports.js';
import { BfdReceiver, canonicalAddress, type ReceiverMember } from './receiver.js';
import { BfdSession, type SessionAction, type SessionDiscard, type SessionTimers } from './state-machine.js';

export interface UdpSessionOptions extends SessionTimers {
  peer: string;
  /** Local address: the receive socket and the source of what is sent. Default: the wildcard address. */
  local?: string;
  localDiscr: number;
  multihop?: boolean;
  /** The lowest TTL / hop limit accepted. Default 255 single hop, 254 multihop. */
  minTtl?: number;
  /** TTL / hop limit sent. Default 255. */
  ttl?: number;
  passive?: boolean;
  /** DesiredMinTx while not Up, µs (at least 1 s). */
  idleTx?: number;
  interface?: string;
}

export interface UdpSessionCounters {
  sent: number;
  /** Packets handed to the session (TTL accepted), droppedSession included. */
  received: number;
  droppedTtl: number;
  droppedDecode: number;
  droppedSession: number;
  droppedOther: number;
  /** droppedSession by the session layer's reason. */
  discards: Record<SessionDiscardKey, number>;
}

/** The session layer's reasons (6.8.6) as status keys. */
export const SESSION_DISCARD_KEYS = {
  'authentication not configured': 'authentication',
  'your discriminator zero while not down': 'yourDiscrZero',
  'your discriminator not ours': 'notOurs',
  'admin down': 'adminDown',
} as const satisfies Record<SessionDiscard, string>;
export type SessionDiscardKey = (typeof SESSION_DISCARD_KEYS)[SessionDiscard];

/** A session on the receive socket shared by its local address, with its own send socket. */
export class UdpBfdSession implements ReceiverMember {
  readonly session: BfdSession;
  readonly counters: UdpSessionCounters = {
    sent: 0,
    received: 0,
    droppedTtl: 0,
    droppedDecode: 0,
    droppedSession: 0,
    droppedOther: 0,
    discards: Object.fromEntries(Object.values(SESSION_DISCARD_KEYS).map((k) => [k, 0])) as Record<SessionDiscardKey, number>,
  };
  readonly peer: string;
  readonly localDiscr: number;
  private readonly family: Family;
  private readonly port: number;
  private readonly minTtl: number;
  private rx: BfdReceiver | undefined;
  private tx: RawSocket | undefined;
  private txTimer: NodeJS.Timeout | undefined;
  private detectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: UdpSessionOptions,
    private readonly onState: (from: BfdState, to: BfdState, diag: number) => void,
  ) {
    this.family = isIPv6(opts.peer) ? 6 : 4;
    this.port = opts.multihop ? MULTIHOP_PORT : SINGLE_HOP_PORT;
    this.peer = canonicalAddress(opts.peer);
    this.localDiscr = opts.localDiscr >>> 0;
    this.minTtl = opts.minTtl ?? (opts.multihop ? 254 : SINGLE_HOP_TTL);
    this.session = new BfdSession({
      localDiscr: opts.localDiscr,
      desiredMinTx: opts.desiredMinTx,
      requiredMinRx: opts.requiredMinRx,
      detectMult: opts.detectMult,
      passive: opts.passive ?? false,
      ...(opts.idleTx !== undefined ? { idleTx: opts.idleTx } : {}),
    });
  }

  get local(): string {
    return this.opts.local ?? (this.family === 6 ? '::' : '0.0.0.0');
  }

  get running(): boolean {
    return this.rx !== undefined;
  }

  start(): void {
    if (this.rx) return;
    const rx = BfdReceiver.acquire(this.family, this.local, this.port, this.opts.interface);
    rx.add(this);
    try {
      this.tx = this.openTx();
    } catch (err) {
      rx.remove(this);
      throw err;
    }
    this.rx = rx;
    this.apply(this.session.start());
  }

  stop(): void {
    clearTimeout(this.txTimer);
    clearTimeout(this.detectTimer);
    this.txTimer = this.detectTimer = undefined;
    this.rx?.remove(this);
    this.tx?.close();
    this.rx = this.tx = undefined;
  }

  /** Administratively down (6.8.16): tells the peer, which must not take it as a failure. */
  setAdminDown(on: boolean): void {
    this.apply(this.session.setAdminDown(on));
  }

  deliver(p: ControlPacket, hopLimit: number): void {
    if (hopLimit < this.minTtl) {
      this.counters.droppedTtl++;
      return;
    }
    this.counters.received++;
    const res = this.session.receive(p);
    if (res.discarded) {
      this.counters.droppedSession++;
      this.counters.discards[SESSION_DISCARD_KEYS[res.discarded]]++;
    }
    this.apply(res.actions);
  }

  malformed(): void {
    this.counters.droppedDecode++;
  }

  failed(): void {
    this.counters.droppedOther++;
  }

  private openTx(): RawSocket {
    const s = RawSocket.openUdp(this.family);
    s.setUnicastHops(this.opts.ttl ?? SINGLE_HOP_TTL);
    if (this.opts.interface) s.bindToDevice(this.opts.interface);
    const span = SOURCE_PORT_MAX - SOURCE_PORT_MIN + 1;
    const first = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      try {
        s.bind(this.local, SOURCE_PORT_MIN + ((first + i) % span));
        return s;
      } catch (err) {
        if ((err as { code?: string }).code !== 'EADDRINUSE') {
          s.close();
          throw err;
        }
      }
    }
    s.close();
    throw Object.assign(new Error('no free BFD source port in 49152-65535'), { code: 'EADDRINUSE' });
  }

  private apply(actions: SessionAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') {
        if (!this.tx) continue;
        try {
          this.tx.sendTo(encodeControl(a.packet), this.opts.peer, 0, this.port);
          this.counters.sent++;
        } catch {
          this.counters.droppedOther++;
        }
      } else if (a.type === 'state') this.onState(a.from, a.to, a.diag);
      else if (a.type === 'tx-timer') {
        clearTimeout(this.txTimer);
        this.txTimer = a.ms !== undefined && this.rx ? setTimeout(() => this.apply(this.session.txTimer()), a.ms) : undefined;
      } else {
        clearTimeout(this.detectTimer);
        this.detectTimer = a.ms !== undefined && this.rx ? setTimeout(() => this.apply(this.session.detectTimer()), a.ms) : undefined;
      }
    }
  }

  /** Timers armed now (0-2), for leak tests. */
  timersArmed(): number {
    return (this.txTimer ? 1 : 0) + (this.detectTimer ? 1 : 0);
  }
}
