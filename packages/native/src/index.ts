/**
 * @hacore/native: the small N-API addon hacore needs for what Node.js cannot
 * do itself, and a typed wrapper around it.
 *
 * - {@link RawSocket}: raw IP sockets (ICMP, ICMPv6, VRRP protocol 112) with
 *   socket options (SO_BINDTODEVICE, multicast membership, TTL / hop limit,
 *   IP_HDRINCL), sendto/recvmsg with the IPv6 ancillary data (received hop
 *   limit and destination), sendmsg with a per-packet IPv6 source, and event
 *   driven reads and writes through a libuv poll handle.
 * - {@link PacketSocket}: whole Ethernet frames (gratuitous ARP, unsolicited NA).
 * - {@link setRealtime} / {@link setNice}: SCHED_RR and the nice value.
 *
 * The addon is loaded with node-gyp-build: a build in build/Release (the
 * monorepo compiles one), else the prebuild in prebuilds/<platform>-<arch> that
 * the npm tarball carries. Errors thrown by the calls carry the errno name as
 * `code` (EPERM, EAGAIN, ENODEV, ...).
 */
import { createRequire } from 'node:module';
import { setPriority } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type Family = 4 | 6;

/** What `recvFrom` returns for one packet. */
export interface RecvResult {
  /** Bytes written into the buffer (IPv4: the IP header is included, as raw sockets give it). */
  bytes: number;
  /** Source address as inet_ntop writes it. */
  src: string;
  /** Source address, 4 or 16 bytes. */
  srcBytes: Buffer;
  /** IPv6 destination (IPV6_RECVPKTINFO set), 16 bytes. */
  dst?: Buffer;
  /** IPv6 hop limit (IPV6_RECVHOPLIMIT set), or the IPv4 TTL (IP_RECVTTL set, UDP sockets), else -1. */
  hopLimit: number;
  /** Source port (UDP), 0 for raw sockets. */
  srcPort: number;
  /** Interface the packet came in on (IPV6_RECVPKTINFO set), else 0. */
  ifindex: number;
  /** The packet was longer than the buffer. */
  truncated: boolean;
}

/** An opaque libuv poll handle. */
export type PollHandle = object & { readonly __pollHandle?: never };

/** The addon's own functions, one per system call; {@link RawSocket} and {@link PacketSocket} wrap them. */
export interface AddonBinding {
  /** socket(2), always SOCK_NONBLOCK | SOCK_CLOEXEC. */
  socket(family: number, type: number, protocol: number): number;
  /** setsockopt(2) with an int or a struct given as bytes. */
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  /** sendto(2) to an IPv4 or IPv6 address in text (an IPv6 `%zone` is honoured); `scopeId` otherwise. */
  sendTo(fd: number, buffer: Uint8Array, address: string, scopeId?: number, port?: number): number;
  /** bind(2) to an IPv4 or IPv6 address in text and a port. */
  bind(fd: number, address: string, port: number, scopeId?: number): void;
  /** sendmsg(2) on an IPv6 socket with IPV6_PKTINFO (source, interface) and IPV6_HOPLIMIT (-1: the socket's). */
  send6(fd: number, dst: Uint8Array, ifindex: number, payload: Uint8Array, src: Uint8Array | null, hopLimit: number): number;
  /** recvmsg(2); null when nothing is queued. */
  recvFrom(fd: number, buffer: Buffer): RecvResult | null;
  /** sendto(2) of a whole Ethernet frame on a packet socket, out of `ifindex`. */
  sendFrame(fd: number, ifindex: number, frame: Uint8Array): number;
  /** A libuv poll handle on `fd` for `events` (1 readable, 2 writable, 3 both). */
  poll(fd: number, events: number, onEvent: (status: number, events: number) => void): PollHandle;
  /** Changes the events a live handle waits for. */
  pollEvents(handle: PollHandle, events: number): void;
  /** Stops and releases a handle (before close(fd)); a second call throws ERR_INVALID_STATE. */
  unpoll(handle: PollHandle): void;
  close(fd: number): void;
  /** SCHED_RR at `priority` (0: back to SCHED_OTHER) with RLIMIT_RTTIME `rttimeLimitUs`. */
  setRealtime(priority: number, rttimeLimitUs: number): void;
  /** One datagram to an AF_UNIX SOCK_DGRAM socket (a leading '@': abstract), from a fresh socket. */
  sendUnixDatagram(path: string, message: Uint8Array): number;
  /** Puts the stop handler in front of SIGTERM's and SIGINT's (chaining to the one it replaces). */
  installStopSignals(): void;
  /** The datagrams the stop handler sends (replaces the whole table). */
  setStopFrames(frames: StopFrame[]): void;
  /** Keys of the frames the stop handler sent; empty until SIGTERM/SIGINT came. */
  stopFramesSent(): number[];
  /** Pids the stop handler passes SIGTERM on to (installs the handler). */
  setSignalForward(pids: number[]): void;
  /** SO_ATTACH_FILTER: a classic BPF program, 8 bytes per instruction in host order. */
  attachFilter(fd: number, program: Buffer): void;
  /** SO_DETACH_FILTER. */
  detachFilter(fd: number): void;
  /** timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC). */
  timerfdCreate(): number;
  /** One expiry at an absolute deadline on monotonicMs()'s clock; 0 disarms. */
  timerfdArm(fd: number, deadlineMs: number): void;
  /** Expirations since the last read; 0 when none. */
  timerfdRead(fd: number): number;
  /** CLOCK_MONOTONIC in (fractional) milliseconds. */
  monotonicMs(): number;
}

