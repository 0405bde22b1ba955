import type { CheckResult, Checker, CheckSpec } from '@hacore/core';
import { canonicalIp, ipFamily } from '@hacore/core/ip-address';
import { IcmpError } from './errors.js';
import type { IcmpSocket, IcmpSocketKey } from './icmp-socket.js';
import { processIcmpSockets, type IcmpSocketPool } from './socket-pool.js';

export interface IcmpCheckOptions {
  /** Payload bytes of each echo request (ping's -s). */
  payloadBytes: number;
  /** Source address of the requests (keepalived bindto). */
  sourceAddress?: string | undefined;
  /** Interface the requests leave by (keepalived bind_if), SO_BINDTODEVICE. */
  interface?: string | undefined;
}

export type IcmpCheckSpec = CheckSpec<IcmpCheckOptions>;

/** The shared socket a check of this spec uses. */
export function socketKeyOf(spec: IcmpCheckSpec): IcmpSocketKey {
  const family = ipFamily(spec.target.address);
  if (!family) throw new TypeError(`check "${spec.name}": "${spec.target.address}" is not an IP address`);
  if (spec.sourceAddress && ipFamily(spec.sourceAddress) !== family) {
    throw new IcmpError('HACORE_ERR_ICMP_SOURCE_FAMILY', `check "${spec.name}": sourceAddress ${spec.sourceAddress} is not of the address family of ${spec.target.address}`);
  }
  return { family, device: spec.interface, source: spec.sourceAddress };
}

/**
 * keepalived's PING_CHECK: one ICMP echo per probe on the process's shared
 * raw socket for the target's family. The socket is taken at the first probe
 * and given back by close(), so the last check to close closes it.
 */
export class IcmpChecker implements Checker {
  private socket: IcmpSocket | undefined;
  private closed = false;
  private readonly key: IcmpSocketKey;
  private readonly canonical: string;

  constructor(
    private readonly spec: IcmpCheckSpec,
    private readonly pool: IcmpSocketPool = processIcmpSockets,
  ) {
    this.key = socketKeyOf(spec);
    this.canonical = canonicalIp(spec.target.address);
  }

  async probe(signal: AbortSignal): Promise<CheckResult> {
    if (this.closed) return { ok: false, latencyMs: 0, reason: 'checker closed' };
    if (!this.socket) {
      try {
        this.socket = this.pool.acquire(this.key);
      } catch (err) {
        const e = err as IcmpError;
        return { ok: false, latencyMs: 0, reason: e.code ?? e.message };
      }
    }
    const r = await this.socket.ping({ address: this.spec.target.address, canonical: this.canonical, timeoutMs: this.spec.timeout, payloadBytes: this.spec.payloadBytes, signal });
    return r.ok ? { ok: true, latencyMs: r.rttMs, reason: 'echo reply' } : { ok: false, latencyMs: r.rttMs, reason: r.reason };
  }

  close(): void {
    this.closed = true;
    const s = this.socket;
    this.socket = undefined;
    if (s) this.pool.release(s);
  }
}
