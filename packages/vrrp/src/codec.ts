/**
 * VRRP message codec: RFC 3768 (VRRPv2, IPv4) and RFC 5798 (VRRPv3, IPv4 and
 * IPv6), byte-compatible with keepalived 2.2.7. Decoders never throw: they return
 * `{ ok: true, ... }` or `{ ok: false, reason, detail }` with a reason from
 * DROP_REASONS. Encoders throw VrrpCodecError for inputs the wire cannot carry.
 *
 * v2 message:  ver|type  vrid  prio  count | authType advInt(s) checksum | addrs.. | authData[8]
 * v3 message:  ver|type  vrid  prio  count | rsvd(4) maxAdvInt(12, cs) checksum | addrs..
 */
import { IPPROTO_VRRP, checksumWithPseudoHeader, internetChecksum } from './checksum.js';
import { VrrpCodecError } from './codec-error.js';
import type { DropReason } from './drop-reasons.js';
import { formatIp, normalizeIp, parseIp } from '@hacore/core/ip-address';
import { IPV4_HEADER_LENGTH, IPV6_HEADER_LENGTH, decodeIpv4Header, decodeIpv6Header, encodeIpv4Header, encodeIpv6Header } from './ip-header.js';
import type { Ipv4Header } from './ip-header.js';

export const VRRP_TYPE_ADVERTISEMENT = 1;
export const VRRP_HEADER_LENGTH = 8;
/** v2 carries 8 bytes of authentication data after the addresses (zero when auth type is 0). */
export const VRRP_V2_AUTH_DATA_LENGTH = 8;
/** VRRPv2 authentication types (RFC 3768 5.3.6; type 2, IP AH, is not supported by hacore). */
export const VRRP_AUTH_NONE = 0;
export const VRRP_AUTH_SIMPLE = 1;
export const VRRP_MULTICAST_V4 = '224.0.0.18';
export const VRRP_MULTICAST_V6 = 'ff02::12';
/** v3 Max Adver Int is 12 bits of centiseconds. */
export const VRRP_V3_MAX_ADVER_INT = 0xfff;

export type VrrpVersion = 2 | 3;
export type IpFamily = 4 | 6;

/** A decoded VRRP message, every field of the wire format. */
export interface VrrpMessage {
  version: VrrpVersion;
  /** Always 1 (ADVERTISEMENT) once decoded: other types are dropped. */
  type: number;
  vrid: number;
  priority: number;
  /** Raw interval field: seconds for v2 (Adver Int), centiseconds for v3 (Max Adver Int, 12 bits). */
  adverInt: number;
  /** The same interval in milliseconds. */
  advertIntervalMs: number;
  /** v3: the 4 reserved bits (sent as 0, ignored on receive); v2: 0. */
  reserved: number;
  /** Canonical text addresses (IPv4 for family 4, IPv6 for family 6). */
  addresses: string[];
  /** v2 only (v3: 0). */
  authType: number;
  /** v2 only: the 8 bytes after the addresses (v3: empty). */
  authData: Uint8Array;
  checksum: number;
}

/** What the encoder needs; the checksum is always computed. */
export interface VrrpMessageInit {
  version: VrrpVersion;
  vrid: number;
  priority: number;
  /** Raw interval: v2 seconds (1..255), v3 centiseconds (1..4095). See intervalMsToAdverInt. */
  adverInt: number;
  addresses: readonly string[];
  /** Defaults to 1; other values only to build invalid packets in tests. */
  type?: number;
  /** v3 reserved bits; defaults to 0. */
  reserved?: number;
  /** v2 only; defaults to 0 (none). */
  authType?: number;
  /** v2 only; 8 bytes, defaults to zeros. See simplePasswordAuthData. */
  authData?: Uint8Array;
}

/** The IP addresses a v3 checksum covers (the pseudo-header). v2 ignores them. */
export interface VrrpAddressing {
  family: IpFamily;
  src: string;
  dst: string;
}

export type VrrpDecodeResult = { ok: true; message: VrrpMessage } | { ok: false; reason: DropReason; detail: string };

