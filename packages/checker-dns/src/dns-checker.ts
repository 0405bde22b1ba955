import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import type { CheckResult, Checker, CheckSpec } from '@hacore/core';
import { decodeHeader, decodeMessage, encodeQuery, QUERY_TYPES, Reader, type DnsMessage, type QueryType } from './codec.js';
import { canonicalIp } from '@hacore/core/ip-address';
import { checkReply, compileAnswer, type AnswerMatcher, type Expectations } from './expect.js';
import { sameName } from './names.js';

export interface DnsCheckOptions {
  /** Name asked for (keepalived `name`); default the root. */
  query: string;
  queryType: QueryType;
  /** `udp` (TCP when the answer is truncated, unless tcpFallback is false) or `tcp` only. */
  transport: 'udp' | 'tcp';
  tcpFallback: boolean;
  /** UDP queries sent again, each with a new id and source port, while no answer came. */
  retries: number;
  /** Time to wait for an answer before a retry; default: the timeout shared out over the tries. */
  retryInterval?: number;
  recursion: boolean;
  /** Accepted response codes, by name. */
  rcode: readonly string[];
  minAnswers: number;
  expectAnswer?: string;
  requireAd: boolean;
  /** Advertise this EDNS0 UDP payload size; without it a plain RFC 1035 query (512 octets). */
  ednsUdpSize?: number;
  sourceAddress?: string;
}

export type DnsCheckSpec = CheckSpec<DnsCheckOptions>;

/** Replies seen and set aside, per checker; a test or a status page reads them. */
export interface DnsCheckerStats {
  queries: number;
  /** Datagrams read from the UDP sockets, and whole messages read over TCP: each is counted once more below, or settled a probe. */
  udpReplies: number;
  tcpReplies: number;
  /** From an address or port the query was not sent to. */
  foreign: number;
  /** A query id that no outstanding query had, or not a response. */
  wrongId: number;
  /** The right id but another question. */
  wrongQuestion: number;
  /** The right id but not decodable. */
  malformed: number;
  /** Read after the probe had settled (the socket reads a batch at a time). */
  late: number;
  tcpFallbacks: number;
}

const RCODE_NUMBERS: Record<string, number> = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, YXRRSET: 7, NXRRSET: 8, NOTAUTH: 9, NOTZONE: 10, BADVERS: 16,
};
export const RCODE_NAMES = Object.keys(RCODE_NUMBERS);

/** Reads the question section only (what a truncated reply still carries). */
function questionOf(buf: Buffer): { name: string; type: number; class: number } | undefined {
  if (buf.length < 12 || buf.readUInt16BE(4) !== 1) return undefined;
  try {
    const r = new Reader(buf, 12);
    return { name: r.name(), type: r.u16('qtype'), class: r.u16('qclass') };
  } catch {
    return undefined;
  }
}

/** keepalived's DNS_CHECK, with the options resolver operators want on top. */
export class DnsChecker implements Checker {
  readonly stats: DnsCheckerStats = { queries: 0, udpReplies: 0, tcpReplies: 0, foreign: 0, wrongId: 0, wrongQuestion: 0, malformed: 0, late: 0, tcpFallbacks: 0 };
  private readonly qtype: number;
  private readonly expectations: Expectations;
  private readonly matcher: AnswerMatcher | undefined;
  private readonly family: 4 | 6;

  constructor(private readonly spec: DnsCheckSpec) {
    this.qtype = QUERY_TYPES[spec.queryType];
    this.expectations = {
      qtype: this.qtype,
      rcodes: spec.rcode.map((r) => RCODE_NUMBERS[r] ?? -1),
      requireAd: spec.requireAd,
      minAnswers: spec.minAnswers,
      ...(spec.expectAnswer !== undefined ? { answer: spec.expectAnswer } : {}),
    };
    const m = spec.expectAnswer !== undefined ? compileAnswer(spec.expectAnswer) : undefined;
    this.matcher = typeof m === 'string' ? () => false : m;
    this.family = net.isIPv6(spec.target.address) ? 6 : 4;
  }

  private query(id: number): Buffer {
    const q = encodeQuery({
      id,
      name: this.spec.query,
      type: this.qtype,
      recursionDesired: this.spec.recursion,
      authenticData: this.spec.requireAd,
      dnssecOk: this.spec.requireAd,
      ...(this.spec.ednsUdpSize !== undefined ? { ednsUdpSize: this.spec.ednsUdpSize } : {}),
    });
    // The name was validated with the config; a string here is a bug upstream, not a probe result.
    if (typeof q === 'string') throw new Error(`dns check ${this.spec.name}: ${q}`);
    return q;
  }

