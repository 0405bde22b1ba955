/**
 * VRRP sockets, one per (interface, family), shared by the instances on that
 * interface and demultiplexed by VRID (as keepalived does).
 *
 * IPv4: raw-socket, protocol 112, IP_HDRINCL (the instance builds the header:
 * TOS 0xc0, TTL 255, its own ID counter), SO_BINDTODEVICE, 224.0.0.18 joined
 * on the interface while a multicast instance uses it, multicast TTL 255, loop off.
 * IPv6: the hacore_vrrp addon (raw socket, protocol 112) because the source
 * address must be chosen per packet (IPV6_PKTINFO) and the received hop limit
 * must be read (IPV6_RECVHOPLIMIT): hop limit 255, traffic class 0xc0,
 * ff02::12 joined on the interface (again only for multicast instances), loop off.
 *
 * Nothing here throws out of the receive path: a packet too short to carry a
 * VRID, or for a VRID nobody runs, is counted here; everything else is handed
 * to the instance, which decodes and validates it.
 */
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { LINUX, ifnameBuffer, nativeBinding } from './link-native.js';
import { formatIpv6, parseIpv4, parseIpv6 } from './ip-address.js';

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

const require = createRequire(import.meta.url);
interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv4: number; IPv6: number };
  SocketLevel: Record<string, number>;
  SocketOption: Record<string, number>;
}
interface RawSocket extends EventEmitter {
  /** raw-socket's native handle: `send` there calls sendto() at once and its callback synchronously. */
  wrap?: { send(buffer: Buffer, offset: number, length: number, address: string, done: (bytes: number) => void): void };
  /** raw-socket's queue of sends waiting for the socket to become writable. */
  requests?: unknown[];
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  send(buffer: Buffer, offset: number, length: number, address: string, after: (error: Error | null, bytes: number) => void): void;
  close(): void;
}

const IPPROTO_IP = 0;
const IP_TOS = 1;
const IP_HDRINCL = 3;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_TTL = 33;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IP_DROP_MEMBERSHIP = 36;

