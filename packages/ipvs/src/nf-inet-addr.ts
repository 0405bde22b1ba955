/**
 * Addresses to and from the 16-byte `union nf_inet_addr` the kernel's IPVS
 * attributes carry (IPv4 in the first four bytes), and their text in the form
 * ipvsadm prints (glibc inet_ntop). Parsing and formatting: @hacore/core/ip-address.
 */
import { formatIp, formatIpv6, ipFamily, parseIp, type IpFamily } from '@hacore/core/ip-address';
import { IpvsInputError } from './errors.js';

/** Encodes an address into 16 bytes (IPv4 in the first four). */
export function encodeAddress(address: string, family: IpFamily, what = 'address'): Buffer {
  const actual = ipFamily(address);
  if (actual === undefined) throw new IpvsInputError(`${what}: expected an IPv${family} address, found ${JSON.stringify(address)}`);
  if (actual !== family) throw new IpvsInputError(`${what}: expected an IPv${family} address, found IPv${actual} ${address}`);
  const buf = Buffer.alloc(16);
  buf.set(parseIp(address, family)!);
  return buf;
}

/** Text of a 16-byte address, as glibc's inet_ntop writes it. */
export function decodeAddress(buf: Uint8Array, family: IpFamily): string {
  return family === 4 ? formatIp(buf, 4) : formatIpv6(buf, 0, true);
}

/** The canonical text of an address (as the kernel's table will show it). */
export function normalizeAddress(address: string): string {
  const family = ipFamily(address);
  if (family === undefined) throw new IpvsInputError(`expected an IP address, found ${JSON.stringify(address)}`);
  return decodeAddress(encodeAddress(address, family), family);
}
