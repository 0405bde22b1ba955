/**
 * One shared raw ICMP socket and its pings: echo requests out, every reply
 * and quoted error read back and matched to its probe. Opening and options:
 * socket-options.ts; the packets: echo-packet.ts; sends waiting for room:
 * send-queue.ts; reading replies: reply-intake.ts; the process's pool: socket-pool.ts.
 */
import { randomBytes } from 'node:crypto';
import { POLL_READABLE, POLL_WRITABLE, type RawSocket } from '@hacore/native';
import { canonicalIp, ipBytes, type IpFamily } from '@hacore/core/ip-address';
import { echoPacket } from './echo-packet.js';
import { errnoName, type IcmpError } from './errors.js';
import { makePayload } from './payload.js';
import { ProbeTable, type ProbeTableCounters } from './probe-table.js';
import { ReplyIntake } from './reply-intake.js';
import { SendQueue } from './send-queue.js';
import type { IcmpSocketKey } from './socket-key.js';
import { configureIcmpSocket, openIcmpSocket } from './socket-options.js';

export { socketKeyId, type IcmpSocketKey } from './socket-key.js';

/** Packets read per readable event at most, so one busy socket cannot starve the loop. */
const READS_PER_EVENT = 2048;
/** Packets read at most before a probe is declared timed out (its reply may be queued). */
const READS_BEFORE_TIMEOUT = 4096;

/** Send errors that may belong to an earlier packet (a pending socket error), so one retry is due. */
const MAYBE_STALE_ERRORS = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ECONNREFUSED', 'EPROTO', 'EMSGSIZE']);

export interface PingOptions {
  address: string;
  /** canonicalIp(address), when the caller has it already (saves a parse per probe). */
  canonical?: string;
  timeoutMs: number;
  payloadBytes: number;
  signal?: AbortSignal;
}

export type PingResult = { ok: true; rttMs: number } | { ok: false; reason: string; rttMs: number };

export interface IcmpSocketStats extends ProbeTableCounters {
  family: IpFamily;
  device: string | null;
  source: string | null;
  refs: number;
  inFlight: number;
  sent: number;
  /** Sends that found the socket buffer full (EAGAIN) and waited for the socket to be writable. */
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
  private readonly sendQueue = new SendQueue();
  private closed = false;
  private readonly cookie = randomBytes(8);
  private readonly sourceBytes: Buffer | undefined;
  private readonly stats = { sent: 0, queuedSends: 0, sendErrors: 0, received: 0, ignored: 0, socketErrors: 0, reopened: 0 };
  private readonly intake: ReplyIntake;
  private readonly current = (): RawSocket | undefined => this.raw;

  private constructor(key: IcmpSocketKey) {
    this.key = key;
    this.sourceBytes = key.source ? ipBytes(key.source) : undefined;
    this.intake = new ReplyIntake(key.family, this.table, this.stats);
  }

  /** Opens the raw socket. Throws IcmpError (HACORE_ERR_ICMP_CAP_NET_RAW without the capability). */
  static open(key: IcmpSocketKey): IcmpSocket {
    const s = new IcmpSocket(key);
    s.raw = s.openRaw();
    return s;
  }

  private openRaw(): RawSocket {
    const { family, device } = this.key;
    const sock = openIcmpSocket(family);
    try {
      configureIcmpSocket(sock, family, device, this.sourceBytes !== undefined);
      sock.startPolling((status, events) => this.onPoll(sock, status, events));
    } catch (err) {
      sock.close();
      throw err;
    }
    return sock;
  }

  /**
   * Readable: drain the queue (bounded), so thousands of replies a second do
   * not fall behind. Writable: the sends that waited for room. A poll error
   * (libuv stops the handle) closes the socket: the next ping opens a new one.
   */
  private onPoll(sock: RawSocket, status: number, events: number): void {
    if (status < 0) {
      this.stats.socketErrors++;
      if (this.raw === sock) this.raw = undefined;
      sock.close();
      this.sendQueue.clear(Object.assign(new Error('socket closed'), { code: 'EBADF' }));
      return;
    }
    if (events & POLL_READABLE) this.intake.drain(sock, READS_PER_EVENT, this.current);
    if (events & POLL_WRITABLE) this.sendQueue.flush(sock, this.current);
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
        address = opts.canonical ?? canonicalIp(opts.address);
        key = this.table.allocate();
        packet = echoPacket(this.key.family, this.sourceBytes, opts.address, key, makePayload(this.cookie, key, opts.payloadBytes));
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
        this.intake.drain(this.raw, READS_BEFORE_TIMEOUT, this.current);
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
        // An immediate sendto; only a full socket buffer (EAGAIN) waits for the socket to be writable.
        if (this.sendQueue.length === 0) {
          sentAt = performance.now();
          try {
            raw.sendTo(packet, opts.address);
            return afterSend(null);
          } catch (err) {
            if (errnoName(err) !== 'EAGAIN') return afterSend(err as Error);
          }
        }
        this.stats.queuedSends++;
        this.sendQueue.push({ packet, address: opts.address, before: () => void (sentAt = performance.now()), after: afterSend });
        if (raw.polling) raw.setPollEvents(POLL_READABLE | POLL_WRITABLE);
      };
      send();
    });
  }

  private reopen(): RawSocket {
    this.raw = this.openRaw();
    this.stats.reopened++;
    return this.raw;
  }

  /** Closes the socket and settles every probe in flight. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const raw = this.raw;
    this.raw = undefined;
    this.sendQueue.clear();
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