/** One socket of one family on one interface. */
export class InterfaceTransport {
  readonly counters: TransportCounters = { received: 0, sent: 0, sendErrors: 0, drops: { short: 0, unknownVrid: 0, truncated: 0, notOurPeer: 0 } };
  private readonly receivers = new Map<number, VrrpReceiver>();
  private raw4: RawSocket | undefined;
  private fd6: number | undefined;
  private poll6: object | undefined;
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
    const raw = require('raw-socket') as RawSocketModule;
    const sock = raw.createSocket({ protocol: VRRP_PROTOCOL, addressFamily: raw.AddressFamily.IPv4, bufferSize: 65536 });
    try {
      const dev = ifnameBuffer(this.ifname);
      sock.setOption(raw.SocketLevel.SOL_SOCKET ?? 1, raw.SocketOption.SO_BINDTODEVICE ?? 25, dev, dev.length);
      sock.setOption(IPPROTO_IP, IP_HDRINCL, 1);
      sock.setOption(IPPROTO_IP, IP_TOS, 0xc0);
      sock.setOption(IPPROTO_IP, IP_MULTICAST_TTL, 255);
      sock.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, 0);
      const mreqn = this.mreq4();
      sock.setOption(IPPROTO_IP, IP_MULTICAST_IF, mreqn, 12);
    } catch (err) {
      sock.close();
      throw err;
    }
    sock.on('message', (buffer: Buffer, source: string) => this.dispatch({ family: 4, bytes: buffer, src: source }));
    sock.on('error', (err: Error) => this.onError(err));
    this.raw4 = sock;
  }

  private open6(): void {
    const n = nativeBinding();
    const fd = n.socket(LINUX.AF_INET6, LINUX.SOCK_RAW, VRRP_PROTOCOL);
    try {
      n.setsockopt(fd, LINUX.SOL_SOCKET, LINUX.SO_BINDTODEVICE, ifnameBuffer(this.ifname));
      n.setsockopt(fd, LINUX.IPPROTO_IPV6, LINUX.IPV6_MULTICAST_HOPS, 255);
      n.setsockopt(fd, LINUX.IPPROTO_IPV6, LINUX.IPV6_UNICAST_HOPS, 255);
      n.setsockopt(fd, LINUX.IPPROTO_IPV6, LINUX.IPV6_MULTICAST_LOOP, 0);
      n.setsockopt(fd, LINUX.IPPROTO_IPV6, LINUX.IPV6_MULTICAST_IF, this.ifindex);
      n.setsockopt(fd, LINUX.IPPROTO_IPV6, LINUX.IPV6_TCLASS, 0xc0);
      n.setsockopt(fd, LINUX.IPPROTO_IPV6, LINUX.IPV6_RECVHOPLIMIT, 1);
      n.setsockopt(fd, LINUX.IPPROTO_IPV6, LINUX.IPV6_RECVPKTINFO, 1);
      this.poll6 = n.poll(fd, (status) => this.onPoll6(status));
    } catch (err) {
      n.close(fd);
      throw err;
    }
    this.fd6 = fd;
  }

  /** struct ip_mreqn { imr_multiaddr, imr_address, imr_ifindex }: this interface only. */
  private mreq4(): Buffer {
    const mreqn = Buffer.alloc(12);
    Buffer.from(parseIpv4(VRRP_GROUP_V4)!).copy(mreqn, 0);
    mreqn.writeInt32LE(this.ifindex, 8);
    return mreqn;
  }

  /**
   * Joins 224.0.0.18 / ff02::12 on the interface while a receiver uses multicast
   * and leaves it when none does: an interface with only unicast instances does
   * not listen to (nor report membership of) the VRRP group, as in keepalived.
   */
  private setMembership(join: boolean): void {
    if (join === this.joined || this.closed) return;
    if (this.family === 4) {
      this.raw4?.setOption(IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, this.mreq4(), 12);
    } else if (this.fd6 !== undefined) {
      // struct ipv6_mreq { in6_addr, int ifindex }
      const mreq = Buffer.alloc(20);
      Buffer.from(parseIpv6(VRRP_GROUP_V6)!).copy(mreq, 0);
      mreq.writeInt32LE(this.ifindex, 16);
      nativeBinding().setsockopt(this.fd6, LINUX.IPPROTO_IPV6, join ? LINUX.IPV6_JOIN_GROUP : LINUX.IPV6_LEAVE_GROUP, mreq);
    }
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
    const n = nativeBinding();
    if (this.poll6) n.unpoll(this.poll6);
    this.poll6 = undefined;
    this.repoll ??= setTimeout(() => {
      this.repoll = undefined;
      if (this.closed || this.fd6 === undefined) return;
      try {
        this.poll6 = n.poll(this.fd6, (st) => this.onPoll6(st));
      } catch (err) {
        this.onError(err as Error);
      }
    }, 1000);
  }

  private read6(): void {
    const n = nativeBinding();
    // Drain what is queued, bounded so one busy socket cannot starve the loop.
    for (let i = 0; i < 64 && this.fd6 !== undefined; i++) {
      let r;
      try {
        r = n.recv6(this.fd6, this.buf6);
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
        src: formatIpv6(r.src),
        hopLimit: r.hopLimit,
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
  }

  removeReceiver(vrid: number): void {
    this.receivers.delete(vrid);
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

  /**
   * IPv4: sends a whole IP packet (header built by the caller) to `dst`.
   * Resolves with the bytes sent; rejects on a socket error.
   */
  send4(packet: Uint8Array, dst: string): Promise<number> {
    const sock = this.raw4;
    if (!sock || this.closed) return Promise.reject(new Error(`transport ${this.ifname}/4 is closed`));
    const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
    // Send now rather than on the next writable poll: a priority-0 or answering
    // advert should not wait behind the rest of this turn of the event loop.
    // raw-socket's queue (below) stays the fallback, e.g. when the buffer is full;
    // while it holds anything, queue behind it so adverts never leave out of order
    // (a priority-0 advert overtaken by an older one would delay the takeover).
    if (sock.wrap && typeof sock.wrap.send === 'function' && (sock.requests?.length ?? 0) === 0) {
      try {
        let sent = -1;
        sock.wrap.send(buf, 0, buf.length, dst, (bytes) => (sent = bytes));
        if (sent >= 0) {
          this.counters.sent++;
          return Promise.resolve(sent);
        }
      } catch {
        // EAGAIN and friends: queue it
      }
    }
    return new Promise((resolve, reject) => {
      sock.send(buf, 0, buf.length, dst, (err, bytes) => {
        if (err) {
          this.counters.sendErrors++;
          reject(err);
        } else {
          this.counters.sent++;
          resolve(bytes);
        }
      });
    });
  }

  /** IPv6: sends a VRRP message from `src` (link-local or unicastSource) to `dst`, hop limit 255. Synchronous. */
  send6(message: Uint8Array, dst: string, src: string): number {
    if (this.fd6 === undefined || this.closed) throw new Error(`transport ${this.ifname}/6 is closed`);
    const d = parseIpv6(dst);
    const s = parseIpv6(src);
    if (!d || !s) throw new Error(`bad IPv6 address: ${d ? src : dst}`);
    try {
      const n = nativeBinding().send6(this.fd6, d, this.ifindex, message, s, 255);
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
    clearTimeout(this.repoll);
    this.repoll = undefined;
    if (this.fd6 !== undefined) {
      const n = nativeBinding();
      if (this.poll6) n.unpoll(this.poll6);
      n.close(this.fd6);
      this.fd6 = undefined;
      this.poll6 = undefined;
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
