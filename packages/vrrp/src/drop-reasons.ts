/**
 * Why a received VRRP packet was dropped. A fixed set so that each one can be
 * counted and shown in `hacore status`; the codec and validate.ts return these.
 */
export const DROP_REASONS = [
  'short',
  'length',
  'ipHeader',
  'protocol',
  'family',
  'ttl',
  'source',
  'sourceScope',
  'version',
  'type',
  'addrCount',
  'checksum',
  'vrid',
  'auth',
  'interval',
  'loop',
  'addrList',
  'destination',
  'notMaster',
] as const;

export type DropReason = (typeof DROP_REASONS)[number];

/** One line per reason, for status output and docs. */
export const DROP_REASON_TEXT: Readonly<Record<DropReason, string>> = {
  short: 'fewer bytes than the fixed IP or VRRP header',
  length: 'IP total/payload length disagrees with the bytes received',
  ipHeader: 'malformed IPv4 header (version, header length, fragment, header checksum)',
  protocol: 'IP protocol / next header is not 112 (VRRP)',
  family: 'address family not the instance\'s, or VRRPv2 over IPv6',
  ttl: 'IPv4 TTL or IPv6 hop limit is not 255',
  source: 'source address no router can send from: unspecified, loopback, multicast or broadcast',
  sourceScope: 'IPv6 advert to the VRRP group whose source is not link-local (RFC 5798 5.1.2.1)',
  version: 'VRRP version is not 2 or 3, or not the instance\'s',
  type: 'VRRP type is not 1 (ADVERTISEMENT)',
  addrCount: 'VRRP length disagrees with the address count',
  checksum: 'bad VRRP checksum',
  vrid: 'VRID is not the instance\'s',
  auth: 'VRRPv2 authentication type or password mismatch',
  interval: 'VRRPv2 advert interval differs from ours, or a zero interval',
  loop: 'our own advert looped back (source is a local address)',
  addrList: 'the advert\'s address list (count or addresses) differs from ours',
  destination: 'multicast advert on a unicast instance, or unicast advert on a multicast one',
  notMaster: 'priority 0 from a router that is not the Master this Backup follows',
};

/**
 * Drops that mean a peer is configured differently from us (not line noise or an
 * attack): each is logged, rate-limited per peer and reason, and shown in
 * `hacore status` as a misconfiguration.
 */
export const MISCONFIG_REASONS = ['version', 'auth', 'interval', 'addrList', 'destination', 'sourceScope'] as const satisfies readonly DropReason[];

export type MisconfigReason = (typeof MISCONFIG_REASONS)[number];

export function isMisconfigReason(r: string): r is MisconfigReason {
  return (MISCONFIG_REASONS as readonly string[]).includes(r);
}

export type DropCounters = Record<DropReason, number>;

/** A zeroed counter per reason (every key present, so status shows the zeros too). */
export function emptyDropCounters(): DropCounters {
  const c = {} as DropCounters;
  for (const r of DROP_REASONS) c[r] = 0;
  return c;
}
