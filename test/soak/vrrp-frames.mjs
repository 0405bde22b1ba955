// Whole Ethernet frames carrying VRRP adverts (v2/v3, IPv4/IPv6), written here
// independently of the code under test (checksums included), for the soak's advert
// trickle and the packet fuzzer. Sent through a packet socket, a frame reaches the
// router's kernel exactly as one from the wire would, so the daemon's real receive
// path (raw socket, ancillary data, IP header checks, decoder, validation) sees it.
import { isIPv4 } from 'node:net';

export function ip4bytes(a) {
  return Buffer.from(a.split('.').map(Number));
}

export function ip6bytes(a) {
  const [head, tail = ''] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = a.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return b;
}

export function macBytes(m) {
  return Buffer.from(m.split(':').map((x) => parseInt(x, 16)));
}

export function sum16(buf, acc = 0) {
  for (let i = 0; i + 1 < buf.length; i += 2) acc += buf.readUInt16BE(i);
  if (buf.length % 2) acc += buf[buf.length - 1] << 8;
  return acc;
}

export function fold(acc) {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

/** The VRRP message alone, checksum filled in. */
export function vrrpMessage({ version, vrid, prio, intervalMs, vips, src, dst }) {
  const v6 = vips[0]?.includes(':');
  const addrs = Buffer.concat(vips.map((v) => (v6 ? ip6bytes(v) : ip4bytes(v))));
  const msg = Buffer.alloc(8 + addrs.length + (version === 2 ? 8 : 0));
  msg[0] = (version << 4) | 1;
  msg[1] = vrid;
  msg[2] = prio;
  msg[3] = vips.length;
  if (version === 2) {
    msg[4] = 0;
    msg[5] = Math.max(1, Math.round(intervalMs / 1000));
  } else msg.writeUInt16BE(Math.round(intervalMs / 10) & 0x0fff, 4);
  addrs.copy(msg, 8);
  fixVrrpChecksum(msg, { version, src, dst });
  return msg;
}

/** Recomputes the VRRP checksum of `msg` in place (v3 over a pseudo-header, v2 over the message). */
export function fixVrrpChecksum(msg, { version, src, dst }) {
  if (msg.length < 8) return msg;
  msg.writeUInt16BE(0, 6);
  let acc = sum16(msg);
  if (version === 3) {
    const v6 = !isIPv4(src);
    const pseudo = v6
      ? Buffer.concat([ip6bytes(src), ip6bytes(dst), Buffer.from([0, 0, msg.length >> 8, msg.length & 0xff, 0, 0, 0, 112])])
      : Buffer.concat([ip4bytes(src), ip4bytes(dst), Buffer.from([0, 112, msg.length >> 8, msg.length & 0xff])]);
    acc = sum16(pseudo, acc);
  }
  msg.writeUInt16BE(fold(acc), 6);
  return msg;
}

/** An IPv4 header for `payload` (protocol 112 unless told), header checksum filled in. */
export function ipv4Header({ src, dst, ttl = 255, protocol = 112, length, tos = 0xc0 }) {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = tos;
  h.writeUInt16BE(20 + length, 2);
  h.writeUInt16BE(0, 4);
  h.writeUInt16BE(0x4000, 6); // DF
  h[8] = ttl;
  h[9] = protocol;
  ip4bytes(src).copy(h, 12);
  ip4bytes(dst).copy(h, 16);
  h.writeUInt16BE(fold(sum16(h)), 10);
  return h;
}

export function ipv6Header({ src, dst, hopLimit = 255, next = 112, length }) {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(0x6c000000, 0); // version 6, traffic class 0xc0
  h.writeUInt16BE(length, 4);
  h[6] = next;
  h[7] = hopLimit;
  ip6bytes(src).copy(h, 8);
  ip6bytes(dst).copy(h, 24);
  return h;
}

export function ethernet({ dstMac, srcMac, v6 }, payload) {
  const e = Buffer.alloc(14);
  macBytes(dstMac).copy(e, 0);
  macBytes(srcMac).copy(e, 6);
  e.writeUInt16BE(v6 ? 0x86dd : 0x0800, 12);
  return Buffer.concat([e, payload]);
}

export const VRRP_DST4 = '224.0.0.18';
export const VRRP_DST6 = 'ff02::12';
export const VRRP_MAC4 = '01:00:5e:00:00:12';
export const VRRP_MAC6 = '33:33:00:00:00:12';

/** A whole multicast advert frame. */
export function advertFrame({ version, vrid, prio, intervalMs, vips, src, srcMac, ttl }) {
  const v6 = vips[0].includes(':');
  const dst = v6 ? VRRP_DST6 : VRRP_DST4;
  const msg = vrrpMessage({ version, vrid, prio, intervalMs, vips, src, dst });
  const ip = v6 ? ipv6Header({ src, dst, hopLimit: ttl ?? 255, length: msg.length }) : ipv4Header({ src, dst, ttl: ttl ?? 255, length: msg.length });
  return ethernet({ dstMac: v6 ? VRRP_MAC6 : VRRP_MAC4, srcMac, v6 }, Buffer.concat([ip, msg]));
}
