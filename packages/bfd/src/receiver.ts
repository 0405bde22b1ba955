/**
 * One receive socket per local address, port and interface, shared by every
 * session on it (RFC 5881: all sessions arrive on 3784). A packet goes to its
 * session by Your Discriminator, or, while that is still zero, by the source
 * address (6.8.6). The received TTL / hop limit is handed on with it: whether
 * it is acceptable depends on the session (single hop or multihop).
 */
import { LINUX, RawSocket, type Family } from '@hacore/native';
import { decodeControl, type ControlPacket, type DecodeError } from './codec.js';

const IPV6_V6ONLY = 26;

/** What a session registers with the receiver. */
export interface ReceiverMember {
  readonly localDiscr: number;
  /** The peer's address, canonical (see canonicalAddress). */
  readonly peer: string;
  deliver(packet: ControlPacket, hopLimit: number): void;
  /** A packet from this peer that did not decode. */
  malformed(): void;
  /** recvFrom failed. */
  failed?(): void;
}

export interface ReceiverCounters {
  /** Packets that matched no session (unknown discriminator or source). */
  unknownSession: number;
  /** Undecodable packets from an address no session has. */
  droppedDecode: number;
  received: number;
  /** Every undecodable packet (whichever address it came from), by the codec's reason. */
  decodeErrors: Record<DecodeErrorKey, number>;
}

/** The codec's reasons as status and metric keys. */
export const DECODE_ERROR_KEYS = {
  short: 'short',
  'bad version': 'badVersion',
  'bad length': 'badLength',
  'length exceeds payload': 'lengthExceedsPayload',
  'zero detect multiplier': 'zeroDetectMult',
  'multipoint set': 'multipoint',
  'zero my discriminator': 'zeroMyDiscr',
  'bad auth section': 'badAuth',
} as const satisfies Record<DecodeError, string>;
export type DecodeErrorKey = (typeof DECODE_ERROR_KEYS)[DecodeError];

/** A receive socket's row in `hacore status`. */
export interface ReceiverStatus {
  family: Family;
  local: string;
  port: number;
  interface?: string;
  counters: ReceiverCounters;
}

/** The canonical text of an address, so `2001:db8::0:1` and `2001:db8::1` are one peer. */
export function canonicalAddress(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase();
  }
}

const receivers = new Map<string, BfdReceiver>();

export class BfdReceiver {
  readonly counters: ReceiverCounters = {
    unknownSession: 0,
    droppedDecode: 0,
    received: 0,
    decodeErrors: Object.fromEntries(Object.values(DECODE_ERROR_KEYS).map((k) => [k, 0])) as Record<DecodeErrorKey, number>,
  };
  private readonly byDiscr = new Map<number, ReceiverMember>();
  private readonly byPeer = new Map<string, ReceiverMember[]>();
  private readonly buf = Buffer.alloc(512);
  private socket: RawSocket | undefined;

  private constructor(
    readonly key: string,
    readonly family: Family,
    readonly local: string,
    readonly port: number,
    readonly ifname: string | undefined,
  ) {
    const rx = RawSocket.openUdp(family);
    try {
      if (family === 6) rx.setOption(LINUX.IPPROTO_IPV6, IPV6_V6ONLY, 1);
      rx.setOption(LINUX.SOL_SOCKET, LINUX.SO_REUSEADDR, 1);
      rx.receiveHopLimit(true);
      if (ifname) rx.bindToDevice(ifname);
      rx.bind(local, port);
      rx.startPolling(() => this.drain());
    } catch (err) {
      rx.close();
      throw err;
    }
    this.socket = rx;
  }

  /** The receiver for this local address, port and interface, opened on first use. */
  static acquire(family: Family, local: string, port: number, ifname: string | undefined): BfdReceiver {
    const key = `${family}|${canonicalAddress(local)}|${port}|${ifname ?? ''}`;
    let r = receivers.get(key);
    if (!r) {
      r = new BfdReceiver(key, family, local, port, ifname);
      receivers.set(key, r);
    }
    return r;
  }

  /** Every receive socket open in this process, with its counters. */
  static status(): ReceiverStatus[] {
    return [...receivers.values()].map((r) => ({
      family: r.family,
      local: r.local,
      port: r.port,
      ...(r.ifname !== undefined ? { interface: r.ifname } : {}),
      counters: { ...r.counters, decodeErrors: { ...r.counters.decodeErrors } },
    }));
  }

  /** How many receive sockets are open in this process (for leak tests). */
  static openCount(): number {
    return receivers.size;
  }

  add(m: ReceiverMember): void {
    if (this.byDiscr.has(m.localDiscr)) throw new RangeError(`local discriminator ${m.localDiscr} is already in use`);
    this.byDiscr.set(m.localDiscr, m);
    const list = this.byPeer.get(m.peer) ?? [];
    list.push(m);
    this.byPeer.set(m.peer, list);
  }

  /** Removes a session; the socket closes with the last one. */
  remove(m: ReceiverMember): void {
    if (this.byDiscr.get(m.localDiscr) === m) this.byDiscr.delete(m.localDiscr);
    const list = (this.byPeer.get(m.peer) ?? []).filter((x) => x !== m);
    if (list.length > 0) this.byPeer.set(m.peer, list);
    else this.byPeer.delete(m.peer);
    if (this.byDiscr.size === 0) {
      this.socket?.close();
      this.socket = undefined;
      receivers.delete(this.key);
    }
  }

  private drain(): void {
    for (let i = 0; i < 256 && this.socket; i++) {
      let r;
      try {
        r = this.socket.recvFrom(this.buf);
      } catch {
        for (const m of this.byDiscr.values()) m.failed?.();
        return;
      }
      if (!r) return;
      this.counters.received++;
      const src = canonicalAddress(r.src);
      const p = decodeControl(this.buf.subarray(0, r.bytes));
      if (typeof p === 'string') {
        this.counters.decodeErrors[DECODE_ERROR_KEYS[p]]++;
        const m = this.byPeer.get(src)?.[0];
        if (m) m.malformed();
        else this.counters.droppedDecode++;
        continue;
      }
      // By discriminator once the peer knows ours; the session checks the source is its peer.
      let m = p.yourDiscr !== 0 ? this.byDiscr.get(p.yourDiscr) : this.byPeer.get(src)?.[0];
      if (m && m.peer !== src) m = undefined;
      if (!m) {
        this.counters.unknownSession++;
        continue;
      }
      m.deliver(p, r.hopLimit);
    }
  }
}
