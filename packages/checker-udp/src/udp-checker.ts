import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import type { CheckResult, Checker, CheckSpec } from '@hacore/core';
import { matchesPattern, parseHex, type HexPattern } from './hex.js';

export interface UdpCheckOptions {
  /** keepalived hex string sent as the datagram; default random octets. */
  payload?: string;
  /** true: a reply must come; a hex string (X nibbles allowed): the reply must match it. */
  requireReply?: boolean | string;
  minReplyLength: number;
  maxReplyLength: number;
  /** Wait for a reply or an ICMP error; default 90 % of the check timeout. */
  replyTimeout?: number;
  sourceAddress?: string;
}

export type UdpCheckSpec = CheckSpec<UdpCheckOptions>;

/** Octets of the random payload sent when no payload is configured. */
export const RANDOM_PAYLOAD_BYTES = 16;

/**
 * keepalived's UDP_CHECK: one datagram from a connected socket, so that an ICMP
 * port or host unreachable comes back as a socket error (ECONNREFUSED,
 * EHOSTUNREACH) and fails the probe at once. Without requireReply, silence until
 * the reply timeout is a pass, as in keepalived.
 */
export class UdpChecker implements Checker {
  private readonly payload: Uint8Array | undefined;
  private readonly expect: HexPattern | undefined;
  private readonly family: 4 | 6;

  constructor(private readonly spec: UdpCheckSpec) {
    this.payload = spec.payload !== undefined ? hexOrThrow(spec.payload, false).bytes : undefined;
    this.expect = typeof spec.requireReply === 'string' ? hexOrThrow(spec.requireReply, true) : undefined;
    this.family = net.isIPv6(spec.target.address) ? 6 : 4;
  }

  probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    const { address } = this.spec.target;
    const port = this.spec.target.port ?? 0;
    const requireReply = this.spec.requireReply !== undefined && this.spec.requireReply !== false;
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      const s = dgram.createSocket({ type: this.family === 6 ? 'udp6' : 'udp4' });
      const onAbort = (): void => finish(false, 'timeout');
      const finish = (ok: boolean, reason: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(waitTimer);
        signal.removeEventListener('abort', onAbort);
        s.close();
        resolve({ ok, reason, latencyMs: Math.round((performance.now() - started) * 1000) / 1000 });
      };
      const waitTimer = setTimeout(
        () => finish(!requireReply, requireReply ? 'no reply' : 'no reply, no ICMP error'),
        this.spec.replyTimeout ?? Math.max(1, Math.floor(this.spec.timeout * 0.9)),
      );
      s.on('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
      s.on('message', (msg) => {
        // connect() lets only the target's datagrams through.
        if (msg.length < this.spec.minReplyLength) return finish(false, `reply of ${msg.length} octets (at least ${this.spec.minReplyLength})`);
        if (msg.length > this.spec.maxReplyLength) return finish(false, `reply of ${msg.length} octets (at most ${this.spec.maxReplyLength})`);
        if (this.expect && !matchesPattern(msg, this.expect)) return finish(false, 'reply not matched');
        finish(true, this.expect ? 'reply matched' : 'reply');
      });
      if (signal.aborted) return finish(false, 'timeout');
      signal.addEventListener('abort', onAbort, { once: true });
      const send = (): void => {
        if (settled) return;
        s.send(this.payload ?? randomBytes(RANDOM_PAYLOAD_BYTES), (err) => {
          if (err) finish(false, (err as NodeJS.ErrnoException).code ?? err.message);
        });
      };
      const connect = (): void => s.connect(port, address, send);
      if (this.spec.sourceAddress) s.bind({ address: this.spec.sourceAddress, port: 0 }, connect);
      else connect();
    });
  }
}

function hexOrThrow(text: string, wildcards: boolean): HexPattern {
  const p = parseHex(text, wildcards);
  // Validated with the config; a bad string here is a caller's bug, not a probe result.
  if (typeof p === 'string') throw new TypeError(`invalid hex string: ${p}`);
  return p;
}
