/**
 * VRRP sockets, one per (interface, family), shared by the instances on that
 * interface and demultiplexed by VRID (as keepalived does).
 *
 * Both families use @hacore/native's RawSocket (protocol 112).
 * IPv4: IP_HDRINCL (the instance builds the header:
 * TOS 0xc0, TTL 255, its own ID counter), SO_BINDTODEVICE, 224.0.0.18 joined
 * on the interface while a multicast instance uses it, multicast TTL 255, loop off.
 * IPv6: sendmsg/recvmsg, because the source address must be chosen per packet (IPV6_PKTINFO) and the received hop limit
 * must be read (IPV6_RECVHOPLIMIT): hop limit 255, traffic class 0xc0,
 * ff02::12 joined on the interface (again only for multicast instances), loop off.
 *
 * Nothing here throws out of the receive path: a packet too short to carry a
 * VRID, or for a VRID nobody runs, is counted here; everything else is handed
 * to the instance, which decodes and validates it.
 */
import { POLL_READABLE, POLL_WRITABLE, RawSocket, ipMreqn } from '@hacore/native';
import { LINUX, attachFilter } from '@hacore/native';
import { clockMs } from './clock.js';
import { FILTER_SAMPLE, vrrpFilterIpv4, vrrpFilterIpv6 } from './vrrp-filter.js';
import { formatIpv6, parseIpv4, parseIpv6 } from '@hacore/core/ip-address';

export const VRRP_PROTOCOL = 112;
export const VRRP_GROUP_V4 = '224.0.0.18';
export const VRRP_GROUP_V6 = 'ff02::12';

/** A packet as received, before decoding. */
export interface RawVrrpPacket {
  family: 4 | 6;
  /** IPv4: the whole IP packet (header included). IPv6: the VRRP message only. */
  bytes: Uint8Array;
  /** Source address (IPv6: from recvmsg). */
  src: string;
  /** IPv6 destination from IPV6_PKTINFO; IPv4 has it in the header. */
  dst?: string;
  /** IPv6 hop limit from IPV6_HOPLIMIT (-1 if the kernel did not report it). */
  hopLimit?: number;
  /** When the socket was found readable (clock.ts): timers armed for this packet count from then. */
  receivedAt?: number;
}

export type ShellDropReason = 'short' | 'unknownVrid' | 'truncated' | 'notOurPeer';

export interface VrrpReceiver {
  onPacket(packet: RawVrrpPacket): void;
}

/** Counters of the interface socket (what no instance could claim). */
export interface TransportCounters {
  received: number;
  sent: number;
  sendErrors: number;
  drops: Record<ShellDropReason, number>;
  /** Packets the kernel filter dropped (other VRIDs and versions), estimated from its 1-in-FILTER_SAMPLE sample (vrrp-filter.ts). */
  filteredEstimate: number;
}

/** VRID of a received packet, or undefined if the bytes are too short to hold one. */
export function peekVrid(family: 4 | 6, bytes: Uint8Array): number | undefined {
  if (family === 4) {
    if (bytes.length < 1) return undefined;
    const ihl = ((bytes[0] as number) & 0x0f) * 4;
    return bytes.length > ihl + 1 ? bytes[ihl + 1] : undefined;
  }
  return bytes.length > 1 ? bytes[1] : undefined;
}

/** An IPv4 advert waiting for room in the socket's send buffer. */
interface QueuedSend {
  buf: Buffer;
  dst: string;
  resolve: (bytes: number) => void;
  reject: (err: Error) => void;
}

const IPPROTO_IP = 0;
const IP_TOS = 1;
const IP_MULTICAST_IF = 32;

/** One socket of one family on one interface. */
export class InterfaceTransport {
  readonly counters: TransportCounters = { received: 0, sent: 0, sendErrors: 0, drops: { short: 0, unknownVrid: 0, truncated: 0, notOurPeer: 0 }, filteredEstimate: 0 };
  /** A kernel filter is attached: a packet of another VRID that arrives is a sample. */
  private filtered = false;
  private readonly receivers = new Map<number, VrrpReceiver>();
  private raw4: RawSocket | undefined;
  /** IPv4 adverts that found the send buffer full, sent in order when it has room. */
  private queue4: QueuedSend[] = [];
  private readonly buf4 = Buffer.alloc(65536);
  private raw6: RawSocket | undefined;
  private readonly buf6 = Buffer.alloc(65536);
  private closed = false;
  /** VRIDs of receivers that use multicast: the group is joined only while there are some. */
  private readonly multicastVrids = new Set<number>();
  private joined = false;
  private repoll: NodeJS.Timeout | undefined;

