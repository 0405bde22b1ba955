/**
 * IPv4/IPv6 text <-> bytes, canonical formatting and numeric comparison.
 * VRRP compares primary addresses as unsigned integers in network byte order
 * (RFC 5798 6.4.3), so addresses are handled as bytes, never as strings.
 */

/** Parse dotted-quad IPv4 text into 4 bytes, or undefined if it is not one. */
export function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    // Reject empty parts, signs, hex and leading zeros (ambiguous octal in some tools).
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

/**
 * Parse IPv6 text (RFC 4291 2.2, with `::` and an embedded dotted quad) into 16
 * bytes. A zone id (`fe80::1%eth0`), which socket libraries put on link-local
 * sources, is ignored: it is not part of the address.
 */
export function parseIpv6(text: string): Uint8Array | undefined {
  const pct = text.indexOf('%');
  const addr = pct >= 0 ? text.slice(0, pct) : text;
  if (addr.length === 0 || addr.length > 45) return undefined;
  const halves = addr.split('::');
  if (halves.length > 2) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const groups = s.split(':');
    const words: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] as string;
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return undefined;
        words.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
        continue;
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      words.push(parseInt(g, 16));
    }
    return words;
  };
  const head = parseGroups(halves[0] as string);
  if (!head) return undefined;
  let words: number[];
  if (halves.length === 2) {
    const tail = parseGroups(halves[1] as string);
    if (!tail) return undefined;
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return undefined;
    words = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    words = head;
  }
  if (words.length !== 8) return undefined;
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

/** Parse an address of the given family (4 or 6). */
export function parseIp(text: string, family: 4 | 6): Uint8Array | undefined {
  return family === 4 ? parseIpv4(text) : parseIpv6(text);
}

/** Parse an address of either family; the family is taken from the text. */
export function parseAnyIp(text: string): { family: 4 | 6; bytes: Uint8Array } | undefined {
  const v4 = parseIpv4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(text);
  if (v6) return { family: 6, bytes: v6 };
  return undefined;
}

export function formatIpv4(bytes: Uint8Array, offset = 0): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** Canonical RFC 5952 text: lowercase, longest run (>= 2) of zero words compressed, leftmost on ties. */
export function formatIpv6(bytes: Uint8Array, offset = 0): string {
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
  if (bestLen < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

export function formatIp(bytes: Uint8Array, family: 4 | 6, offset = 0): string {
  return family === 4 ? formatIpv4(bytes, offset) : formatIpv6(bytes, offset);
}

/** Canonical text of an address (so `2001:DB8:0::1` and `2001:db8::1` compare equal), or undefined. */
export function normalizeIp(text: string): string | undefined {
  const p = parseAnyIp(text);
  return p ? formatIp(p.bytes, p.family) : undefined;
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
