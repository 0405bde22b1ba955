/**
 * IPv4/IPv6 text <-> bytes, family detection, canonical formatting, numeric
 * comparison and prefix membership: the one copy for every package (VRRP's
 * per-packet checks, the IPVS netlink codec, the ICMP checker). Addresses are
 * handled as bytes, never as strings, because VRRP compares primary addresses
 * as unsigned integers in network byte order (RFC 5798 6.4.3).
 */

export type IpFamily = 4 | 6;

/** Parse dotted-quad IPv4 text at text[from..to) into out[at..at+4); false if it is not one. */
function parseIpv4Into(text: string, from: number, to: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? text.charCodeAt(i) : 46; // a virtual '.' ends the last part
    if (c === 46) {
      // Reject empty parts and leading zeros (ambiguous octal in some tools).
      if (digits === 0 || part > 3 || (digits > 1 && text.charCodeAt(i - digits) === 48)) return false;
      out[at + part] = value;
      part++;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return part === 4;
}

/** Parse dotted-quad IPv4 text into 4 bytes, or undefined if it is not one. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return parseIpv4Into(text, 0, text.length, out, 0) ? out : undefined;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Parse IPv6 text (RFC 4291 2.2, with `::` and an embedded dotted quad) into 16
 * bytes. A zone id (`fe80::1%eth0`), which socket libraries put on link-local
 * sources, is ignored: it is not part of the address. Hand-written rather than
 * regex-based: it runs for every received packet.
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  const pct = text.indexOf('%');
  const end = pct >= 0 ? pct : text.length;
  if (end === 0 || end > 45) return undefined;
  const words = new Array<number>(8);
  let n = 0; // words written
  let gap = -1; // index in words where '::' was
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (text.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
    if (i === end) return expand(words, n, gap);
  }
  for (;;) {
    // One group: up to 4 hex digits, or a dotted quad as the last group.
    const groupStart = i;
    let value = 0;
    let digits = 0;
    while (i < end) {
      const h = hexValue(text.charCodeAt(i));
      if (h < 0) break;
      value = value * 16 + h;
      i++;
      digits++;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      if (n > 6) return undefined;
      const quad = new Uint8Array(4);
      if (!parseIpv4Into(text, groupStart, end, quad, 0)) return undefined;
      words[n++] = ((quad[0] as number) << 8) | (quad[1] as number);
      words[n++] = ((quad[2] as number) << 8) | (quad[3] as number);
      return expand(words, n, gap);
    }
    if (digits === 0 || digits > 4 || n >= 8) return undefined;
    words[n++] = value;
    if (i === end) return expand(words, n, gap);
    if (text.charCodeAt(i) !== 58) return undefined;
    i++;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;
      gap = n;
      i++;
      if (i === end) return expand(words, n, gap);
    } else if (i === end) {
      return undefined; // trailing single ':'
    }
  }
}

function expand(words: number[], n: number, gap: number): Uint8Array | undefined {
  if (gap < 0 ? n !== 8 : n > 7) return undefined;
  const out = new Uint8Array(16);
  const fill = 8 - n;
  for (let k = 0; k < n; k++) {
    const w = words[k] as number;
    const pos = gap >= 0 && k >= gap ? k + fill : k;
    out[pos * 2] = w >> 8;
    out[pos * 2 + 1] = w & 0xff;
  }
  return out;
}

/** Parse an address of the given family (4 or 6). */
export function parseIp(text: string, family: IpFamily): Uint8Array | undefined {
  return family === 4 ? parseIpv4(text) : parseIpv6(text);
}

/** Parse an address of either family; the family is taken from the text. */
export function parseAnyIp(text: string): { family: IpFamily; bytes: Uint8Array } | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  if (v6) return { family: 6, bytes: v6 };
  return undefined;
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/**
 * Canonical RFC 5952 text: lowercase, longest run (>= 2) of zero words compressed, leftmost on ties.
 * `inetNtop` writes IPv4-compatible (`::a.b.c.d`) and IPv4-mapped (`::ffff:a.b.c.d`)
 * addresses with a dotted tail, as glibc's inet_ntop and so ipvsadm print them.
 */
export function formatIpv6(bytes: Uint8Array, offset = 0, inetNtop = false): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(((bytes[offset + i * 2] as number) << 8) | (bytes[offset + i * 2 + 1] as number));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (inetNtop && bestStart === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
    return `${bestLen === 6 ? '::' : '::ffff:'}${formatIpv4(bytes, offset + 12)}`;
  }
  if (bestLen < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

export function formatIp(bytes: Uint8Array, family: IpFamily, offset = 0): string {
  return family === 4 ? formatIpv4(bytes, offset) : formatIpv6(bytes, offset);
}

/** 4 or 6 for an IPv4 or IPv6 literal (a zone id allowed), undefined for anything else (a host name). */
export function ipFamily(text: string): IpFamily | undefined {
  return parseAnyIp(text)?.family;
}

/** The 4 or 16 bytes of an address of either family; a TypeError naming the text if it is not one. */
export function ipBytes(text: string): Buffer {
  const p = parseAnyIp(text);
  if (!p) throw new TypeError(`not an IP address: ${JSON.stringify(text)}`);
  return Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
}

const normalized = new Map<string, string | undefined>();
const NORMALIZED_CACHE_MAX = 1024;

/**
 * Canonical text of an address (so `2001:DB8:0::1` and `2001:db8::1` compare equal),
 * or undefined. Memoised (bounded): validation calls it per packet on the same few
 * configured addresses.
 */
export function normalizeIp(text: string): string | undefined {
  if (normalized.has(text)) return normalized.get(text);
  const p = parseAnyIp(text);
  const v = p ? formatIp(p.bytes, p.family) : undefined;
  if (normalized.size >= NORMALIZED_CACHE_MAX) normalized.clear();
  normalized.set(text, v);
  return v;
}

/** normalizeIp, or a TypeError naming the text if it is not an address. */
export function canonicalIp(text: string): string {
  const v = normalizeIp(text);
  if (v === undefined) throw new TypeError(`not an IP address: ${JSON.stringify(text)}`);
  return v;
}

/** `198.51.100.1:80` or `[2001:db8::1]:80`, the address as given (normalise it first where text must compare). */
export function formatHostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * Whether `address` lies in `network`/`prefix` (`198.51.100.0`/24 holds
 * 198.51.100.7). Addresses of different families, or text that is not an
 * address, are never contained; a prefix out of range (past 32 or 128) is false.
 */
export function prefixContains(network: string, prefix: number, address: string): boolean {
  const n = parseAnyIp(network);
  const a = parseAnyIp(address);
  if (!n || !a || n.family !== a.family) return false;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > n.bytes.length * 8) return false;
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (n.bytes[i] !== a.bytes[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((n.bytes[whole] as number) & mask) === ((a.bytes[whole] as number) & mask);
}

/**
 * Compare two addresses as unsigned integers in network byte order (RFC 5798 6.4.3
 * tie-break). Returns <0, 0 or >0. An IPv4 address sorts below any IPv6 address;
 * unparsable text sorts below everything so that it can never win a tie.
 */
export function compareIp(a: string, b: string): number {
  const pa = parseAnyIp(a);
  const pb = parseAnyIp(b);
  if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0);
  if (pa.family !== pb.family) return pa.family - pb.family;
  for (let i = 0; i < pa.bytes.length; i++) {
    const d = (pa.bytes[i] as number) - (pb.bytes[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}
