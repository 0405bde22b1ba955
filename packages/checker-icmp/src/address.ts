import net from 'node:net';

export type Family = 4 | 6;

/** The family of an IP literal, or undefined when it is not one. */
export function familyOf(address: string): Family | undefined {
  const v = net.isIP(address);
  return v === 4 || v === 6 ? v : undefined;
}

/** IPv4 dotted quad to its 4 bytes. */
export function ipv4Bytes(address: string): Buffer {
  const parts = address.split('.');
  if (parts.length !== 4) throw new TypeError(`not an IPv4 address: ${address}`);
  return Buffer.from(parts.map((p) => {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) throw new TypeError(`not an IPv4 address: ${address}`);
    return n;
  }));
}

/** IPv6 literal (compressed, mixed IPv4 tail, no zone) to its 16 bytes. */
export function ipv6Bytes(address: string): Buffer {
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const out = Buffer.alloc(16);
  let tail: Buffer | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = ipv4Bytes(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new TypeError(`not an IPv6 address: ${address}`);
  const parse = (h: string): number[] => (h === '' ? [] : h.split(':').map((g) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new TypeError(`not an IPv6 address: ${address}`);
    return parseInt(g, 16);
  }));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = halves.length === 2 ? [...head, ...new Array<number>(8 - head.length - rest.length).fill(0), ...rest] : head;
  if (groups.length !== 8) throw new TypeError(`not an IPv6 address: ${address}`);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  if (tail) tail.copy(out, 12);
  return out;
}

export function addressBytes(address: string): Buffer {
  return familyOf(address) === 6 ? ipv6Bytes(address) : ipv4Bytes(address);
}

/** Text of 4 or 16 address bytes: dotted quad, or the RFC 5952 form. */
export function bytesToAddress(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // Longest run of two or more zero groups becomes "::" (first one on a tie).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** A canonical text of an address, so that `2001:DB8:0::1` and `2001:db8::1` compare equal. */
export function canonicalAddress(address: string): string {
  return bytesToAddress(addressBytes(address));
}
