import { formatIp, type IpFamily } from '@hacore/core/ip-address';
import { icmpv6Checksum, internetChecksum } from './checksum.js';

export const ICMP_ECHO_REPLY = 0;
export const ICMP_DEST_UNREACH = 3;
export const ICMP_ECHO_REQUEST = 8;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMPV6_DEST_UNREACH = 1;
export const ICMPV6_PACKET_TOO_BIG = 2;
export const ICMPV6_TIME_EXCEEDED = 3;
export const ICMPV6_PARAM_PROBLEM = 4;
export const ICMPV6_ECHO_REQUEST = 128;
export const ICMPV6_ECHO_REPLY = 129;

/** Bytes of an echo header: type, code, checksum, identifier, sequence. */
export const ECHO_HEADER_BYTES = 8;

/**
 * An echo request. ICMPv4 carries its checksum; for ICMPv6 the kernel fills it
 * in on a raw IPPROTO_ICMPV6 socket (it needs the pseudo-header), unless both
 * addresses are given, as when we write the IPv6 header ourselves.
 */
export function encodeEchoRequest(family: IpFamily, id: number, seq: number, payload: Uint8Array, v6Addresses?: { source: Uint8Array; destination: Uint8Array }): Buffer {
  // Pooled allocation (thousands a second): every byte is written below.
  const msg = Buffer.allocUnsafe(ECHO_HEADER_BYTES + payload.length);
  msg[0] = family === 4 ? ICMP_ECHO_REQUEST : ICMPV6_ECHO_REQUEST;
  msg[1] = 0;
  msg.writeUInt16BE(0, 2);
  msg.writeUInt16BE(id & 0xffff, 4);
  msg.writeUInt16BE(seq & 0xffff, 6);
  msg.set(payload, ECHO_HEADER_BYTES);
  if (family === 4) msg.writeUInt16BE(internetChecksum(msg), 2);
  else if (v6Addresses) msg.writeUInt16BE(icmpv6Checksum(v6Addresses.source, v6Addresses.destination, msg), 2);
  return msg;
}

/**
 * An IPv4 header for IP_HDRINCL sends (used only to pick the source address).
 * Linux fills in the total length, the checksum and a zero identification.
 */
export function encodeIpv4Header(source: Uint8Array, destination: Uint8Array, payloadLength: number, ttl = 64): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payloadLength, 2);
  h[8] = ttl;
  h[9] = 1; // ICMP
  h.set(source, 12);
  h.set(destination, 16);
  h.writeUInt16BE(internetChecksum(h), 10);
  return h;
}

/** An IPv6 header for IPV6_HDRINCL sends (used only to pick the source address). */
export function encodeIpv6Header(source: Uint8Array, destination: Uint8Array, payloadLength: number, hopLimit = 64): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(payloadLength, 4);
  h[6] = 58; // ICMPv6
  h[7] = hopLimit;
  h.set(source, 8);
  h.set(destination, 24);
  return h;
}

export type Decoded =
  /** An echo reply: matched later by (id, seq) and its payload. */
  | { kind: 'echo-reply'; id: number; seq: number; payload: Buffer }
  /** An ICMP error quoting one of our echo requests (the quoted id/seq/destination). */
  | { kind: 'error'; id: number; seq: number; destination: string; reason: string }
  /** Anything else: not ours, truncated, bad checksum. */
  | { kind: 'ignored'; why: string };

const V4_UNREACH: Record<number, string> = {
  0: 'net unreachable',
  1: 'host unreachable',
  2: 'protocol unreachable',
  3: 'port unreachable',
  4: 'fragmentation needed',
  5: 'source route failed',
  6: 'net unknown',
  7: 'host unknown',
  9: 'net prohibited',
  10: 'host prohibited',
  13: 'admin prohibited',
};

const V6_UNREACH: Record<number, string> = {
  0: 'no route',
  1: 'admin prohibited',
  2: 'beyond scope',
  3: 'address unreachable',
  4: 'port unreachable',
  5: 'source policy failed',
  6: 'reject route',
};

/** Decodes a packet read from a raw ICMP socket (IPv4: with its IP header) or ICMPv6 socket (without). */
export function decodeIcmp(family: IpFamily, packet: Buffer): Decoded {
  return family === 4 ? decodeV4(packet) : decodeV6(packet);
}

