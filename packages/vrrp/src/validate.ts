/**
 * Receive-side checks (RFC 5798 7.1, RFC 3768 7.1) of a decoded advert against
 * one instance's expectations. The codec already checked what needs no instance
 * (lengths, version 2/3, type, address count, checksum); this adds TTL/hop limit,
 * version, VRID, v2 authentication and interval, and our own looped-back adverts.
 *
 * A packet that fails any check is dropped with a reason to count and never
 * reaches the state machine: no timer is touched by an invalid packet (keepalived
 * 2.2.7 restarts its advert timer on any packet for the VRID, valid or not).
 *
 * Deliberate differences, see docs/vrrp-protocol.md:
 * - a VIP list differing from ours is accepted with a warning (RFC: drop unless the
 *   sender is the owner; keepalived 2.2.7: drop), so mixed clusters keep one Master;
 * - a v3 interval differing from ours is accepted and reported (the Backup learns it);
 * - the local router being the address owner does not drop adverts (RFC 7.1), so two
 *   misconfigured owners still settle on one Master by address.
 */
import type { IpFamily, ReceivedVrrp, VrrpMessage, VrrpVersion } from './codec.js';
import { VRRP_AUTH_NONE, VRRP_AUTH_SIMPLE, decodeIpv4Vrrp, decodeIpv6Vrrp, nearestAdverInt, simplePasswordAuthData } from './codec.js';
import type { Ipv6ReceiveInfo } from './codec.js';
import type { DropReason } from './drop-reasons.js';
import { normalizeIp } from './ip-address.js';
import type { ReceivedAdvert } from './state-machine-types.js';

/** The TTL / hop limit every VRRP packet must arrive with (not forwarded by any router). */
export const VRRP_REQUIRED_TTL = 255;

/** v2 authentication as configured on the instance. */
export type VrrpAuthConfig = { type: 'none' } | { type: 'pass'; password: string };

export interface AdvertExpectations {
  vrid: number;
  version: VrrpVersion;
  family: IpFamily;
  /** Our advert interval in ms (v2: must match exactly; v3: a difference is reported). */
  advertIntervalMs: number;
  /** v2 only; omitted means no authentication (type 0). */
  auth?: VrrpAuthConfig;
  /** The addresses we put in our own adverts (VIPs minus excluded ones). */
  vips: readonly string[];
  /** Our own addresses on the interface: an advert from one of them is our own, looped back. */
  localAddresses?: readonly string[];
}

export type AdvertWarning = 'vipMismatch' | 'intervalMismatch';

export interface VipDiff {
  /** Ours, not in the advert. */
  missing: string[];
  /** In the advert, not ours. */
  unexpected: string[];
}

export type ValidateResult =
  | {
      ok: true;
      /** What the state machine needs. */
      advert: ReceivedAdvert;
      packet: ReceivedVrrp;
      /** Accepted, but worth a log line (once per change, not per packet, is the shell's call). */
      warnings: AdvertWarning[];
      vipDiff?: VipDiff;
    }
  | { ok: false; reason: DropReason; detail: string };

function drop(reason: DropReason, detail: string): { ok: false; reason: DropReason; detail: string } {
  return { ok: false, reason, detail };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function checkAuth(m: VrrpMessage, auth: VrrpAuthConfig | undefined): string | undefined {
  if (m.version !== 2) return undefined;
  const want = auth?.type === 'pass' ? VRRP_AUTH_SIMPLE : VRRP_AUTH_NONE;
  if (m.authType !== want) return `auth type ${m.authType}, expected ${want}`;
  if (auth?.type === 'pass' && !sameBytes(m.authData, simplePasswordAuthData(auth.password))) return 'wrong password';
  return undefined;
}

/** Compare the advert's addresses with ours as sets (order does not matter). */
export function compareVips(advertised: readonly string[], ours: readonly string[]): VipDiff {
  const norm = (xs: readonly string[]): Set<string> => new Set(xs.map((x) => normalizeIp(x) ?? x));
  const a = norm(advertised);
  const o = norm(ours);
  return { missing: [...o].filter((x) => !a.has(x)), unexpected: [...a].filter((x) => !o.has(x)) };
}

/** Check a decoded packet against the instance. Never throws. */
export function validateReceived(rx: ReceivedVrrp, exp: AdvertExpectations): ValidateResult {
  const m = rx.message;
  if (rx.family !== exp.family) return drop('family', `IPv${rx.family} packet for an IPv${exp.family} instance`);
  if (rx.ttl !== VRRP_REQUIRED_TTL) return drop('ttl', `${rx.family === 4 ? 'TTL' : 'hop limit'} ${rx.ttl}, must be 255`);
  if (m.version !== exp.version) return drop('version', `VRRPv${m.version} advert for a VRRPv${exp.version} instance`);
  if (m.vrid !== exp.vrid) return drop('vrid', `VRID ${m.vrid}, ours is ${exp.vrid}`);
  if (exp.localAddresses && exp.localAddresses.length > 0) {
    const src = normalizeIp(rx.src);
    if (src !== undefined && exp.localAddresses.some((a) => normalizeIp(a) === src)) return drop('loop', `source ${rx.src} is ours`);
  }
  const authProblem = checkAuth(m, exp.auth);
  if (authProblem) return drop('auth', authProblem);
  const warnings: AdvertWarning[] = [];
  // Compared in wire units: ours is what we send after rounding (v2: whole seconds).
  const ours = nearestAdverInt(m.version, exp.advertIntervalMs);
  if (m.version === 2) {
    // RFC 3768 7.1: MUST discard an advert whose interval differs from ours.
    if (m.adverInt !== ours) return drop('interval', `advert interval ${m.adverInt} s, ours is ${ours} s`);
  } else {
    // A zero Max Adver Int would make every Backup's Master_Down_Interval a bare skew.
    if (m.adverInt === 0) return drop('interval', 'Max Adver Int 0');
    if (m.adverInt !== ours) warnings.push('intervalMismatch');
  }
  const diff = compareVips(m.addresses, exp.vips);
  const result: ValidateResult = {
    ok: true,
    advert: { source: rx.src, priority: m.priority, advertIntervalMs: m.advertIntervalMs },
    packet: rx,
    warnings,
  };
  if (diff.missing.length > 0 || diff.unexpected.length > 0) {
    warnings.push('vipMismatch');
    result.vipDiff = diff;
  }
  return result;
}

/** Bytes from a raw IPv4 socket (IP header included) -> accepted advert or drop reason. Never throws. */
export function validateIpv4Packet(packet: Uint8Array, exp: AdvertExpectations): ValidateResult {
  const d = decodeIpv4Vrrp(packet);
  return d.ok ? validateReceived(d.packet, exp) : d;
}

/** Payload from a raw IPv6 socket plus its source, destination and hop limit -> accepted advert or drop reason. */
export function validateIpv6Packet(payload: Uint8Array, info: Ipv6ReceiveInfo, exp: AdvertExpectations): ValidateResult {
  const d = decodeIpv6Vrrp(payload, info);
  return d.ok ? validateReceived(d.packet, exp) : d;
}
