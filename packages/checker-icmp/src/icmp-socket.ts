import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { addressBytes, canonicalAddress, type Family } from './address.js';
import { decodeIcmp, encodeEchoRequest, encodeIpv4Header, encodeIpv6Header } from './codec.js';
import { IcmpError, errnoName } from './errors.js';
import { makePayload } from './payload.js';
import { ProbeTable, idOf, seqOf, type ProbeTableCounters } from './probe-table.js';

/** The part of raw-socket's API used here (it ships no types). */
interface RawSocket {
  on(event: 'message', fn: (buffer: Buffer, source: string) => void): void;
  on(event: 'error', fn: (err: Error) => void): void;
  on(event: 'close', fn: () => void): void;
  send(buffer: Buffer, offset: number, length: number, address: string, before: () => void, after: (err: Error | null, bytes: number) => void): void;
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  close(): void;
  /** raw-socket's native handle: used directly for batched reads and immediate sends. */
  wrap?: RawWrap;
}
interface RawWrap {
  on(event: 'recvReady', fn: () => void): void;
  removeAllListeners(event: 'recvReady'): void;
  recv(buffer: Buffer, cb: (buffer: Buffer, bytes: number, source: string) => void): void;
  send(buffer: Buffer, offset: number, length: number, address: string, cb: (bytes: number) => void): void;
}
interface RawSocketModule {
  createSocket(opts: { addressFamily: number; protocol: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv4: number; IPv6: number };
  Protocol: { ICMP: number; ICMPv6: number };
}

const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
const SO_SNDBUF = 7;
const SO_SNDBUFFORCE = 32;
const SO_BINDTODEVICE = 25;
const IPPROTO_IP = 0;
const IP_HDRINCL = 3;
const IPPROTO_IPV6 = 41;
const IPV6_HDRINCL = 36;
const SOL_RAW = 255;
const ICMP_FILTER = 1;
const IPPROTO_ICMPV6 = 58;
const ICMP6_FILTER = 1;
const SOCKET_BUFFER_BYTES = 4 << 20;
/** Packets read per readable event at most, so one busy socket cannot starve the loop. */
const READS_PER_EVENT = 2048;
/** Packets read at most before a probe is declared timed out (its reply may be queued). */
const READS_BEFORE_TIMEOUT = 4096;

/** Send errors that may belong to an earlier packet (a pending socket error), so one retry is due. */
const MAYBE_STALE_ERRORS = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ECONNREFUSED', 'EPROTO', 'EMSGSIZE']);

let rawModule: RawSocketModule | undefined;
function loadRaw(): RawSocketModule {
  if (rawModule) return rawModule;
  try {
    rawModule = createRequire(import.meta.url)('raw-socket') as RawSocketModule;
    return rawModule;
  } catch (cause) {
    throw new IcmpError('HACORE_ERR_ICMP_RAW_SOCKET_MISSING', 'the raw-socket native module could not be loaded (was it built? npm needs allowScripts for raw-socket)', { cause });
  }
}

/** Which shared socket a check uses: one per family, plus one per distinct interface / source address. */
export interface IcmpSocketKey {
  family: Family;
  /** Interface to bind to (SO_BINDTODEVICE). */
  device?: string | undefined;
  /** Source address written into the IP header we build (IP_HDRINCL / IPV6_HDRINCL). */
  source?: string | undefined;
}

export function socketKeyId(k: IcmpSocketKey): string {
  return `ipv${k.family}${k.device ? `%${k.device}` : ''}${k.source ? `@${canonicalAddress(k.source)}` : ''}`;
}

export interface PingOptions {
  address: string;
  /** canonicalAddress(address), when the caller has it already (saves a parse per probe). */
  canonical?: string;
  timeoutMs: number;
  payloadBytes: number;
  signal?: AbortSignal;
}

export type PingResult = { ok: true; rttMs: number } | { ok: false; reason: string; rttMs: number };

export interface IcmpSocketStats extends ProbeTableCounters {
  family: Family;
  device: string | null;
  source: string | null;
  refs: number;
  inFlight: number;
  sent: number;
  /** Sends that found the socket buffer full and waited in raw-socket's queue. */
  queuedSends: number;
  sendErrors: number;
  received: number;
  ignored: number;
  socketErrors: number;
  reopened: number;
}

/**
 * One raw ICMP (or ICMPv6) socket shared by every check of its key: sends
 * echo requests, reads everything that comes back, and hands it to the probe
 * table, which matches it to the probe that is waiting for it.
 */
export class IcmpSocket {
  readonly key: IcmpSocketKey;
  readonly table = new ProbeTable();
  refs = 0;
  private raw: RawSocket | undefined;
  private closed = false;
  private readonly cookie = randomBytes(8);
  private readonly sourceBytes: Buffer | undefined;
  /** inet_ntop text of a reply's source -> canonicalAddress, so that a busy socket does not parse every source. */
  private readonly sourceText = new Map<string, string>();
  private readonly recvBuffer = Buffer.alloc(65_536);
  private readonly stats = { sent: 0, queuedSends: 0, sendErrors: 0, received: 0, ignored: 0, socketErrors: 0, reopened: 0 };

