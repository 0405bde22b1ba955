/**
 * The Internet checksum (RFC 1071): the ones' complement of the ones'
 * complement sum of 16-bit big-endian words. `initial` carries a partial sum
 * (for example the IPv6 pseudo-header's) that has not been folded yet.
 */
export function onesComplementSum(buf: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = buf.length - (buf.length % 2);
  for (let i = 0; i < n; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  // An odd trailing byte is padded with a zero byte on the right.
  if (buf.length % 2 === 1) sum += buf[buf.length - 1]! << 8;
  return sum;
}

/** Folds a running sum into 16 bits and complements it. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Checksum of a whole buffer (ICMPv4 message, IPv4 header). */
export function internetChecksum(buf: Uint8Array): number {
  return finishChecksum(onesComplementSum(buf));
}

/**
 * The ICMPv6 checksum covers a pseudo-header (RFC 8200 section 8.1): source,
 * destination, upper-layer length and next header (58).
 */
export function icmpv6Checksum(source: Uint8Array, destination: Uint8Array, message: Uint8Array): number {
  let sum = onesComplementSum(source);
  sum = onesComplementSum(destination, sum);
  sum += Math.floor(message.length / 0x10000) + (message.length & 0xffff);
  sum += 58;
  return finishChecksum(onesComplementSum(message, sum));
}
