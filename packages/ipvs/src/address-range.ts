import { isIP } from 'node:net';

/** The most addresses one range may stand for. */
export const MAX_RANGE = 256;

/**
 * keepalived's virtual_server_group address ranges: `198.51.100.1-10` (the last
 * octet) or `2001:db8::1-1f` (the last group, hex). A plain address is a range
 * of one. Returns undefined for anything else, a reversed range or one of more
 * than MAX_RANGE addresses.
 */
export function expandAddressRange(text: string): string[] | undefined {
  if (isIP(text)) return [text];
  const v4 = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,3})-(\d{1,3})$/.exec(text);
  if (v4) {
    const [lo, hi] = [Number(v4[2]), Number(v4[3])];
    if (hi < lo || hi > 255 || !isIP(`${v4[1]}${lo}`)) return undefined;
    return Array.from({ length: hi - lo + 1 }, (_, i) => `${v4[1]}${lo + i}`);
  }
  const v6 = /^(.*:)([0-9a-fA-F]{1,4})-([0-9a-fA-F]{1,4})$/.exec(text);
  if (v6) {
    const [lo, hi] = [parseInt(v6[2]!, 16), parseInt(v6[3]!, 16)];
    if (hi < lo || hi - lo + 1 > MAX_RANGE || isIP(`${v6[1]}${v6[2]}`) !== 6) return undefined;
    return Array.from({ length: hi - lo + 1 }, (_, i) => `${v6[1]}${(lo + i).toString(16)}`);
  }
  return undefined;
}