  private constructor(key: IcmpSocketKey) {
    this.key = key;
    this.sourceBytes = key.source ? addressBytes(key.source) : undefined;
  }

  /** Opens the raw socket. Throws IcmpError (HACORE_ERR_ICMP_CAP_NET_RAW without the capability). */
  static open(key: IcmpSocketKey): IcmpSocket {
    const s = new IcmpSocket(key);
    s.raw = s.openRaw();
    return s;
  }

  private openRaw(): RawSocket {
    const raw = loadRaw();
    const { family, device } = this.key;
    let sock: RawSocket;
    try {
      sock = raw.createSocket({
        addressFamily: family === 4 ? raw.AddressFamily.IPv4 : raw.AddressFamily.IPv6,
        protocol: family === 4 ? raw.Protocol.ICMP : raw.Protocol.ICMPv6,
        bufferSize: 65_536,
      });
    } catch (cause) {
      const errno = errnoName(cause);
      if (errno === 'EPERM' || errno === 'EACCES') {
        throw new IcmpError(
          'HACORE_ERR_ICMP_CAP_NET_RAW',
          `ICMP checks need CAP_NET_RAW to open a raw ${family === 4 ? 'ICMP' : 'ICMPv6'} socket (${errno}): run hacore as root, or grant the capability (systemd AmbientCapabilities=CAP_NET_RAW, or setcap cap_net_raw+ep on the node binary)`,
          { cause, errno },
        );
      }
      throw new IcmpError('HACORE_ERR_ICMP_SOCKET', `cannot open a raw IPv${family} ICMP socket: ${(cause as Error).message}`, { cause, ...(errno ? { errno } : {}) });
    }
    try {
      this.configure(sock, family, device);
    } catch (err) {
      sock.close();
      throw err;
    }
    const wrap = sock.wrap;
    if (wrap && typeof wrap.recv === 'function' && typeof wrap.removeAllListeners === 'function') {
      // raw-socket reads one packet per readable event, which falls behind
      // thousands of replies a second; drain the queue (bounded) instead.
      wrap.removeAllListeners('recvReady');
      wrap.on('recvReady', () => this.drain(sock, READS_PER_EVENT));
    } else {
      sock.on('message', (buf, source) => this.onMessage(buf, source));
    }
    // A pending socket error (an ICMP error for an earlier packet) surfaces on recv; the packet queue stays readable.
    sock.on('error', () => void this.stats.socketErrors++);
    sock.on('close', () => {
      // raw-socket closes itself on a poll error: the next ping opens a new one.
      if (this.raw === sock) this.raw = undefined;
    });
    return sock;
  }