function decodeV4(packet: Buffer): Decoded {
  if (packet.length < 20 || packet[0]! >> 4 !== 4) return { kind: 'ignored', why: 'not IPv4' };
  const ihl = (packet[0]! & 0x0f) * 4;
  if (ihl < 20 || packet.length < ihl + ECHO_HEADER_BYTES) return { kind: 'ignored', why: 'truncated' };
  if (packet[9] !== 1) return { kind: 'ignored', why: 'not ICMP' };
  const total = packet.readUInt16BE(2);
  // Some stacks report the total length without the header; trust the shorter of the two.
  const icmp = packet.subarray(ihl, total >= ihl + ECHO_HEADER_BYTES && total <= packet.length ? total : packet.length);
  if (internetChecksum(icmp) !== 0) return { kind: 'ignored', why: 'bad checksum' };
  const type = icmp[0]!;
  const code = icmp[1]!;
  if (type === ICMP_ECHO_REPLY) {
    if (code !== 0) return { kind: 'ignored', why: 'bad code' };
    return { kind: 'echo-reply', id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6), payload: icmp.subarray(ECHO_HEADER_BYTES) };
  }
  if (type !== ICMP_DEST_UNREACH && type !== ICMP_TIME_EXCEEDED) return { kind: 'ignored', why: `type ${type}` };
  // The quoted datagram: its IP header, then at least the first 8 bytes of our echo request.
  const inner = icmp.subarray(ECHO_HEADER_BYTES);
  if (inner.length < 20 || inner[0]! >> 4 !== 4) return { kind: 'ignored', why: 'truncated quote' };
  const innerIhl = (inner[0]! & 0x0f) * 4;
  if (inner.length < innerIhl + ECHO_HEADER_BYTES || inner[9] !== 1) return { kind: 'ignored', why: 'quote not ICMP' };
  const quoted = inner.subarray(innerIhl);
  if (quoted[0] !== ICMP_ECHO_REQUEST) return { kind: 'ignored', why: 'quote not echo' };
  const reason = type === ICMP_TIME_EXCEEDED ? 'time exceeded' : V4_UNREACH[code] ?? `unreachable code ${code}`;
  return { kind: 'error', id: quoted.readUInt16BE(4), seq: quoted.readUInt16BE(6), destination: formatIp(inner, 4, 16), reason };
}

function decodeV6(icmp: Buffer): Decoded {
  // The kernel verifies the ICMPv6 checksum before a raw socket sees the packet.
  if (icmp.length < ECHO_HEADER_BYTES) return { kind: 'ignored', why: 'truncated' };
  const type = icmp[0]!;
  const code = icmp[1]!;
  if (type === ICMPV6_ECHO_REPLY) {
    if (code !== 0) return { kind: 'ignored', why: 'bad code' };
    return { kind: 'echo-reply', id: icmp.readUInt16BE(4), seq: icmp.readUInt16BE(6), payload: icmp.subarray(ECHO_HEADER_BYTES) };
  }
  if (type < ICMPV6_DEST_UNREACH || type > ICMPV6_PARAM_PROBLEM) return { kind: 'ignored', why: `type ${type}` };
  const inner = icmp.subarray(ECHO_HEADER_BYTES);
  // Only a quote whose IPv6 header is followed directly by ICMPv6 (we send no extension headers).
  if (inner.length < 40 + ECHO_HEADER_BYTES || inner[0]! >> 4 !== 6 || inner[6] !== 58) return { kind: 'ignored', why: 'quote not ICMPv6' };
  const quoted = inner.subarray(40);
  if (quoted[0] !== ICMPV6_ECHO_REQUEST) return { kind: 'ignored', why: 'quote not echo' };
  const reason =
    type === ICMPV6_DEST_UNREACH ? V6_UNREACH[code] ?? `unreachable code ${code}`
    : type === ICMPV6_PACKET_TOO_BIG ? 'packet too big'
    : type === ICMPV6_TIME_EXCEEDED ? 'time exceeded'
    : 'parameter problem';
  return { kind: 'error', id: quoted.readUInt16BE(4), seq: quoted.readUInt16BE(6), destination: formatIp(inner, 6, 24), reason };
}