  constructor(
    readonly ifname: string,
    readonly ifindex: number,
    readonly family: 4 | 6,
    private readonly onError: (err: Error) => void,
  ) {
    if (family === 4) this.open4();
    else this.open6();
  }

  private open4(): void {
    const sock = RawSocket.open(4, VRRP_PROTOCOL);
    try {
      sock.bindToDevice(this.ifname);
      sock.setHeaderIncluded(true);
      sock.setOption(IPPROTO_IP, IP_TOS, 0xc0);
      sock.setMulticastHops(255);
      sock.setMulticastLoop(false);
      sock.setOption(IPPROTO_IP, IP_MULTICAST_IF, this.mreq4());
      sock.startPolling((status, events) => this.onPoll4(sock, status, events));
    } catch (err) {
      sock.close();
      throw err;
    }
    this.raw4 = sock;
  }

  /**
   * Readable: read what is queued (bounded). Writable: flush the adverts that
   * waited for room. A poll error is reported and the socket polled again after a
   * pause (libuv stops a handle after POLLERR), as for IPv6.
   */
  private onPoll4(sock: RawSocket, status: number, events: number): void {
    if (status < 0) {
      this.onError(new Error(`poll error ${status} on the IPv4 VRRP socket of ${this.ifname}; polling again in 1 s`));
      this.read4(sock);
      sock.stopPolling();
      this.repoll ??= setTimeout(() => {
        this.repoll = undefined;
        if (this.closed || this.raw4 !== sock) return;
        try {
          sock.startPolling((st, ev) => this.onPoll4(sock, st, ev), this.queue4.length > 0 ? POLL_READABLE | POLL_WRITABLE : POLL_READABLE);
        } catch (err) {
          this.onError(err as Error);
        }
      }, 1000);
      return;
    }
    if (events & POLL_READABLE) this.read4(sock);
    if (events & POLL_WRITABLE) this.flush4(sock);
  }

  private read4(sock: RawSocket): void {
    const at = clockMs();
    for (let i = 0; i < 64 && this.raw4 === sock; i++) {
      let r;
      try {
        r = sock.recvFrom(this.buf4);
      } catch (err) {
        this.onError(err as Error);
        return;
      }
      if (!r) return;
      // A copy: the instance may keep the bytes beyond this read.
      this.dispatch({ family: 4, bytes: Buffer.from(this.buf4.subarray(0, r.bytes)), src: r.src, receivedAt: at });
    }
  }

  private flush4(sock: RawSocket): void {
    while (this.queue4.length > 0) {
      const q = this.queue4[0]!;
      let n: number;
      try {
        n = sock.sendTo(q.buf, q.dst);
      } catch (err) {
        if ((err as { code?: string }).code === 'EAGAIN') return;
        this.queue4.shift();
        this.counters.sendErrors++;
        q.reject(err as Error);
        continue;
      }
      this.queue4.shift();
      this.counters.sent++;
      q.resolve(n);
    }
    if (!sock.isClosed && sock.polling) sock.setPollEvents(POLL_READABLE);
  }