  private configure(sock: RawSocket, family: Family, device: string | undefined): void {
    const set = (what: string, level: number, option: number, value: number | Buffer, len?: number): void => {
      try {
        if (len !== undefined) sock.setOption(level, option, value, len);
        else sock.setOption(level, option, value);
      } catch (cause) {
        const errno = errnoName(cause);
        throw new IcmpError('HACORE_ERR_ICMP_SOCKET', `cannot set ${what} on the raw IPv${family} ICMP socket: ${(cause as Error).message}`, { cause, ...(errno ? { errno } : {}) });
      }
    };
    // Only echo replies and the errors that quote an echo request reach us: a
    // busy host's other ICMP traffic is dropped in the kernel.
    if (family === 4) {
      const pass = (1 << 0) | (1 << 3) | (1 << 11);
      set('ICMP_FILTER', SOL_RAW, ICMP_FILTER, ~pass >>> 0);
    } else {
      const filter = Buffer.alloc(32, 0xff);
      for (const type of [1, 2, 3, 4, 129]) {
        const word = type >> 5;
        filter.writeUInt32LE((filter.readUInt32LE(word * 4) & ~(1 << (type & 31))) >>> 0, word * 4);
      }
      set('ICMP6_FILTER', IPPROTO_ICMPV6, ICMP6_FILTER, filter, 32);
    }
    // Thousands of replies can arrive in a burst, and thousands of requests
    // can be in the kernel at once (a full send buffer means EAGAIN and the
    // slow path); root may exceed rmem_max / wmem_max.
    for (const [force, plain] of [[SO_RCVBUFFORCE, SO_RCVBUF], [SO_SNDBUFFORCE, SO_SNDBUF]] as const) {
      try {
        sock.setOption(SOL_SOCKET, force, SOCKET_BUFFER_BYTES);
      } catch {
        try {
          sock.setOption(SOL_SOCKET, plain, SOCKET_BUFFER_BYTES);
        } catch {
          // The default buffer still works, with more drops or queued sends under bursts.
        }
      }
    }
    if (device) {
      const name = Buffer.from(`${device}\0`);
      set(`SO_BINDTODEVICE ${device}`, SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
    }
    if (this.sourceBytes) {
      if (family === 4) set('IP_HDRINCL', IPPROTO_IP, IP_HDRINCL, 1);
      else set('IPV6_HDRINCL', IPPROTO_IPV6, IPV6_HDRINCL, 1);
    }
  }

  get inFlight(): number {
    return this.table.size;
  }

  /** Sends one echo request and resolves when it is answered, fails, times out or is aborted. Never rejects. */
  ping(opts: PingOptions): Promise<PingResult> {
    return new Promise<PingResult>((resolve) => {
      const t0 = performance.now();
      let sentAt = t0;
      const since = (): number => Math.round((performance.now() - sentAt) * 1000) / 1000;
      if (this.closed) return resolve({ ok: false, reason: 'socket closed', rttMs: 0 });
      if (opts.signal?.aborted) return resolve({ ok: false, reason: 'timeout', rttMs: 0 });
      let raw: RawSocket;
      try {
        raw = this.raw ?? this.reopen();
      } catch (err) {
        return resolve({ ok: false, reason: (err as IcmpError).errno ?? (err as Error).message, rttMs: 0 });
      }
      let address: string;
      let packet: Buffer;
      let key: number;
      try {
        address = opts.canonical ?? canonicalAddress(opts.address);
        key = this.table.allocate();
        packet = this.encode(opts.address, key, makePayload(this.cookie, key, opts.payloadBytes));
      } catch (err) {
        return resolve({ ok: false, reason: (err as Error).message, rttMs: 0 });
      }
      let settled = false;
      const done = (r: PingResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      // Timed out or aborted: the key is remembered so that a late reply is counted, not matched.
      const giveUp = (reason: string): void => {
        if (!this.table.has(key)) return;
        this.drain(this.raw, READS_BEFORE_TIMEOUT);
        if (this.table.expire(key)) done({ ok: false, reason, rttMs: since() });
      };
      const onAbort = (): void => giveUp('timeout');
      const timer = setTimeout(() => giveUp('timeout'), opts.timeoutMs);
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.table.add({
        key,
        address,
        payload: packet.subarray(packet.length - opts.payloadBytes),
        settle: (o) => done(o.kind === 'reply' ? { ok: true, rttMs: since() } : { ok: false, reason: o.reason, rttMs: since() }),
      });
      let retried = false;
      const afterSend = (err: Error | null): void => {
        if (!err) {
          this.stats.sent++;
          return;
        }
        const errno = errnoName(err) ?? err.message;
        // A socket error left by an ICMP error for another probe is reported
        // by the next send, whoever it is for: try once more before blaming this target.
        if (!retried && MAYBE_STALE_ERRORS.has(errno) && this.table.has(key) && !this.closed) {
          retried = true;
          return send();
        }
        this.stats.sendErrors++;
        if (this.table.remove(key)) done({ ok: false, reason: errno, rttMs: since() });
      };
      const send = (): void => {
        const wrap = raw.wrap;
        if (wrap && typeof wrap.send === 'function') {
          // An immediate sendto; only a full socket buffer falls back to raw-socket's queue.
          sentAt = performance.now();
          try {
            wrap.send(packet, 0, packet.length, opts.address, () => {});
            return afterSend(null);
          } catch (err) {
            if (errnoName(err) !== 'EAGAIN') return afterSend(err as Error);
          }
        }
        this.stats.queuedSends++;
        raw.send(packet, 0, packet.length, opts.address, () => void (sentAt = performance.now()), (err) => afterSend(err));
      };
      send();
    });
  }

  private reopen(): RawSocket {
    this.raw = this.openRaw();
    this.stats.reopened++;
    return this.raw;
  }

  private encode(destination: string, key: number, payload: Buffer): Buffer {
    const { family } = this.key;
    if (!this.sourceBytes) return encodeEchoRequest(family, idOf(key), seqOf(key), payload);
    const dst = addressBytes(destination);
    if (family === 4) {
      const icmp = encodeEchoRequest(4, idOf(key), seqOf(key), payload);
      return Buffer.concat([encodeIpv4Header(this.sourceBytes, dst, icmp.length), icmp]);
    }
    const icmp = encodeEchoRequest(6, idOf(key), seqOf(key), payload, { source: this.sourceBytes, destination: dst });
    return Buffer.concat([encodeIpv6Header(this.sourceBytes, dst, icmp.length), icmp]);
  }

  private onMessage(buf: Buffer, source: string): void {
    this.stats.received++;
    const d = decodeIcmp(this.key.family, buf);
    if (d.kind === 'echo-reply') {
      let from: string;
      try {
        from = this.key.family === 4 ? source : this.canonicalSource(source);
      } catch {
        this.stats.ignored++;
        return;
      }
      this.table.onReply(d.id, d.seq, from, d.payload);
    } else if (d.kind === 'error') {
      this.table.onError(d.id, d.seq, d.destination, d.reason);
    } else {
      this.stats.ignored++;
    }
  }

  /**
   * Reads what the kernel has queued, up to `max` packets, until EAGAIN. Called
   * on readable events and before a probe is declared timed out: libuv runs
   * timers before polling, so after a busy or starved stretch of the event loop
   * a reply that came in time may still be waiting in the socket.
   */
  private drain(sock: RawSocket | undefined = this.raw, max = READS_PER_EVENT): void {
    const wrap = sock?.wrap;
    if (!sock || !wrap || typeof wrap.recv !== 'function') return;
    for (let i = 0; i < max && this.raw === sock; i++) {
      try {
        wrap.recv(this.recvBuffer, (b, bytes, source) => this.onMessage(b.subarray(0, bytes), source));
      } catch (err) {
        if (errnoName(err) === 'EAGAIN') break;
        // A pending socket error (an ICMP error for an earlier packet), now
        // consumed; the packets queued behind it are still there to read.
        this.stats.socketErrors++;
      }
    }
  }

  private canonicalSource(source: string): string {
    let c = this.sourceText.get(source);
    if (c === undefined) {
      c = canonicalAddress(source);
      // Bounded: a flood of replies from random sources must not grow it without end.
      if (this.sourceText.size >= 65_536) this.sourceText.clear();
      this.sourceText.set(source, c);
    }
    return c;
  }

  /** Closes the socket and settles every probe in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const raw = this.raw;
    this.raw = undefined;
    raw?.close();
    this.table.drain('socket closed');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  status(): IcmpSocketStats {
    return {
      family: this.key.family,
      device: this.key.device ?? null,
      source: this.key.source ?? null,
      refs: this.refs,
      inFlight: this.table.size,
      ...this.stats,
      ...this.table.counters,
    };
  }
}

/**
 * The process's shared ICMP sockets, reference-counted: a socket opens when
 * its first user acquires it and closes when its last user releases it.
 */
export class IcmpSocketPool {
  private readonly sockets = new Map<string, IcmpSocket>();

  acquire(key: IcmpSocketKey): IcmpSocket {
    const id = socketKeyId(key);
    let s = this.sockets.get(id);
    if (!s) {
      s = IcmpSocket.open(key);
      this.sockets.set(id, s);
    }
    s.refs++;
    return s;
  }

  release(socket: IcmpSocket): void {
    if (socket.refs <= 0) return;
    socket.refs--;
    if (socket.refs === 0) {
      const id = socketKeyId(socket.key);
      if (this.sockets.get(id) === socket) this.sockets.delete(id);
      socket.close();
    }
  }

  /** Open sockets by key id, e.g. `ipv4`, `ipv6%eth1`. */
  status(): Record<string, IcmpSocketStats> {
    return Object.fromEntries([...this.sockets].map(([id, s]) => [id, s.status()]));
  }

  get size(): number {
    return this.sockets.size;
  }
}

/** The pool of this process: one socket per family (and per interface / source). */
export const processIcmpSockets = new IcmpSocketPool();