/** A datagram the SIGTERM/SIGINT handler sends itself (see {@link setStopFrames}). */
export interface StopFrame {
  /** Returned by {@link stopFramesSent} once sent. */
  key: number;
  /** A raw socket's fd (IPv4 with IP_HDRINCL: bytes carry the IP header). */
  fd: number;
  family: Family;
  bytes: Buffer;
  /** Destination address in text. */
  dst: string;
  /** IPv6: the interface (IPV6_PKTINFO and the destination's scope). */
  ifindex?: number;
  /** IPv6: the source address (IPV6_PKTINFO). */
  src16?: Buffer;
}

/** Linux constants used with the addon (include/uapi/linux/*.h). */
export const LINUX = {
  AF_INET: 2,
  AF_INET6: 10,
  AF_PACKET: 17,
  SOCK_DGRAM: 2,
  SOCK_RAW: 3,
  IPPROTO_UDP: 17,
  IP_RECVTTL: 12,
  SOL_SOCKET: 1,
  SO_REUSEADDR: 2,
  SO_SNDBUF: 7,
  SO_RCVBUF: 8,
  SO_BINDTODEVICE: 25,
  SO_SNDBUFFORCE: 32,
  SO_RCVBUFFORCE: 33,
  IPPROTO_IP: 0,
  IP_TOS: 1,
  IP_TTL: 2,
  IP_HDRINCL: 3,
  IP_MULTICAST_IF: 32,
  IP_MULTICAST_TTL: 33,
  IP_MULTICAST_LOOP: 34,
  IP_ADD_MEMBERSHIP: 35,
  IP_DROP_MEMBERSHIP: 36,
  IPPROTO_ICMP: 1,
  IPPROTO_IPV6: 41,
  IPPROTO_ICMPV6: 58,
  IPPROTO_VRRP: 112,
  IPV6_UNICAST_HOPS: 16,
  IPV6_MULTICAST_IF: 17,
  IPV6_MULTICAST_HOPS: 18,
  IPV6_MULTICAST_LOOP: 19,
  IPV6_JOIN_GROUP: 20,
  IPV6_LEAVE_GROUP: 21,
  IPV6_HDRINCL: 36,
  IPV6_RECVPKTINFO: 49,
  IPV6_RECVHOPLIMIT: 51,
  IPV6_TCLASS: 67,
  SOL_RAW: 255,
  ICMP_FILTER: 1,
  ICMP6_FILTER: 1,
  ETH_P_ALL: 0x0003,
} as const;

/** Poll events (libuv's UV_READABLE, UV_WRITABLE). */
export const POLL_READABLE = 1;
export const POLL_WRITABLE = 2;

/** The addon could not be loaded: no prebuild fits and none was compiled. */
export class NativeUnavailableError extends Error {
  readonly code = 'HACORE_ERR_NATIVE_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NativeUnavailableError';
  }
}

/** An error from a system call: `code` is the errno name. */
export interface NativeCallError extends Error {
  code: string;
}

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '../..');
let loaded: { binding: AddonBinding; path: string } | Error | undefined;