  private open6(): void {
    const sock = RawSocket.open(6, VRRP_PROTOCOL);
    try {
      sock.bindToDevice(this.ifname);
      sock.setMulticastHops(255);
      sock.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_UNICAST_HOPS, 255);
      sock.setMulticastLoop(false);
      sock.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_MULTICAST_IF, this.ifindex);
      sock.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_TCLASS, 0xc0);
      sock.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_RECVHOPLIMIT, 1);
      sock.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_RECVPKTINFO, 1);
      sock.startPolling((status) => this.onPoll6(status));
    } catch (err) {
      sock.close();
      throw err;
    }
    this.raw6 = sock;
  }

  /** struct ip_mreqn { imr_multiaddr, imr_address, imr_ifindex }: this interface only. */
  private mreq4(): Buffer {
    return ipMreqn(parseIpv4(VRRP_GROUP_V4)!, this.ifindex);
  }

  /**
   * Joins 224.0.0.18 / ff02::12 on the interface while a receiver uses multicast
   * and leaves it when none does: an interface with only unicast instances does
   * not listen to (nor report membership of) the VRRP group, as in keepalived.
   */
  private setMembership(join: boolean): void {
    if (join === this.joined || this.closed) return;
    if (this.family === 4) this.raw4?.setMembership(parseIpv4(VRRP_GROUP_V4)!, this.ifindex, join);
    else this.raw6?.setMembership(parseIpv6(VRRP_GROUP_V6)!, this.ifindex, join);
    this.joined = join;
  }

  /** Whether the socket is in the VRRP multicast group now. */
  get multicastJoined(): boolean {
    return this.joined;
  }

  /**
   * libuv stops a poll handle for good after POLLERR (status < 0): a socket left
   * so would go deaf without a word, and a deaf Backup takes the VIPs beside the
   * Master. Report it, read what is queued, and poll again after a pause.
   */
  private onPoll6(status: number): void {
    if (status >= 0) {
      this.read6();
      return;
    }
    this.onError(new Error(`poll error ${status} on the IPv6 VRRP socket of ${this.ifname}; polling again in 1 s`));
    this.read6();
    const sock = this.raw6;
    sock?.stopPolling();
    this.repoll ??= setTimeout(() => {
      this.repoll = undefined;
      if (this.closed || !sock || this.raw6 !== sock) return;
      try {
        sock.startPolling((st) => this.onPoll6(st));
      } catch (err) {
        this.onError(err as Error);
      }
    }, 1000);
  }

  private read6(): void {
    const at = clockMs();
    // Drain what is queued, bounded so one busy socket cannot starve the loop.
    for (let i = 0; i < 64 && this.raw6 !== undefined; i++) {
      let r;
      try {
        r = this.raw6.recvFrom(this.buf6);
      } catch (err) {
        this.onError(err as Error);
        return;
      }
      if (!r) return;
      if (r.truncated) {
        this.counters.received++;
        this.counters.drops.truncated++;
        continue;
      }
      const pkt: RawVrrpPacket = {
        family: 6,
        bytes: this.buf6.subarray(0, r.bytes),
        src: formatIpv6(r.srcBytes),
        hopLimit: r.hopLimit,
        receivedAt: at,
      };
      if (r.dst) pkt.dst = formatIpv6(r.dst);
      this.dispatch(pkt);
    }
  }

  private dispatch(pkt: RawVrrpPacket): void {
    this.counters.received++;
    const vrid = peekVrid(pkt.family, pkt.bytes);
    if (vrid === undefined) {
      this.counters.drops.short++;
      return;
    }
    const rx = this.receivers.get(vrid);
    if (!rx) {
      this.counters.drops.unknownVrid++;
      if (this.filtered) this.counters.filteredEstimate += FILTER_SAMPLE - 1;
      return;
    }
    try {
      rx.onPacket(pkt);
    } catch (err) {
      // A receiver must not throw; if it does, the socket keeps working.
      this.onError(err as Error);
    }
  }

  /** `multicast`: the receiver's instance sends and expects multicast adverts (no unicastPeers). */
  addReceiver(vrid: number, rx: VrrpReceiver, multicast = true): void {
    if (this.receivers.has(vrid)) throw new Error(`VRID ${vrid} already runs on ${this.ifname} (IPv${this.family})`);
    if (multicast) this.setMembership(true);
    this.receivers.set(vrid, rx);
    if (multicast) this.multicastVrids.add(vrid);
    this.updateFilter();
  }

  /**
   * The kernel drops what no receiver here can accept (vrrp-filter.ts); kept in
   * step with the receivers, so a reload that adds a VRID hears it at once. A
   * filter that cannot be attached is reported and the socket stays unfiltered.
   */
  private updateFilter(): void {
    const sock = this.family === 4 ? this.raw4 : this.raw6;
    if (!sock || this.closed || this.receivers.size === 0) return;
    const vrids = [...this.receivers.keys()];
    try {
      attachFilter(sock.fd, this.family === 4 ? vrrpFilterIpv4(vrids) : vrrpFilterIpv6(vrids));
      this.filtered = true;
    } catch (err) {
      this.filtered = false;
      this.onError(new Error(`cannot attach the VRRP socket filter on ${this.ifname}: ${(err as Error).message}; every packet reaches the process`));
    }
  }

  removeReceiver(vrid: number): void {
    this.receivers.delete(vrid);
    this.updateFilter();
    this.multicastVrids.delete(vrid);
    if (this.multicastVrids.size === 0) {
      try {
        this.setMembership(false);
      } catch (err) {
        this.onError(err as Error);
      }
    }
  }

  get receiverCount(): number {
    return this.receivers.size;
  }

  /** The socket's file descriptor while open (stop-adverts.ts sends from it in the signal handler). */
  get fd(): number | undefined {
    if (this.closed) return undefined;
    return (this.family === 4 ? this.raw4 : this.raw6)?.fd;
  }

  /**
   * IPv4, the common case without a promise: sends `packet` now and returns the
   * bytes sent, or undefined when it cannot leave now (a full send buffer, or
   * adverts already queued); then send4() queues it. Throws on a socket error.
   */
  trySend4(packet: Uint8Array, dst: string): number | undefined {
    const sock = this.raw4;
    if (!sock || this.closed) throw new Error(`transport ${this.ifname}/4 is closed`);
    if (this.queue4.length > 0) return undefined;
    try {
      const sent = sock.sendTo(packet, dst);
      this.counters.sent++;
      return sent;
    } catch (err) {
      if ((err as { code?: string }).code === 'EAGAIN') return undefined;
      this.counters.sendErrors++;
      throw err;
    }
  }

  /**
   * IPv4: sends a whole IP packet (header built by the caller) to `dst`.
   * Resolves with the bytes sent; rejects on a socket error.
   */
  send4(packet: Uint8Array, dst: string): Promise<number> {
    const sock = this.raw4;
    if (!sock || this.closed) return Promise.reject(new Error(`transport ${this.ifname}/4 is closed`));
    const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    // Send now: a priority-0 or answering advert should not wait behind the rest
    // of this turn of the event loop. A full send buffer (EAGAIN) queues it until
    // the socket is writable; while the queue holds anything, queue behind it so
    // adverts never leave out of order (a priority-0 advert overtaken by an older
    // one would delay the takeover).
    if (this.queue4.length === 0) {
      try {
        const sent = sock.sendTo(buf, dst);
        this.counters.sent++;
        return Promise.resolve(sent);
      } catch (err) {
        if ((err as { code?: string }).code !== 'EAGAIN') {
          this.counters.sendErrors++;
          return Promise.reject(err as Error);
        }
      }
    }
    return new Promise((resolve, reject) => {
      this.queue4.push({ buf: Buffer.from(buf), dst, resolve, reject });
      if (sock.polling) sock.setPollEvents(POLL_READABLE | POLL_WRITABLE);
    });
  }

  /** IPv6: sends a VRRP message from `src` (link-local or unicastSource) to `dst`, hop limit 255. Synchronous. */
  send6(message: Uint8Array, dst: string, src: string): number {
    if (!this.raw6 || this.closed) throw new Error(`transport ${this.ifname}/6 is closed`);
    const d = parseIpv6(dst);
    const s = parseIpv6(src);
    if (!d || !s) throw new Error(`bad IPv6 address: ${d ? src : dst}`);
    try {
      const n = this.raw6.sendMsg6(message, d, this.ifindex, s, 255);
      this.counters.sent++;
      return n;
    } catch (err) {
      this.counters.sendErrors++;
      throw err;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.raw4) {
      this.raw4.close();
      this.raw4 = undefined;
    }
    const queued = this.queue4;
    this.queue4 = [];
    for (const q of queued) q.reject(new Error(`transport ${this.ifname}/4 is closed`));
    clearTimeout(this.repoll);
    this.repoll = undefined;
    if (this.raw6) {
      this.raw6.close();
      this.raw6 = undefined;
    }
  }
}

