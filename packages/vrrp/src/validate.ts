/**
 * Receive-side checks (RFC 5798 7.1, RFC 3768 7.1) of a decoded advert against
 * one instance's expectations. The codec already checked what needs no instance
 * (lengths, version 2/3, type, address count vs length, checksum); this adds
 * TTL/hop limit, the source address (advert-source.ts), version, VRID, destination (multicast vs unicast), our own
 * looped-back adverts, v2 authentication and interval, the address list, and a
 * priority 0 from a router that is not the Master we follow.
 *
 * The rule: an advert that a correctly configured peer could not send is
 * dropped with a reason to count and never reaches the state machine, so it can
 * never make a Master step down or a Backup take over, and it touches no timer
 * (keepalived 2.2.7 restarts its advert timer on any packet for the VRID).
 *
 * Deliberate choices, see docs/vrrp-protocol.md:
 * - a VIP list differing from ours is dropped (`addrList`) whatever the
 *   priority, as keepalived 2.2.7 does (RFC 3768 lets the owner's through; a
 *   misconfigured "owner" would then take the VIPs of a correct Master);
 * - a v3 interval differing from ours is accepted and reported (RFC 5798 6.4.2:
 *   the Backup learns it); keepalived does the same;
 * - the local router being the address owner does not drop adverts (RFC 7.1), so two
 *   misconfigured owners still settle on one Master by address.
 */
import type { IpFamily, ReceivedVrrp, VrrpMessage, VrrpVersion } from './codec.js';
import { VRRP_AUTH_NONE, VRRP_AUTH_SIMPLE, decodeIpv4Vrrp, decodeIpv6Vrrp, nearestAdverInt, simplePasswordAuthData } from './codec.js';
import type { Ipv6ReceiveInfo } from './codec.js';
import type { DropReason } from './drop-reasons.js';
import { badSourceProblem, isLinkLocalIpv6 } from './advert-source.js';
import { normalizeIp } from '@hacore/core/ip-address';
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
  /** Any other address of ours (canonical text in, e.g. from the interface's address list): an advert from it is looped back too. */
  isLocalAddress?: (address: string) => boolean;
  /** The instance sends to unicast peers: adverts must come unicast, not to the group (and the reverse). */
  unicast?: boolean;
  /**
   * Set while Backup with a known Master: only that router may send priority 0
   * (a Master leaving). Anyone else's priority 0 would cut our wait to Skew_Time.
   */
  followedMaster?: string;
}

/** Accepted, but the peer's configuration differs from ours. */
export type AdvertWarning = 'intervalMismatch';

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
      /** Accepted, but worth a log line (rate-limited per peer by the shell). */
      warnings: AdvertWarning[];
    }
  | DropResult;

export interface DropResult {
  ok: false;
  reason: DropReason;
  /** What differs, for logs: "auth type 0, expected 1", "missing 198.51.100.7". */
  detail: string;
  /** The IP source, when the packet got far enough to have one. */
  source?: string;
}

function drop(reason: DropReason, detail: string, source?: string): DropResult {
  return source === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, source };
}

const VRRP_GROUPS: Readonly<Record<IpFamily, string>> = { 4: '224.0.0.18', 6: 'ff02::12' };

function isMulticast(family: IpFamily, address: string): boolean {
  if (family === 6) return address.toLowerCase().startsWith('ff');
  const first = Number(address.split('.')[0]);
  return first >= 224 && first <= 239;
}

function describeDiff(d: VipDiff): string {
  const parts: string[] = [];
  if (d.missing.length > 0) parts.push(`missing ${d.missing.join(' ')}`);
  if (d.unexpected.length > 0) parts.push(`unexpected ${d.unexpected.join(' ')}`);
  return parts.join(', ');
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
  const src = rx.src;
  if (rx.family !== exp.family) return drop('family', `IPv${rx.family} packet for an IPv${exp.family} instance`, src);
  if (rx.ttl !== VRRP_REQUIRED_TTL) return drop('ttl', `${rx.family === 4 ? 'TTL' : 'hop limit'} ${rx.ttl}, must be 255`, src);
  const badSource = badSourceProblem(rx.family, src);
  if (badSource !== undefined) return drop('source', badSource, src);
  // A unicast instance may send from a global address (keepalived's unicast_src_ip).
  if (rx.family === 6 && exp.unicast !== true && !isLinkLocalIpv6(src)) return drop('sourceScope', `source ${src} is not link-local`, src);
  if (m.version !== exp.version) return drop('version', `VRRPv${m.version} advert for a VRRPv${exp.version} instance`, src);
  if (m.vrid !== exp.vrid) return drop('vrid', `VRID ${m.vrid}, ours is ${exp.vrid}`, src);
  const multicast = isMulticast(rx.family, rx.dst);
  if (exp.unicast === true && multicast) return drop('destination', `multicast advert to ${rx.dst} on a unicast instance`, src);
  if (exp.unicast !== true && (normalizeIp(rx.dst) ?? rx.dst) !== VRRP_GROUPS[exp.family]) {
    return drop('destination', `${multicast ? 'advert' : 'unicast advert'} to ${rx.dst} on a multicast instance (group ${VRRP_GROUPS[exp.family]})`, src);
  }
  const srcNorm = normalizeIp(src);
  if (exp.localAddresses && exp.localAddresses.length > 0) {
    if (srcNorm !== undefined && exp.localAddresses.some((a) => normalizeIp(a) === srcNorm)) return drop('loop', `source ${src} is ours`, src);
  }
  if (srcNorm !== undefined && exp.isLocalAddress?.(srcNorm) === true) return drop('loop', `source ${src} is an address of this interface`, src);
  const authProblem = checkAuth(m, exp.auth);
  if (authProblem) return drop('auth', authProblem, src);
  const warnings: AdvertWarning[] = [];
  // Compared in wire units: ours is what we send after rounding (v2: whole seconds).
  const ours = nearestAdverInt(m.version, exp.advertIntervalMs);
  if (m.version === 2) {
    // RFC 3768 7.1: MUST discard an advert whose interval differs from ours.
    if (m.adverInt !== ours) return drop('interval', `advert interval ${m.adverInt} s, ours is ${ours} s`, src);
  } else {
    // A zero Max Adver Int would make every Backup's Master_Down_Interval a bare skew.
    if (m.adverInt === 0) return drop('interval', 'Max Adver Int 0', src);
    if (m.adverInt !== ours) warnings.push('intervalMismatch');
  }
  const diff = compareVips(m.addresses, exp.vips);
  if (m.addresses.length !== exp.vips.length || diff.missing.length > 0 || diff.unexpected.length > 0) {
    const counts = m.addresses.length !== exp.vips.length ? `${m.addresses.length} address(es), ours ${exp.vips.length}` : '';
    return drop('addrList', [counts, describeDiff(diff)].filter((x) => x !== '').join('; '), src);
  }
  if (m.priority === 0 && exp.followedMaster !== undefined && srcNorm !== (normalizeIp(exp.followedMaster) ?? exp.followedMaster)) {
    return drop('notMaster', `priority 0 from ${src}, the Master is ${exp.followedMaster}`, src);
  }
  const result: ValidateResult = {
    ok: true,
    advert: { source: src, priority: m.priority, advertIntervalMs: m.advertIntervalMs },
    packet: rx,
    warnings,
  };
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