/** A received advert with the IP facts validate.ts needs (TTL / hop limit, source). */
export interface ReceivedVrrp {
  family: IpFamily;
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  message: VrrpMessage;
  /** Present when the packet came with its IPv4 header. */
  ipv4?: Ipv4Header;
}

export type ReceivedVrrpResult = { ok: true; packet: ReceivedVrrp } | { ok: false; reason: DropReason; detail: string };

function fail(reason: DropReason, detail: string): { ok: false; reason: DropReason; detail: string } {
  return { ok: false, reason, detail };
}

/** Bytes of one address of a family. */
export function addressLength(family: IpFamily): number {
  return family === 4 ? 4 : 16;
}

/** Length of a VRRP message with `count` addresses. */
export function vrrpMessageLength(version: VrrpVersion, family: IpFamily, count: number): number {
  return VRRP_HEADER_LENGTH + count * addressLength(family) + (version === 2 ? VRRP_V2_AUTH_DATA_LENGTH : 0);
}

/** Interval field -> milliseconds (v2 seconds, v3 centiseconds). */
export function adverIntToMs(version: VrrpVersion, adverInt: number): number {
  return version === 2 ? adverInt * 1000 : adverInt * 10;
}

/** Interval field for `ms`, rounded to the version's unit (at least 1), without range check. Never throws. */
export function nearestAdverInt(version: VrrpVersion, ms: number): number {
  return Math.max(1, Math.round(ms / (version === 2 ? 1000 : 10)));
}

/**
 * The interval actually used on the wire for a configured one: whole seconds for
 * v2 (keepalived rounds `advert_int 0.1` to 1 s), centiseconds for v3. Throws if
 * it does not fit the field.
 */
export function wireAdvertIntervalMs(version: VrrpVersion, ms: number): number {
  return adverIntToMs(version, intervalMsToAdverInt(version, ms));
}

/**
 * Milliseconds -> interval field, rounding to the unit of the version as keepalived
 * does (v2 rounds 0.1 s to whole seconds, at least 1). Throws if out of range.
 */
export function intervalMsToAdverInt(version: VrrpVersion, ms: number): number {
  const max = version === 2 ? 0xff : VRRP_V3_MAX_ADVER_INT;
  const v = nearestAdverInt(version, ms);
  if (!Number.isFinite(ms) || v > max) throw new VrrpCodecError(`advert interval ${ms} ms does not fit VRRPv${version} (max ${adverIntToMs(version, max)} ms)`);
  return v;
}

/** keepalived's simple-password auth data: the password's bytes, truncated to 8, zero-padded. */
export function simplePasswordAuthData(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_V2_AUTH_DATA_LENGTH);
  out.set(new TextEncoder().encode(password).subarray(0, VRRP_V2_AUTH_DATA_LENGTH));
  return out;
}

function checkInt(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new VrrpCodecError(`${name} must be an integer ${min}..${max}, got ${v}`);
  return v;
}

function vrrpChecksum(msg: Uint8Array, version: VrrpVersion, addr: VrrpAddressing): number | undefined {
  if (version === 2) return internetChecksum(msg);
  const src = parseIp(addr.src, addr.family);
  const dst = parseIp(addr.dst, addr.family);
  if (!src || !dst) return undefined;
  return checksumWithPseudoHeader(src, dst, IPPROTO_VRRP, msg);
}

