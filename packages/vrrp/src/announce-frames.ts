/**
 * What a new Master sends so that neighbours re-learn the VIPs' MAC: a gratuitous
 * ARP for each IPv4 VIP and an unsolicited Neighbour Advertisement for each IPv6
 * VIP, byte-equal to keepalived 2.2.7's (see /work/shared/vrrp-vectors).
 *
 * GARP: ARP request, Ethernet dst broadcast, sender = target = VIP, sender MAC =
 * the interface MAC, target MAC ff:ff:ff:ff:ff:ff (keepalived's choice; RFC 5227
 * uses zeros, both are understood by every stack).
 * NA (RFC 4861 4.4, 7.2.6): from the VIP to ff02::1, hop limit 255, Override flag
 * only (not Solicited, not Router), target = VIP, option 2 = target link-layer
 * address. The ICMPv6 checksum covers the pseudo-header.
 */
import { IPPROTO_ICMPV6, checksumWithPseudoHeader } from './checksum.js';
import { VrrpCodecError } from './codec-error.js';
import { parseIpv4, parseIpv6 } from '@hacore/core/ip-address';
import { encodeIpv6Header } from './ip-header.js';
import { BROADCAST_MAC, macBytes, multicastMac } from './mac.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ALL_NODES_V6 = 'ff02::1';
export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;
/** NA flags word: R (0x80000000), S (0x40000000), O (0x20000000). */
export const NA_FLAG_OVERRIDE = 0x20000000;
export const ND_OPT_TARGET_LINK_ADDRESS = 2;

/** Ethernet II frame: dst, src, ethertype, payload (no FCS; the NIC pads short frames). */
export function ethernetFrame(dstMac: string, srcMac: string, etherType: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set(macBytes(dstMac), 0);
  f.set(macBytes(srcMac), 6);
  f[12] = etherType >> 8;
  f[13] = etherType & 0xff;
  f.set(payload, 14);
  return f;
}

/** The 28-byte ARP payload of a gratuitous ARP request for `vip` from `mac`. */
export function gratuitousArp(vip: string, mac: string): Uint8Array {
  const ip = parseIpv4(vip);
  if (!ip) throw new VrrpCodecError(`IPv4 VIP expected for gratuitous ARP, got "${vip}"`);
  const a = new Uint8Array(28);
  const v = new DataView(a.buffer);
  v.setUint16(0, 1); // hardware: Ethernet
  v.setUint16(2, ETHERTYPE_IPV4);
  a[4] = 6;
  a[5] = 4;
  v.setUint16(6, 1); // request
  a.set(macBytes(mac), 8);
  a.set(ip, 14);
  a.set(macBytes(BROADCAST_MAC), 18);
  a.set(ip, 24);
  return a;
}

/** The whole 42-byte Ethernet frame of a gratuitous ARP, for an AF_PACKET socket. */
export function gratuitousArpFrame(vip: string, mac: string): Uint8Array {
  return ethernetFrame(BROADCAST_MAC, mac, ETHERTYPE_ARP, gratuitousArp(vip, mac));
}

/**
 * The 32-byte ICMPv6 unsolicited Neighbour Advertisement for `vip`, checksum
 * computed for source `vip` and destination `dst` (default ff02::1). This is what
 * a raw ICMPv6 socket sends (with hop limit 255 set on the socket).
 */
export function unsolicitedNeighborAdvert(vip: string, mac: string, dst: string = ALL_NODES_V6): Uint8Array {
  const target = parseIpv6(vip);
  const dstBytes = parseIpv6(dst);
  if (!target) throw new VrrpCodecError(`IPv6 VIP expected for a neighbour advertisement, got "${vip}"`);
  if (!dstBytes) throw new VrrpCodecError(`IPv6 destination expected, got "${dst}"`);
  const m = new Uint8Array(32);
  const v = new DataView(m.buffer);
  m[0] = ICMPV6_NEIGHBOR_ADVERTISEMENT;
  m[1] = 0;
  v.setUint32(4, NA_FLAG_OVERRIDE);
  m.set(target, 8);
  m[24] = ND_OPT_TARGET_LINK_ADDRESS;
  m[25] = 1; // option length in units of 8 bytes
  m.set(macBytes(mac), 26);
  v.setUint16(2, checksumWithPseudoHeader(target, dstBytes, IPPROTO_ICMPV6, m));
  return m;
}

/** IPv6 header + NA (traffic class 0, flow label 0, hop limit 255), as keepalived sends it. */
export function unsolicitedNeighborAdvertPacket(vip: string, mac: string, dst: string = ALL_NODES_V6): Uint8Array {
  const icmp = unsolicitedNeighborAdvert(vip, mac, dst);
  const hdr = encodeIpv6Header({ src: vip, dst, payloadLength: icmp.length, nextHeader: IPPROTO_ICMPV6, hopLimit: 255, trafficClass: 0, flowLabel: 0 });
  const out = new Uint8Array(hdr.length + icmp.length);
  out.set(hdr, 0);
  out.set(icmp, hdr.length);
  return out;
}

/** The whole Ethernet frame of an unsolicited NA (dst MAC 33:33:00:00:00:01 for ff02::1). */
export function unsolicitedNeighborAdvertFrame(vip: string, mac: string, dst: string = ALL_NODES_V6): Uint8Array {
  const dstBytes = parseIpv6(dst);
  if (!dstBytes) throw new VrrpCodecError(`IPv6 destination expected, got "${dst}"`);
  return ethernetFrame(multicastMac(dstBytes), mac, ETHERTYPE_IPV6, unsolicitedNeighborAdvertPacket(vip, mac, dst));
}