function load(): { binding: AddonBinding; path: string } {
  if (loaded === undefined) {
    const require = createRequire(import.meta.url);
    try {
      const gypBuild = require('node-gyp-build') as { resolve(dir: string): string };
      const path = gypBuild.resolve(packageDir);
      loaded = { binding: require(path) as AddonBinding, path };
    } catch (err) {
      loaded = new NativeUnavailableError(
        `the @hacore/native addon cannot be loaded on ${process.platform}-${process.arch} (${(err as Error).message}): ` +
          'no prebuild fits and none was compiled; `npm rebuild @hacore/native` compiles it (needs a C compiler, make and python3)',
        { cause: err },
      );
    }
  }
  if (loaded instanceof Error) throw loaded;
  return loaded;
}

/** The addon's functions, loaded once; throws {@link NativeUnavailableError}. */
export function addon(): AddonBinding {
  return load().binding;
}

/** The file the addon was loaded from (a prebuild or build/Release). */
export function addonPath(): string {
  return load().path;
}

/** `name` as a NUL-terminated buffer for SO_BINDTODEVICE. */
export function ifnameBuffer(name: string): Buffer {
  return Buffer.from(`${name}\0`, 'latin1');
}

/**
 * A raw IP socket (non-blocking, close-on-exec). Reads and writes are event
 * driven through {@link RawSocket.startPolling}; every call throws an error
 * whose `code` is the errno name.
 */
export class RawSocket {
  private poller: PollHandle | undefined;
  private events = 0;
  private closed = false;

  private constructor(
    readonly fd: number,
    readonly family: Family,
    readonly protocol: number,
  ) {}

  /** socket(AF_INET or AF_INET6, SOCK_RAW, protocol). Needs CAP_NET_RAW (EPERM otherwise). */
  static open(family: Family, protocol: number): RawSocket {
    const fd = addon().socket(family === 4 ? LINUX.AF_INET : LINUX.AF_INET6, LINUX.SOCK_RAW, protocol);
    return new RawSocket(fd, family, protocol);
  }

  /**
   * socket(AF_INET or AF_INET6, SOCK_DGRAM, UDP): a UDP socket with this class's
   * calls, for what dgram cannot do (the received TTL / hop limit, BFD's RFC 5881 check).
   */
  static openUdp(family: Family): RawSocket {
    const fd = addon().socket(family === 4 ? LINUX.AF_INET : LINUX.AF_INET6, LINUX.SOCK_DGRAM, LINUX.IPPROTO_UDP);
    return new RawSocket(fd, family, LINUX.IPPROTO_UDP);
  }

  /** bind(2) to a local address (text, IPv6 zone accepted) and port. */
  bind(address: string, port: number): void {
    addon().bind(this.fd, address, port);
  }