/** Encode a VRRP message (without IP header), computing its checksum. */
export function encodeVrrp(init: VrrpMessageInit, addr: VrrpAddressing): Uint8Array {
  const { version } = init;
  if (version !== 2 && version !== 3) throw new VrrpCodecError(`VRRP version must be 2 or 3, got ${String(version)}`);
  if (version === 2 && addr.family !== 4) throw new VrrpCodecError('VRRPv2 is IPv4 only (RFC 3768); use version 3 for IPv6');
  const count = checkInt('address count', init.addresses.length, 0, 255);
  const len = vrrpMessageLength(version, addr.family, count);
  const m = new Uint8Array(len);
  const v = new DataView(m.buffer);
  m[0] = (version << 4) | checkInt('type', init.type ?? VRRP_TYPE_ADVERTISEMENT, 0, 15);
  m[1] = checkInt('VRID', init.vrid, 0, 255);
  m[2] = checkInt('priority', init.priority, 0, 255);
  m[3] = count;
  if (version === 2) {
    m[4] = checkInt('auth type', init.authType ?? VRRP_AUTH_NONE, 0, 255);
    m[5] = checkInt('Adver Int', init.adverInt, 0, 255);
  } else {
    v.setUint16(4, (checkInt('reserved', init.reserved ?? 0, 0, 15) << 12) | checkInt('Max Adver Int', init.adverInt, 0, VRRP_V3_MAX_ADVER_INT));
  }
  const alen = addressLength(addr.family);
  init.addresses.forEach((a, i) => {
    const bytes = parseIp(a, addr.family);
    if (!bytes) throw new VrrpCodecError(`IPv${addr.family} address expected in the advert, got "${a}"`);
    m.set(bytes, VRRP_HEADER_LENGTH + i * alen);
  });
  if (version === 2 && init.authData) {
    if (init.authData.length !== VRRP_V2_AUTH_DATA_LENGTH) throw new VrrpCodecError(`v2 auth data must be 8 bytes, got ${init.authData.length}`);
    m.set(init.authData, VRRP_HEADER_LENGTH + count * alen);
  }
  const sum = vrrpChecksum(m, version, addr);
  if (sum === undefined) throw new VrrpCodecError(`IPv${addr.family} source and destination expected for the v3 pseudo-header, got "${addr.src}" -> "${addr.dst}"`);
  v.setUint16(6, sum);
  return m;
}

/**
 * Decode and check a VRRP message (without IP header): length, version, type,
 * address count, checksum. Instance expectations (VRID, TTL, auth, interval) are
 * validate.ts's job. `addr` supplies the v3 pseudo-header. Never throws.
 */
export function decodeVrrp(bytes: Uint8Array, addr: VrrpAddressing): VrrpDecodeResult {
  if (bytes.length < VRRP_HEADER_LENGTH) return fail('short', `${bytes.length} bytes, VRRP header needs 8`);
  const b0 = bytes[0] as number;
  const version = b0 >> 4;
  if (version !== 2 && version !== 3) return fail('version', `VRRP version ${version}`);
  const type = b0 & 0x0f;
  if (type !== VRRP_TYPE_ADVERTISEMENT) return fail('type', `VRRP type ${type}`);
  if (addr.family !== 4 && addr.family !== 6) return fail('family', `address family ${String(addr.family)}`);
  if (version === 2 && addr.family === 6) return fail('family', 'VRRPv2 over IPv6');
  const count = bytes[3] as number;
  const expected = vrrpMessageLength(version, addr.family, count);
  if (bytes.length !== expected) return fail('addrCount', `${count} address(es) need ${expected} bytes of VRRP, got ${bytes.length}`);
  const sum = vrrpChecksum(bytes, version, addr);
  if (sum === undefined) return fail('family', `IPv${addr.family} pseudo-header addresses expected, got "${addr.src}" -> "${addr.dst}"`);
  if (sum !== 0) return fail('checksum', 'bad VRRP checksum');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word45 = v.getUint16(4);
  const adverInt = version === 2 ? (bytes[5] as number) : word45 & VRRP_V3_MAX_ADVER_INT;
  const alen = addressLength(addr.family);
  const addresses: string[] = [];
  for (let i = 0; i < count; i++) addresses.push(formatIp(bytes, addr.family, VRRP_HEADER_LENGTH + i * alen));
  const authStart = VRRP_HEADER_LENGTH + count * alen;
  return {
    ok: true,
    message: {
      version,
      type,
      vrid: bytes[1] as number,
      priority: bytes[2] as number,
      adverInt,
      advertIntervalMs: adverIntToMs(version, adverInt),
      reserved: version === 3 ? word45 >> 12 : 0,
      addresses,
      authType: version === 2 ? (bytes[4] as number) : 0,
      authData: version === 2 ? bytes.slice(authStart, authStart + VRRP_V2_AUTH_DATA_LENGTH) : new Uint8Array(0),
      checksum: v.getUint16(6),
    },
  };
}