  /** Same id and same question as one of ours: the only replies that may settle a probe. */
  private isAnswerTo(buf: Buffer, ids: ReadonlySet<number>): boolean {
    const h = decodeHeader(buf);
    if (!h || !h.qr || !ids.has(h.id)) {
      this.stats.wrongId++;
      return false;
    }
    const q = questionOf(buf);
    if (!q || q.type !== this.qtype || q.class !== 1 || !sameName(q.name, this.spec.query)) {
      this.stats.wrongQuestion++;
      return false;
    }
    return true;
  }

  private verdict(m: DnsMessage, tcp: boolean): { ok: boolean; reason: string } {
    const bad = checkReply(m, this.expectations, this.matcher);
    if (bad) return { ok: false, reason: tcp ? `${bad} over tcp` : bad };
    return { ok: true, reason: tcp ? 'answer over tcp' : 'answer' };
  }

  probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    const { address } = this.spec.target;
    const port = this.spec.target.port ?? 53;
    const sockets: dgram.Socket[] = [];
    let tcpSocket: net.Socket | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    const ids = new Set<number>();
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      const onAbort = (): void => finish(false, 'timeout');
      const finish = (ok: boolean, reason: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(retryTimer);
        signal.removeEventListener('abort', onAbort);
        for (const s of sockets) s.close();
        tcpSocket?.destroy();
        resolve({ ok, reason, latencyMs: Math.round((performance.now() - started) * 1000) / 1000 });
      };

      const overTcp = (): void => {
        const id = randomInt(0x10000);
        const q = this.query(id);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        let got: Buffer = Buffer.alloc(0);
        const s = net.connect({ host: address, port, ...(this.spec.sourceAddress ? { localAddress: this.spec.sourceAddress } : {}) });
        tcpSocket = s;
        s.setNoDelay(true);
        s.once('connect', () => s.write(Buffer.concat([len, q])));
        s.on('data', (chunk: Buffer) => {
          got = got.length ? Buffer.concat([got, chunk]) : chunk;
          // Each message is prefixed with its length (RFC 1035 4.2.2); read until one of ours is whole.
          while (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0)) {
            const msg = got.subarray(2, 2 + got.readUInt16BE(0));
            got = got.subarray(2 + msg.length);
            this.stats.tcpReplies++;
            if (this.isAnswerTo(msg, new Set([id]))) {
              const d = decodeMessage(msg);
              if (!d.ok) return finish(false, `malformed reply: ${d.error}`);
              const v = this.verdict(d.message, true);
              return finish(v.ok, v.reason);
            }
          }
          if (got.length > 2 + 65535) finish(false, 'tcp reply too long');
        });
        s.once('end', () => finish(false, 'tcp closed before reply'));
        s.once('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
      };

      const overUdp = (): void => {
        const id = randomInt(0x10000);
        ids.add(id);
        const q = this.query(id);
        // A new socket per query: the kernel picks a fresh random source port, and connect()
        // makes it drop datagrams from any other address or port and report ICMP errors.
        const s = dgram.createSocket({ type: this.family === 6 ? 'udp6' : 'udp4' });
        sockets.push(s);
        s.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
        s.on('message', (msg, rinfo) => {
          this.stats.udpReplies++;
          if (settled) {
            this.stats.late++;
            return;
          }
          if (rinfo.port !== port || !sameAddress(rinfo.address, address)) {
            this.stats.foreign++;
            return;
          }
          if (!this.isAnswerTo(msg, ids)) return;
          const h = decodeHeader(msg)!;
          if (h.tc) {
            if (!this.spec.tcpFallback) return finish(false, 'truncated');
            this.stats.tcpFallbacks++;
            clearTimeout(retryTimer);
            for (const x of sockets.splice(0)) x.close();
            return overTcp();
          }
          const d = decodeMessage(msg);
          if (!d.ok) {
            this.stats.malformed++;
            return;
          }
          const v = this.verdict(d.message, false);
          finish(v.ok, v.reason);
        });
        const send = (): void => {
          if (settled) return;
          this.stats.queries++;
          s.send(q, (err) => {
            if (err) finish(false, (err as NodeJS.ErrnoException).code ?? err.message);
          });
        };
        const connect = (): void => s.connect(port, address, send);
        if (this.spec.sourceAddress) s.bind({ address: this.spec.sourceAddress, port: 0 }, connect);
        else connect();
        if (sockets.length <= this.spec.retries) retryTimer = setTimeout(overUdp, this.retryInterval());
      };

      if (signal.aborted) return finish(false, 'timeout');
      signal.addEventListener('abort', onAbort, { once: true });
      if (this.spec.transport === 'tcp') overTcp();
      else overUdp();
    });
  }

  private retryInterval(): number {
    return this.spec.retryInterval ?? Math.max(1, Math.floor(this.spec.timeout / (this.spec.retries + 1)));
  }
}

function sameAddress(a: string, b: string): boolean {
  if (a === b) return true;
  return net.isIPv6(a) && net.isIPv6(b) && canonicalIp(a) === canonicalIp(b);
}
