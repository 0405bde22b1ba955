// Sends hand-made VRRP adverts (IPv4) from a lab namespace, to test how routers
// treat packets they must drop or answer. Run inside the namespace:
//   node vrrp-inject.mjs --src A --vrid N --prio P --version 3 --interval MS --vips A,B
//        --count N --every MS [--bad checksum|ttl] [--dst 224.0.0.18]
// The checksum is computed here, independently of the code under test.
import { parseArgs } from 'node:util';
import { LINUX, RawSocket } from '@hacore/native';

const { values: o } = parseArgs({
  options: {
    src: { type: 'string' },
    dst: { type: 'string', default: '224.0.0.18' },
    vrid: { type: 'string' },
    prio: { type: 'string' },
    version: { type: 'string', default: '3' },
    interval: { type: 'string', default: '1000' },
    vips: { type: 'string' },
    count: { type: 'string', default: '1' },
    every: { type: 'string', default: '500' },
    bad: { type: 'string', default: '' },
    password: { type: 'string', default: '' },
  },
});

const ip4 = (a) => Buffer.from(a.split('.').map(Number));

function sum16(buf, acc = 0) {
  for (let i = 0; i + 1 < buf.length; i += 2) acc += buf.readUInt16BE(i);
  if (buf.length % 2) acc += buf[buf.length - 1] << 8;
  return acc;
}
function fold(acc) {
  while (acc > 0xffff) acc = (acc & 0xffff) + (acc >>> 16);
  return ~acc & 0xffff;
}

/** A VRRP advert for IPv4 (RFC 3768 / RFC 5798). */
export function advert({ version, vrid, prio, intervalMs, vips, src, dst, password }) {
  const addrs = Buffer.concat(vips.map(ip4));
  let msg;
  if (version === 2) {
    msg = Buffer.alloc(8 + addrs.length + 8);
    msg[0] = 0x21;
    msg[1] = vrid;
    msg[2] = prio;
    msg[3] = vips.length;
    msg[4] = password ? 1 : 0;
    msg[5] = Math.round(intervalMs / 1000);
    addrs.copy(msg, 8);
    if (password) Buffer.from(password.slice(0, 8)).copy(msg, 8 + addrs.length);
    msg.writeUInt16BE(fold(sum16(msg)), 6);
  } else {
    msg = Buffer.alloc(8 + addrs.length);
    msg[0] = 0x31;
    msg[1] = vrid;
    msg[2] = prio;
    msg[3] = vips.length;
    msg.writeUInt16BE(Math.round(intervalMs / 10) & 0x0fff, 4);
    addrs.copy(msg, 8);
    const pseudo = Buffer.concat([ip4(src), ip4(dst), Buffer.from([0, 112, msg.length >> 8, msg.length & 0xff])]);
    msg.writeUInt16BE(fold(sum16(msg, sum16(pseudo))), 6);
  }
  return msg;
}

const msg = advert({
  version: Number(o.version),
  vrid: Number(o.vrid),
  prio: Number(o.prio),
  intervalMs: Number(o.interval),
  vips: o.vips.split(','),
  src: o.src,
  dst: o.dst,
  password: o.password,
});
if (o.bad === 'checksum') msg.writeUInt16BE(msg.readUInt16BE(6) ^ 0x5a5a, 6);

const sock = RawSocket.open(4, LINUX.IPPROTO_VRRP);
const ttl = o.bad === 'ttl' ? 1 : 255;
sock.setMulticastHops(ttl);
sock.setOption(LINUX.IPPROTO_IP, LINUX.IP_TTL, ttl);
sock.bindToDevice('eth0');

const count = Number(o.count);
const every = Number(o.every);
const t0 = performance.now();
for (let i = 0; i < count; i++) {
  sock.sendTo(msg, o.dst);
  process.stdout.write(JSON.stringify({ i, t: performance.timeOrigin + performance.now() }) + '\n');
  const wait = t0 + (i + 1) * every - performance.now();
  if (i + 1 < count && wait > 0) await new Promise((r) => setTimeout(r, wait));
}
sock.close();
