/**
 * IPv4/IPv6 addresses to and from the 16-byte `union nf_inet_addr` the kernel
 * uses, and their text in the form ipvsadm prints (inet_ntop).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { IpvsInputError } from './errors.js';

export function addressFamily(address: string): 4 | 6 | undefined {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return undefined;
}

function parseV4(address: string, into: Buffer, offset: number): void {
  const parts = address.split('.');
  for (let i = 0; i < 4; i++) into[offset + i] = Number(parts[i]);
}

/** Encodes an address into 16 bytes (IPv4 in the first four). */
export function encodeAddress(address: string, family: 4 | 6, what = 'address'): Buffer {
  const buf = Buffer.alloc(16);
  const actual = addressFamily(address);
  if (actual === undefined) throw new IpvsInputError(`${what}: expected an IPv${family} address, found ${JSON.stringify(address)}`);
  if (actual !== family) {
    throw new IpvsInputError(`${what}: expected an IPv${family} address, found IPv${actual} ${address}`);
  }
  if (family === 4) {
    parseV4(address, buf, 0);
    return buf;
  }
  let text = address;
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  // An embedded IPv4 tail becomes two groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = Buffer.alloc(4);
    parseV4(tail, v4, 0);
    text = `${text.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const zeros = 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...(rest !== undefined ? Array<string>(zeros).fill('0') : []), ...restGroups];
  groups.forEach((g, i) => buf.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return buf;
}

/** Text of a 16-byte address, as glibc's inet_ntop writes it. */
export function decodeAddress(buf: Buffer, family: 4 | 6): string {
  if (family === 4) return `${buf[0]}.${buf[1]}.${buf[2]}.${buf[3]}`;
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(i * 2));
  // The longest run of two or more zero words is written as "::" (the first
  // such run on a tie); a single zero word is not.
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  let curLen = 0;
  for (let i = 0; i < 8; i++) {
    if (words[i] === 0) {
      if (curBase === -1) {
        curBase = i;
        curLen = 1;
      } else curLen++;
      if (curLen > bestLen) {
        bestBase = curBase;
        bestLen = curLen;
      }
    } else curBase = -1;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    // IPv4-compatible (::a.b.c.d) and IPv4-mapped (::ffff:a.b.c.d) addresses.
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += `${buf[12]}.${buf[13]}.${buf[14]}.${buf[15]}`;
      break;
    }
    out += (words[i] ?? 0).toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** The canonical text of an address (as the kernel's table will show it). */
export function normalizeAddress(address: string): string {
  const family = addressFamily(address);
  if (family === undefined) throw new IpvsInputError(`expected an IP address, found ${JSON.stringify(address)}`);
  return decodeAddress(encodeAddress(address, family), family);
}

/** `a.b.c.d:port` or `[v6]:port`, as ipvsadm prints an endpoint. */
export function formatEndpoint(address: string, port: number, family: 4 | 6): string {
  return family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}
