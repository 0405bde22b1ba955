/**
 * IPv4 and IPv6 headers as VRRP needs them. keepalived builds its own IPv4 header
 * (IP_HDRINCL) with TOS 0xc0, TTL 255, DF clear and an incrementing non-zero ID;
 * hacore does the same so the shell can send with IP_HDRINCL. Raw IPv4 sockets
 * also hand the header of received packets to us, so it is parsed here; raw IPv6
 * sockets do not (the hop limit arrives as ancillary data), but the IPv6 header
 * is still encoded/decoded for packet sockets and captures.
 */
import { IPPROTO_VRRP, internetChecksum } from './checksum.js';
import { VrrpCodecError } from './codec-error.js';
import type { DropReason } from './drop-reasons.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '@hacore/core/ip-address';

/** Precedence "internetwork control" (DSCP CS6), as keepalived and RFC 5798 practice use. */
export const VRRP_TOS = 0xc0;
export const VRRP_TTL = 255;
export const IPV4_HEADER_LENGTH = 20;
export const IPV6_HEADER_LENGTH = 40;

export interface Ipv4Header {
  /** Header length in bytes (IHL * 4); more than 20 when options are present. */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  dontFragment: boolean;
  moreFragments: boolean;
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
}

export interface Ipv4HeaderInit {
  src: string;
  dst: string;
  /** IP identification, 0..65535 (keepalived: a per-instance counter starting at 1). */
  id: number;
  /** Bytes after the header. */
  payloadLength: number;
  tos?: number;
  ttl?: number;
  protocol?: number;
  dontFragment?: boolean;
}

export type Ipv4HeaderResult = { ok: true; header: Ipv4Header } | { ok: false; reason: DropReason; detail: string };

function checkInt(name: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new VrrpCodecError(`${name} must be an integer 0..${max}, got ${v}`);
  return v;
}

/** Build a 20-byte IPv4 header with a correct header checksum. */
export function encodeIpv4Header(init: Ipv4HeaderInit): Uint8Array {
  const src = parseIpv4(init.src);
  const dst = parseIpv4(init.dst);
  if (!src) throw new VrrpCodecError(`IPv4 source expected, got "${init.src}"`);
  if (!dst) throw new VrrpCodecError(`IPv4 destination expected, got "${init.dst}"`);
  const total = checkInt('total length', IPV4_HEADER_LENGTH + init.payloadLength, 0xffff);
  const id = checkInt('IP id', init.id, 0xffff);
  const h = new Uint8Array(IPV4_HEADER_LENGTH);
  const v = new DataView(h.buffer);
  h[0] = 0x45;
  h[1] = checkInt('TOS', init.tos ?? VRRP_TOS, 0xff);
  v.setUint16(2, total);
  v.setUint16(4, id);
  v.setUint16(6, init.dontFragment ? 0x4000 : 0);
  h[8] = checkInt('TTL', init.ttl ?? VRRP_TTL, 0xff);
  h[9] = checkInt('protocol', init.protocol ?? IPPROTO_VRRP, 0xff);
  h.set(src, 12);
  h.set(dst, 16);
  v.setUint16(10, internetChecksum(h));
  return h;
}

/**
 * Parse the IPv4 header of a received packet. Bytes past Total Length (Ethernet
 * padding in a capture) are ignored, as the kernel ignores them; fewer bytes than
 * Total Length is a truncated packet. Never throws.
 */