/**
 * Decode a packet from a raw IPv4 socket (IPv4 header + VRRP). Checks the IP
 * header and protocol 112; TTL is reported for validate.ts. Never throws.
 */
export function decodeIpv4Vrrp(packet: Uint8Array): ReceivedVrrpResult {
  const ip = decodeIpv4Header(packet);
  if (!ip.ok) return ip;
  const h = ip.header;
  if (h.protocol !== IPPROTO_VRRP) return fail('protocol', `IP protocol ${h.protocol}`);
  const vrrp = decodeVrrp(packet.subarray(h.headerLength, h.totalLength), { family: 4, src: h.src, dst: h.dst });
  if (!vrrp.ok) return vrrp;
  return { ok: true, packet: { family: 4, src: h.src, dst: h.dst, ttl: h.ttl, message: vrrp.message, ipv4: h } };
}

/** What a raw IPv6 socket tells about a received payload (the header itself is not delivered). */
export interface Ipv6ReceiveInfo {
  src: string;
  dst: string;
  /** From IPV6_HOPLIMIT ancillary data (IPV6_RECVHOPLIMIT). */
  hopLimit: number;
}

/** Decode the payload of a raw IPv6 socket (VRRP only); hop limit passed in. Never throws. */
export function decodeIpv6Vrrp(payload: Uint8Array, info: Ipv6ReceiveInfo): ReceivedVrrpResult {
  const vrrp = decodeVrrp(payload, { family: 6, src: info.src, dst: info.dst });
  if (!vrrp.ok) return vrrp;
  return { ok: true, packet: { family: 6, src: normalizeV6(info.src), dst: normalizeV6(info.dst), ttl: info.hopLimit, message: vrrp.message } };
}

/**
 * Decode a whole IPv6 packet (header + VRRP), as a packet socket or a capture
 * sees it. Extension headers are not followed: VRRP is sent without them.
 */
export function decodeIpv6VrrpPacket(packet: Uint8Array): ReceivedVrrpResult {
  const ip = decodeIpv6Header(packet);
  if (!ip.ok) return ip;
  const h = ip.header;
  if (h.nextHeader !== IPPROTO_VRRP) return fail('protocol', `next header ${h.nextHeader}`);
  return decodeIpv6Vrrp(packet.subarray(IPV6_HEADER_LENGTH, IPV6_HEADER_LENGTH + h.payloadLength), { src: h.src, dst: h.dst, hopLimit: h.hopLimit });
}

function normalizeV6(text: string): string {
  return normalizeIp(text) ?? text;
}

export interface Ipv4VrrpPacketInit {
  src: string;
  /** 224.0.0.18 or a unicast peer. */
  dst: string;
  id: number;
  tos?: number;
  ttl?: number;
}

/** IPv4 header + VRRP message, ready for a raw socket with IP_HDRINCL. */
export function encodeIpv4VrrpPacket(ip: Ipv4VrrpPacketInit, init: VrrpMessageInit): Uint8Array {
  const msg = encodeVrrp(init, { family: 4, src: ip.src, dst: ip.dst });
  const hdr = encodeIpv4Header({ ...ip, payloadLength: msg.length });
  const out = new Uint8Array(IPV4_HEADER_LENGTH + msg.length);
  out.set(hdr, 0);
  out.set(msg, IPV4_HEADER_LENGTH);
  return out;
}

export interface Ipv6VrrpPacketInit {
  /** The interface's link-local address (RFC 5798 5.1.2.1). */
  src: string;
  /** ff02::12 or a unicast peer. */
  dst: string;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
}

/** IPv6 header + VRRP message (for a packet socket or a capture; raw IPv6 sockets take the message only). */
export function encodeIpv6VrrpPacket(ip: Ipv6VrrpPacketInit, init: VrrpMessageInit): Uint8Array {
  const msg = encodeVrrp(init, { family: 6, src: ip.src, dst: ip.dst });
  const hdr = encodeIpv6Header({ ...ip, payloadLength: msg.length });
  const out = new Uint8Array(hdr.length + msg.length);
  out.set(hdr, 0);
  out.set(msg, hdr.length);
  return out;
}