  /** Report the received TTL (IPv4, IP_RECVTTL) or hop limit (IPv6, IPV6_RECVHOPLIMIT) in recvFrom's hopLimit. */
  receiveHopLimit(on: boolean): void {
    if (this.family === 4) this.setOption(LINUX.IPPROTO_IP, LINUX.IP_RECVTTL, on ? 1 : 0);
    else this.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_RECVHOPLIMIT, on ? 1 : 0);
  }

  /** Unicast TTL / hop limit of what is sent (IP_TTL, IPV6_UNICAST_HOPS). */
  setUnicastHops(hops: number): void {
    if (this.family === 4) this.setOption(LINUX.IPPROTO_IP, LINUX.IP_TTL, hops);
    else this.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_UNICAST_HOPS, hops);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** setsockopt(level, name, value): an int, or a struct as bytes. */
  setOption(level: number, name: number, value: number | Buffer): void {
    addon().setsockopt(this.fd, level, name, value);
  }

  /** SO_BINDTODEVICE: only this interface's packets, and out of it. */
  bindToDevice(ifname: string): void {
    this.setOption(LINUX.SOL_SOCKET, LINUX.SO_BINDTODEVICE, ifnameBuffer(ifname));
  }

  /** IP_HDRINCL / IPV6_HDRINCL: the caller writes the IP header of what it sends. */
  setHeaderIncluded(on: boolean): void {
    if (this.family === 4) this.setOption(LINUX.IPPROTO_IP, LINUX.IP_HDRINCL, on ? 1 : 0);
    else this.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_HDRINCL, on ? 1 : 0);
  }

  /** Multicast TTL / hop limit. */
  setMulticastHops(hops: number): void {
    if (this.family === 4) this.setOption(LINUX.IPPROTO_IP, LINUX.IP_MULTICAST_TTL, hops);
    else this.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_MULTICAST_HOPS, hops);
  }

  /** Whether our own multicast comes back to us. */
  setMulticastLoop(on: boolean): void {
    if (this.family === 4) this.setOption(LINUX.IPPROTO_IP, LINUX.IP_MULTICAST_LOOP, on ? 1 : 0);
    else this.setOption(LINUX.IPPROTO_IPV6, LINUX.IPV6_MULTICAST_LOOP, on ? 1 : 0);
  }

  /** Joins (or leaves) a multicast group (4 or 16 bytes) on one interface (ip_mreqn / ipv6_mreq). */
  setMembership(group: Uint8Array, ifindex: number, join: boolean): void {
    if (this.family === 4) {
      this.setOption(LINUX.IPPROTO_IP, join ? LINUX.IP_ADD_MEMBERSHIP : LINUX.IP_DROP_MEMBERSHIP, ipMreqn(group, ifindex));
    } else {
      const mreq = Buffer.alloc(20);
      Buffer.from(group).copy(mreq, 0);
      mreq.writeInt32LE(ifindex, 16);
      this.setOption(LINUX.IPPROTO_IPV6, join ? LINUX.IPV6_JOIN_GROUP : LINUX.IPV6_LEAVE_GROUP, mreq);
    }
  }

  /** sendto(2); throws (code EAGAIN when the send buffer is full). Returns the bytes sent. */
  sendTo(buffer: Uint8Array, address: string, scopeId = 0, port = 0): number {
    return addon().sendTo(this.fd, buffer, address, scopeId, port);
  }

  /** IPv6 sendmsg(2) with the source (null: the kernel's choice) and hop limit (-1: the socket's) per packet. */
  sendMsg6(payload: Uint8Array, dst: Uint8Array, ifindex: number, src: Uint8Array | null, hopLimit = -1): number {
    return addon().send6(this.fd, dst, ifindex, payload, src, hopLimit);
  }

  /** recvmsg(2) into `buffer`; null when nothing is queued. A pending socket error throws. */
  recvFrom(buffer: Buffer): RecvResult | null {
    return addon().recvFrom(this.fd, buffer);
  }

  /**
   * Calls `onEvent(status, events)` when the socket is ready for `events`
   * (readable by default). status < 0 is a poll error, after which libuv has
   * stopped the handle: {@link RawSocket.stopPolling} and start again.
   */
  startPolling(onEvent: (status: number, events: number) => void, events = POLL_READABLE): void {
    if (this.poller) throw Object.assign(new Error('the socket is polled already'), { code: 'ERR_INVALID_STATE' });
    this.poller = addon().poll(this.fd, events, onEvent);
    this.events = events;
  }

  /** Changes the polled events, e.g. adds POLL_WRITABLE while sends wait for room. */
  setPollEvents(events: number): void {
    if (!this.poller || events === this.events) return;
    addon().pollEvents(this.poller, events);
    this.events = events;
  }

  get polling(): boolean {
    return this.poller !== undefined;
  }

  stopPolling(): void {
    if (!this.poller) return;
    const p = this.poller;
    this.poller = undefined;
    this.events = 0;
    addon().unpoll(p);
  }

  /** Stops polling and closes the descriptor; a second call does nothing. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    addon().close(this.fd);
  }
}

/** struct ip_mreqn { imr_multiaddr, imr_address (any), imr_ifindex }: for IP_ADD_MEMBERSHIP and IP_MULTICAST_IF. */
export function ipMreqn(group: Uint8Array, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  Buffer.from(group).copy(b, 0);
  b.writeInt32LE(ifindex, 8);
  return b;
}

/** An AF_PACKET socket that sends whole Ethernet frames (protocol 0: it receives nothing). */
export class PacketSocket {
  private closed = false;
  private constructor(readonly fd: number) {}

  static open(): PacketSocket {
    return new PacketSocket(addon().socket(LINUX.AF_PACKET, LINUX.SOCK_RAW, 0));
  }

