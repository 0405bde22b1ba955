/** Ethernet MAC addresses as text and bytes, and the VRRP virtual MACs. */
import { VrrpCodecError } from './codec-error.js';

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/** Parse `aa:bb:cc:dd:ee:ff` (or with `-`) into 6 bytes, or undefined. */
export function parseMac(text: string): Uint8Array | undefined {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{2}$/.test(p))) return undefined;
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(bytes: Uint8Array, offset = 0): string {
  return Array.from(bytes.subarray(offset, offset + 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Parse or throw a coded error (for encoders). */
export function macBytes(text: string): Uint8Array {
  const m = parseMac(text);
  if (!m) throw new VrrpCodecError(`MAC address expected, got "${text}"`);
  return m;
}

/** RFC 5798 7.3 virtual router MAC: 00:00:5e:00:01:VRID (IPv4), 00:00:5e:00:02:VRID (IPv6). */
export function vrrpVirtualMac(vrid: number, family: 4 | 6): string {
  if (!Number.isInteger(vrid) || vrid < 1 || vrid > 255) throw new VrrpCodecError(`VRID must be 1..255, got ${vrid}`);
  return formatMac(Uint8Array.of(0x00, 0x00, 0x5e, 0x00, family === 4 ? 0x01 : 0x02, vrid));
}

/** Ethernet destination MAC of an IPv4 multicast group (RFC 1112 6.4) or IPv6 one (RFC 2464 7). */
export function multicastMac(group: Uint8Array): string {
  if (group.length === 4) return formatMac(Uint8Array.of(0x01, 0x00, 0x5e, (group[1] as number) & 0x7f, group[2] as number, group[3] as number));
  return formatMac(Uint8Array.of(0x33, 0x33, group[12] as number, group[13] as number, group[14] as number, group[15] as number));
}
