/**
 * One BFD session over UDP (RFC 5881 single hop, RFC 5883 multihop): the thin
 * shell around BfdSession. Sends from a socket bound to a source port in
 * 49152-65535 with TTL / hop limit 255; receives on 3784 (4784) through
 * @hacore/native, which reads the received TTL, and drops (and counts) a
 * single-hop packet whose TTL is not 255.
 */
import { isIPv6 } from 'node:net';
import { LINUX, RawSocket, type Family } from '@hacore/native';
import { BfdState, decodeControl, encodeControl } from './codec.js';
import { MULTIHOP_PORT, SINGLE_HOP_PORT, SINGLE_HOP_TTL, SOURCE_PORT_MAX, SOURCE_PORT_MIN } from './ports.js';
import { BfdSession, type SessionAction, type SessionTimers } from './state-machine.js';

export interface UdpSessionOptions extends SessionTimers {
  peer: string;
  local: string;
  localDiscr: number;
  multihop?: boolean;
  /** Multihop: the lowest TTL accepted. Default 254. */
  minTtl?: number;
  passive?: boolean;
  interface?: string;
}

export interface UdpSessionCounters {
  sent: number;
  received: number;
  droppedTtl: number;
  droppedDecode: number;
  droppedSession: number;
  droppedOther: number;
}

const IPV6_V6ONLY = 26;

/** A session with its own receive socket bound to the local address (one per local address and port). */
export class UdpBfdSession {
  readonly session: BfdSession;
  readonly counters: UdpSessionCounters = { sent: 0, received: 0, droppedTtl: 0, droppedDecode: 0, droppedSession: 0, droppedOther: 0 };
  private readonly family: Family;
  private readonly port: number;
  private rx: RawSocket | undefined;
  private tx: RawSocket | undefined;
  private txTimer: NodeJS.Timeout | undefined;
  private detectTimer: NodeJS.Timeout | undefined;
  private readonly buf = Buffer.alloc(512);

  constructor(
    private readonly opts: UdpSessionOptions,
    private readonly onState: (from: BfdState, to: BfdState, diag: number) => void,
  ) {
    this.family = isIPv6(opts.peer) ? 6 : 4;
    this.port = opts.multihop ? MULTIHOP_PORT : SINGLE_HOP_PORT;
    this.session = new BfdSession({ localDiscr: opts.localDiscr, desiredMinTx: opts.desiredMinTx, requiredMinRx: opts.requiredMinRx, detectMult: opts.detectMult, passive: opts.passive ?? false });
  }

  start(): void {
    const rx = RawSocket.openUdp(this.family);
    try {
      if (this.family === 6) rx.setOption(LINUX.IPPROTO_IPV6, IPV6_V6ONLY, 1);
      rx.setOption(LINUX.SOL_SOCKET, LINUX.SO_REUSEADDR, 1);
      rx.receiveHopLimit(true);
      if (this.opts.interface) rx.bindToDevice(this.opts.interface);
      rx.bind(this.opts.local, this.port);
      rx.startPolling(() => this.drain());
      this.rx = rx;
      this.tx = this.openTx();
    } catch (err) {
      rx.close();
      this.tx?.close();
      throw err;
    }
    this.apply(this.session.start());
  }

  stop(): void {
    clearTimeout(this.txTimer);
    clearTimeout(this.detectTimer);
    this.rx?.close();
    this.tx?.close();
    this.rx = this.tx = undefined;
  }

  private openTx(): RawSocket {
    const s = RawSocket.openUdp(this.family);
    s.setUnicastHops(SINGLE_HOP_TTL);
    if (this.opts.interface) s.bindToDevice(this.opts.interface);
    const span = SOURCE_PORT_MAX - SOURCE_PORT_MIN + 1;
    const first = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      try {
        s.bind(this.opts.local, SOURCE_PORT_MIN + ((first + i) % span));
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

  private drain(): void {
    for (let i = 0; i < 64 && this.rx; i++) {
      let r;
      try {
        r = this.rx.recvFrom(this.buf);
      } catch {
        this.counters.droppedOther++;
        continue;
      }
      if (!r) return;
      if (r.src !== this.opts.peer && !(this.family === 6 && r.src.toLowerCase() === this.opts.peer.toLowerCase())) {
        this.counters.droppedSession++;
        continue;
      }
      const minTtl = this.opts.multihop ? (this.opts.minTtl ?? 254) : SINGLE_HOP_TTL;
      if (r.hopLimit < minTtl) {
        this.counters.droppedTtl++;
        continue;
      }
      const p = decodeControl(this.buf.subarray(0, r.bytes));
      if (typeof p === 'string') {
        this.counters.droppedDecode++;
        continue;
      }
      this.counters.received++;
      const res = this.session.receive(p);
      if (res.discarded) this.counters.droppedSession++;
      this.apply(res.actions);
    }
  }

  private apply(actions: SessionAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') {
        try {
          this.tx?.sendTo(encodeControl(a.packet), this.opts.peer, 0, this.port);
          this.counters.sent++;
        } catch {
          this.counters.droppedOther++;
        }
      } else if (a.type === 'state') this.onState(a.from, a.to, a.diag);
      else if (a.type === 'tx-timer') {
        clearTimeout(this.txTimer);
        if (a.ms !== undefined) this.txTimer = setTimeout(() => this.apply(this.session.txTimer()), a.ms);
      } else {
        clearTimeout(this.detectTimer);
        if (a.ms !== undefined) this.detectTimer = setTimeout(() => this.apply(this.session.detectTimer()), a.ms);
      }
    }
  }
}