  /** Sends `frame` (destination MAC and EtherType taken from its header) out of `ifindex`. */
  sendFrame(ifindex: number, frame: Uint8Array): number {
    return addon().sendFrame(this.fd, ifindex, frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    addon().close(this.fd);
  }
}

/**
 * SCHED_RR at `priority` (1-99) for the whole process, as keepalived's
 * vrrp_rt_priority, with RLIMIT_RTTIME so that a runaway loop gets SIGXCPU
 * instead of freezing the machine; 0 returns to SCHED_OTHER. Needs CAP_SYS_NICE.
 */
/** Sends one datagram to the AF_UNIX datagram socket at `path` ('@name': abstract), e.g. sd_notify's $NOTIFY_SOCKET. */
export function sendUnixDatagram(path: string, message: string | Uint8Array): number {
  return addon().sendUnixDatagram(path, typeof message === 'string' ? Buffer.from(message) : message);
}

export function setRealtime(priority: number, rttimeLimitUs: number): void {
  addon().setRealtime(priority, rttimeLimitUs);
}

/** The process's nice value (keepalived's vrrp_priority); lowering it needs CAP_SYS_NICE. */
export function setNice(nice: number): void {
  setPriority(0, nice);
}

/**
 * Datagrams sent from the SIGTERM/SIGINT handler itself, before the event loop
 * wakes (a VRRP Master's priority-0 adverts). The handler then chains to the
 * one it replaced, so process.on('SIGTERM') listeners still run: install it
 * after registering them. Sent once per process.
 */
export function setStopFrames(frames: StopFrame[]): void {
  const a = addon();
  a.installStopSignals();
  a.setStopFrames(frames);
}

/** Keys of the stop frames the signal handler sent (empty until a signal came). */
export function stopFramesSent(): number[] {
  return addon().stopFramesSent();
}

/** The SIGTERM/SIGINT handler passes SIGTERM on to these pids at once (a supervisor's children). */
export function setSignalForward(pids: number[]): void {
  addon().setSignalForward(pids);
}

/** One classic BPF instruction (struct sock_filter). */
export interface BpfInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** Encodes a classic BPF program as struct sock_filter[] in host byte order. */
export function encodeBpf(program: readonly BpfInstruction[]): Buffer {
  const b = Buffer.alloc(program.length * 8);
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  program.forEach((ins, i) => {
    const o = i * 8;
    if (le) {
      b.writeUInt16LE(ins.code, o);
      b.writeUInt32LE(ins.k >>> 0, o + 4);
    } else {
      b.writeUInt16BE(ins.code, o);
      b.writeUInt32BE(ins.k >>> 0, o + 4);
    }
    b[o + 2] = ins.jt;
    b[o + 3] = ins.jf;
  });
  return b;
}

/** SO_ATTACH_FILTER on `fd` (replaces a filter already attached). */
export function attachFilter(fd: number, program: readonly BpfInstruction[]): void {
  addon().attachFilter(fd, encodeBpf(program));
}

/** SO_DETACH_FILTER on `fd`. */
export function detachFilter(fd: number): void {
  addon().detachFilter(fd);
}

/** CLOCK_MONOTONIC in fractional milliseconds: the clock of {@link MonotonicTimer} deadlines. */
export function monotonicMs(): number {
  return addon().monotonicMs();
}

/**
 * One timer on a CLOCK_MONOTONIC timerfd, armed at an absolute deadline and
 * polled by libuv like a socket, so it fires within microseconds of its due time
 * (Node's setTimeout runs on libuv's millisecond loop clock). Unarmed, it keeps
 * no poll handle, so an idle timer does not hold the event loop open.
 */
export class MonotonicTimer {
  private poller: PollHandle | undefined;
  private closed = false;

  private constructor(readonly fd: number) {}

  static open(): MonotonicTimer {
    return new MonotonicTimer(addon().timerfdCreate());
  }

  /** Calls `onFire` once at `deadlineMs` (monotonicMs() clock); replaces any earlier deadline. */
  arm(deadlineMs: number, onFire: () => void): void {
    if (this.closed) throw Object.assign(new Error('the timer is closed'), { code: 'ERR_INVALID_STATE' });
    const a = addon();
    a.timerfdArm(this.fd, Math.max(deadlineMs, 1e-6));
    this.fire = onFire;
    this.poller ??= a.poll(this.fd, POLL_READABLE, () => {
      if (a.timerfdRead(this.fd) === 0) return;
      const f = this.fire;
      this.fire = undefined;
      // Disarmed and not re-armed by the callback: release the poll handle.
      f?.();
      if (this.fire === undefined) this.release();
    });
  }

  private fire: (() => void) | undefined;

  get armed(): boolean {
    return this.fire !== undefined;
  }

  disarm(): void {
    if (this.closed) return;
    this.fire = undefined;
    addon().timerfdArm(this.fd, 0);
    this.release();
  }

  private release(): void {
    if (!this.poller) return;
    const p = this.poller;
    this.poller = undefined;
    addon().unpoll(p);
  }

  close(): void {
    if (this.closed) return;
    this.disarm();
    this.closed = true;
    addon().close(this.fd);
  }
}
