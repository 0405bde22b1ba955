/**
 * The Internet checksum (RFC 1071) and the pseudo-header sums used by VRRPv3
 * (RFC 5798 5.2.8: IPv4 as for UDP, RFC 768; IPv6 as in RFC 8200 8.1) and by ICMPv6.
 */

/** IP protocol / next-header numbers used here. */
export const IPPROTO_VRRP = 112;
export const IPPROTO_ICMPV6 = 58;

/**
 * One's complement sum of 16-bit big-endian words, not folded or inverted, so
 * that several pieces (pseudo-header, message) can be summed and folded once.
 * An odd trailing byte is padded with zero, as RFC 1071 says.
 */
export function sum16(data: Uint8Array, start = 0, end = data.length, acc = 0): number {
  let sum = acc;
  let i = start;
  for (; i + 1 < end; i += 2) sum += ((data[i] as number) << 8) | (data[i + 1] as number);
  if (i < end) sum += (data[i] as number) << 8;
  // Fold periodically is unnecessary: a JS number holds 2^53, far above any packet's sum.
  return sum;
}

/** Fold the carries of a sum16 and return the one's complement, as it goes on the wire. */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

/** Internet checksum of a byte range. Summing a range that holds a correct checksum gives 0. */
export function internetChecksum(data: Uint8Array, start = 0, end = data.length): number {
  return finishChecksum(sum16(data, start, end));
}

/**
 * Sum of the pseudo-header for an upper-layer protocol: IPv4 (src, dst, zero,
 * protocol, 16-bit length) or IPv6 (src, dst, 32-bit length, zeros, next header).
 * Both reduce to the same word sum, which is why one function serves both.
 */
export function pseudoHeaderSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let sum = sum16(src) + sum16(dst);
  sum += protocol;
  sum += Math.floor(length / 0x10000) + (length & 0xffff);
  return sum;
}

/** Checksum of an upper-layer message with its pseudo-header (checksum field zeroed or included). */
export function checksumWithPseudoHeader(src: Uint8Array, dst: Uint8Array, protocol: number, message: Uint8Array): number {
  return finishChecksum(sum16(message, 0, message.length, pseudoHeaderSum(src, dst, protocol, message.length)));
}
