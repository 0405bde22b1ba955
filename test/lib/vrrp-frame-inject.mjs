// Sends whole Ethernet frames carrying VRRPv3 adverts from a lab namespace, with
// any IP source, TTL / hop limit and destination: what a raw IP socket cannot
// send (the kernel fills in a 0.0.0.0 source). Run inside the namespace:
//   node vrrp-frame-inject.mjs --family 4|6 --src A --dst G --ttl N --vrid N --prio P
//        --vips A,B --interval MS --count N [--every MS (0: back to back)] [--dev eth0]
// Checksums are computed here, independently of the code under test.
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { parseArgs } from 'node:util';
import { PacketSocket } from '@hacore/native';

const { values: o } = parseArgs({
  options: {
    family: { type: 'string', default: '4' },
    src: { type: 'string' },
    dst: { type: 'string' },
    ttl: { type: 'string', default: '255' },
    vrid: { type: 'string' },
    prio: { type: 'string', default: '255' },
    vips: { type: 'string' },
    interval: { type: 'string', default: '100' },
    count: { type: 'string', default: '1' },
    every: { type: 'string', default: '0' },
    dev: { type: 'string', default: 'eth0' },
  },
});

const family = Number(o.family);

function ip4(a) {
  return Buffer.from(a.split('.').map(Number));
}

function ip6(a) {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(parseInt(w, 16), i * 2));
  return b;
}

const ip = (a) => (family === 4 ? ip4(a) : ip6(a));

function sum16(buf, acc = 0) {
  for (let i = 0; i + 1 < buf.length; i += 2) acc += buf.readUInt16BE(i);
  if (buf.length % 2) acc += buf[buf.length - 1] << 8;
  return acc;
}

function fold(acc) {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

const src = ip(o.src);
const dst = ip(o.dst ?? (family === 4 ? '224.0.0.18' : 'ff02::12'));
const vips = o.vips.split(',').map((v) => (isIPv4(v) ? ip4(v) : ip6(v)));
const addrs = Buffer.concat(vips);
const msg = Buffer.alloc(8 + addrs.length);
msg[0] = 0x31;
msg[1] = Number(o.vrid);
msg[2] = Number(o.prio);
msg[3] = vips.length;
msg.writeUInt16BE(Math.round(Number(o.interval) / 10) & 0x0fff, 4);
addrs.copy(msg, 8);
const lenBytes = family === 4 ? Buffer.from([0, 112, msg.length >> 8, msg.length & 0xff]) : Buffer.from([0, 0, msg.length >> 8, msg.length & 0xff, 0, 0, 0, 112]);
msg.writeUInt16BE(fold(sum16(msg, sum16(Buffer.concat([src, dst, lenBytes])))), 6);

let ipHeader;
if (family === 4) {
  ipHeader = Buffer.alloc(20);
  ipHeader[0] = 0x45;
  ipHeader[1] = 0xc0;
  ipHeader.writeUInt16BE(20 + msg.length, 2);
  ipHeader.writeUInt16BE(0x4242, 4);
  ipHeader[8] = Number(o.ttl);
  ipHeader[9] = 112;
  src.copy(ipHeader, 12);
  dst.copy(ipHeader, 16);
  ipHeader.writeUInt16BE(fold(sum16(ipHeader)), 10);
} else {
  ipHeader = Buffer.alloc(40);
  ipHeader.writeUInt32BE(0x6c000000, 0);
  ipHeader.writeUInt16BE(msg.length, 4);
  ipHeader[6] = 112;
  ipHeader[7] = Number(o.ttl);
  src.copy(ipHeader, 8);
  dst.copy(ipHeader, 24);
}

// The destination MAC: the group's (01:00:5e:00:00:12 / 33:33:00:00:00:12) or, for a unicast destination, the broadcast one.
const mcast = family === 4 ? dst[0] >= 224 && dst[0] <= 239 : dst[0] === 0xff;
const dmac = !mcast ? Buffer.alloc(6, 0xff) : family === 4 ? Buffer.from([1, 0, 0x5e, dst[1] & 0x7f, dst[2], dst[3]]) : Buffer.from([0x33, 0x33, ...dst.subarray(12)]);
const smac = Buffer.from(readFileSync(`/sys/class/net/${o.dev}/address`, 'utf8').trim().split(':').map((x) => parseInt(x, 16)));
const frame = Buffer.concat([dmac, smac, Buffer.from(family === 4 ? [0x08, 0x00] : [0x86, 0xdd]), ipHeader, msg]);
const ifindex = Number(readFileSync(`/sys/class/net/${o.dev}/ifindex`, 'utf8'));

const sock = PacketSocket.open();
const count = Number(o.count);
const every = Number(o.every);
const t0 = performance.now();
try {
  for (let i = 0; i < count; i++) {
    sock.sendFrame(ifindex, frame);
    const wait = t0 + (i + 1) * every - performance.now();
    if (every > 0 && i + 1 < count && wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
} finally {
  sock.close();
}
process.stdout.write(JSON.stringify({ sent: count }) + '\n');
