/**
 * keepalived's free-form hex strings (keepalived.conf(5), UDP_CHECK): groups
 * separated by white space, each read two digits to an octet from the left, a
 * last odd digit standing for the low nibble of one more octet, so
 * "Ab12f 3 456" is AB 12 0F 03 45 06. In an expected reply a digit may be X
 * (or x): those four bits are not compared. Pure.
 */

export interface HexPattern {
  /** The octets, with 0 where a nibble is a wildcard. */
  bytes: Uint8Array;
  /** 1 bits where the octet must equal `bytes`, 0 bits for X nibbles. */
  mask: Uint8Array;
}

/** Parses a hex string; `wildcards` allows X nibbles. Returns a reason on bad input. */
export function parseHex(text: string, wildcards: boolean): HexPattern | string {
  const bytes: number[] = [];
  const mask: number[] = [];
  const groups = text.split(/\s+/).filter((g) => g.length > 0);
  if (groups.length === 0) return 'no hex digits';
  for (const g of groups) {
    const nibbles: (number | undefined)[] = [];
    for (const ch of g) {
      if (/[0-9a-fA-F]/.test(ch)) nibbles.push(parseInt(ch, 16));
      else if (wildcards && (ch === 'x' || ch === 'X')) nibbles.push(undefined);
      else return `"${ch}" in "${g}" is not a hex digit${wildcards ? ' or X' : ''}`;
    }
    for (let i = 0; i < nibbles.length; ) {
      // Pairs from the left; the odd one out at the end is a low nibble under a 0 high nibble.
      const left = nibbles.length - i;
      const hi = left === 1 ? 0 : nibbles[i++];
      const lo = nibbles[i++];
      bytes.push(((hi ?? 0) << 4) | (lo ?? 0));
      mask.push((hi === undefined ? 0 : 0xf0) | (lo === undefined ? 0 : 0x0f));
    }
  }
  return { bytes: Uint8Array.from(bytes), mask: Uint8Array.from(mask) };
}

/**
 * keepalived's rule: the reply matches when it equals the pattern over the
 * shorter of the two lengths (the length limits are checked apart).
 */
export function matchesPattern(reply: Uint8Array, p: HexPattern): boolean {
  const n = Math.min(reply.length, p.bytes.length);
  for (let i = 0; i < n; i++) if ((reply[i]! & p.mask[i]!) !== p.bytes[i]) return false;
  return true;
}

/** The octets of a parsed string as keepalived's canonical spacing would write them: "ab 12 0f". */
export function formatHex(p: HexPattern): string {
  return Array.from(p.bytes, (b, i) => {
    const m = p.mask[i]!;
    const hi = m & 0xf0 ? (b >> 4).toString(16) : 'x';
    const lo = m & 0x0f ? (b & 0xf).toString(16) : 'x';
    return hi + lo;
  }).join(' ');
}
