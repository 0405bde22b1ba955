/**
 * Which IP sources a VRRP advert may carry. A router sends from one of its own
 * unicast addresses (RFC 3768 5.2.1, RFC 5798 5.1.1.1); over IPv6 to the group
 * that is the interface's link-local address (RFC 5798 5.1.2.1). Anything else
 * is spoofed, or a peer configured unlike the RFC (keepalived's `mcast_src_ip`
 * set to a global IPv6 address).
 *
 * The kernel already refuses multicast and broadcast IPv4 sources and IPv6
 * multicast sources before a raw socket sees them (martian sources); the same
 * rule here keeps the validator correct on its own (tests, other transports).
 * An IPv4 0.0.0.0 source to 224.0.0.18 does reach the socket.
 */
import type { IpFamily } from './codec.js';
import { parseIpv4, parseIpv6 } from '@hacore/core/ip-address';

/** Why a source cannot be a router's, or undefined if it can. */
export function badSourceProblem(family: IpFamily, src: string): string | undefined {
  if (family === 4) {
    const b = parseIpv4(src);
    if (!b) return `source ${src} is not an IPv4 address`;
    const first = b[0] as number;
    if (first === 0) return `source ${src} is in 0.0.0.0/8 (unspecified)`;
    if (first === 127) return `source ${src} is a loopback address`;
    if (first >= 224 && first <= 239) return `source ${src} is a multicast address`;
    if (b.every((x) => x === 255)) return `source ${src} is the broadcast address`;
    return undefined;
  }
  const b = parseIpv6(src);
  if (!b) return `source ${src} is not an IPv6 address`;
  if (b[0] === 0xff) return `source ${src} is a multicast address`;
  if (b.subarray(0, 15).every((x) => x === 0) && (b[15] === 0 || b[15] === 1)) return `source ${src} is ${b[15] === 0 ? 'the unspecified' : 'the loopback'} address`;
  return undefined;
}

/** fe80::/10. */
export function isLinkLocalIpv6(src: string): boolean {
  const b = parseIpv6(src);
  return b !== undefined && b[0] === 0xfe && ((b[1] as number) & 0xc0) === 0x80;
}