export function decodeIpv4Header(bytes: Uint8Array): Ipv4HeaderResult {
  if (bytes.length < IPV4_HEADER_LENGTH) return { ok: false, reason: 'short', detail: `${bytes.length} bytes, IPv4 header needs 20` };
  const b0 = bytes[0] as number;
  if (b0 >> 4 !== 4) return { ok: false, reason: 'ipHeader', detail: `IP version ${b0 >> 4}` };
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LENGTH) return { ok: false, reason: 'ipHeader', detail: `IHL ${headerLength / 4}` };
  if (bytes.length < headerLength) return { ok: false, reason: 'short', detail: `${bytes.length} bytes, IPv4 header with options needs ${headerLength}` };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const totalLength = v.getUint16(2);
  if (totalLength < headerLength) return { ok: false, reason: 'length', detail: `total length ${totalLength} < header length ${headerLength}` };
  if (totalLength > bytes.length) return { ok: false, reason: 'length', detail: `total length ${totalLength} > ${bytes.length} bytes received` };
  if (internetChecksum(bytes, 0, headerLength) !== 0) return { ok: false, reason: 'ipHeader', detail: 'bad IPv4 header checksum' };
  const frag = v.getUint16(6);
  const header: Ipv4Header = {
    headerLength,
    tos: bytes[1] as number,
    totalLength,
    id: v.getUint16(4),
    dontFragment: (frag & 0x4000) !== 0,
    moreFragments: (frag & 0x2000) !== 0,
    fragmentOffset: (frag & 0x1fff) * 8,
    ttl: bytes[8] as number,
    protocol: bytes[9] as number,
    checksum: v.getUint16(10),
    src: formatIpv4(bytes, 12),
    dst: formatIpv4(bytes, 16),
  };
  // A VRRP message is tiny and never fragmented; a fragment cannot be a whole advert.
  if (header.moreFragments || header.fragmentOffset !== 0) return { ok: false, reason: 'ipHeader', detail: 'fragment' };
  return { ok: true, header };
}

/**
 * The IPv4 ID keepalived uses: a per-instance counter, incremented per advert,
 * never 0 (the interop note: "an incrementing non-zero IP id").
 */
export class Ipv4IdCounter {
  #last: number;
  constructor(start = 1) {
    // Store the value before `start` so the first next() returns `start`.
    this.#last = start <= 1 ? 0 : (start - 1) & 0xffff;
  }
  next(): number {
    this.#last = this.#last >= 0xffff ? 1 : this.#last + 1;
    return this.#last;
  }
}

export interface Ipv6Header {
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
}

export interface Ipv6HeaderInit {
  src: string;
  dst: string;
  payloadLength: number;
  nextHeader?: number;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
}

/** Build a 40-byte IPv6 header (defaults: next header 112, hop limit 255, traffic class 0xc0). */
export function encodeIpv6Header(init: Ipv6HeaderInit): Uint8Array {
  const src = parseIpv6(init.src);
  const dst = parseIpv6(init.dst);
  if (!src) throw new VrrpCodecError(`IPv6 source expected, got "${init.src}"`);
  if (!dst) throw new VrrpCodecError(`IPv6 destination expected, got "${init.dst}"`);
  const tc = checkInt('traffic class', init.trafficClass ?? VRRP_TOS, 0xff);
  const flow = checkInt('flow label', init.flowLabel ?? 0, 0xfffff);
  const h = new Uint8Array(IPV6_HEADER_LENGTH);
  const v = new DataView(h.buffer);
  v.setUint32(0, ((6 << 28) | (tc << 20) | flow) >>> 0);
  v.setUint16(4, checkInt('payload length', init.payloadLength, 0xffff));
  h[6] = checkInt('next header', init.nextHeader ?? IPPROTO_VRRP, 0xff);
  h[7] = checkInt('hop limit', init.hopLimit ?? VRRP_TTL, 0xff);
  h.set(src, 8);
  h.set(dst, 24);
  return h;
}

export type Ipv6HeaderResult = { ok: true; header: Ipv6Header } | { ok: false; reason: DropReason; detail: string };

/** Parse a fixed IPv6 header (no extension headers are followed). Never throws. */
export function decodeIpv6Header(bytes: Uint8Array): Ipv6HeaderResult {
  if (bytes.length < IPV6_HEADER_LENGTH) return { ok: false, reason: 'short', detail: `${bytes.length} bytes, IPv6 header needs 40` };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w0 = v.getUint32(0);
  if (w0 >>> 28 !== 6) return { ok: false, reason: 'ipHeader', detail: `IP version ${w0 >>> 28}` };
  const payloadLength = v.getUint16(4);
  if (IPV6_HEADER_LENGTH + payloadLength > bytes.length) {
    return { ok: false, reason: 'length', detail: `payload length ${payloadLength} > ${bytes.length - IPV6_HEADER_LENGTH} bytes received` };
  }
  return {
    ok: true,
    header: {
      trafficClass: (w0 >>> 20) & 0xff,
      flowLabel: w0 & 0xfffff,
      payloadLength,
      nextHeader: bytes[6] as number,
      hopLimit: bytes[7] as number,
      src: formatIpv6(bytes, 8),
      dst: formatIpv6(bytes, 24),
    },
  };
}