/** The sockets of a process, shared by instances: opened on first use, closed with the last user. */
export class TransportRegistry {
  private readonly sockets = new Map<string, InterfaceTransport>();

  constructor(private readonly onError: (ifname: string, err: Error) => void) {}

  acquire(ifname: string, ifindex: number, family: 4 | 6, vrid: number, rx: VrrpReceiver, multicast = true): InterfaceTransport {
    const key = `${ifname}/${family}`;
    let t = this.sockets.get(key);
    if (t && t.ifindex !== ifindex) {
      // The interface was re-created with a new index: the old socket is bound to nothing.
      t.close();
      this.sockets.delete(key);
      t = undefined;
    }
    if (!t) {
      t = new InterfaceTransport(ifname, ifindex, family, (err) => this.onError(ifname, err));
      this.sockets.set(key, t);
    }
    try {
      t.addReceiver(vrid, rx, multicast);
    } catch (err) {
      // A socket nobody uses must not stay open (e.g. the group join failed).
      if (t.receiverCount === 0) {
        t.close();
        this.sockets.delete(key);
      }
      throw err;
    }
    return t;
  }

  release(t: InterfaceTransport, vrid: number): void {
    t.removeReceiver(vrid);
    if (t.receiverCount === 0) {
      t.close();
      const key = `${t.ifname}/${t.family}`;
      if (this.sockets.get(key) === t) this.sockets.delete(key);
    }
  }

  all(): InterfaceTransport[] {
    return [...this.sockets.values()];
  }

  closeAll(): void {
    for (const t of this.sockets.values()) t.close();
    this.sockets.clear();
  }
}
