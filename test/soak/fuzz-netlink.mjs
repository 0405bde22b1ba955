// The netlink fuzzer (docs/reliability.md): IPVS generic-netlink replies and rtnetlink
// link and address messages come from the kernel, not the network, and this kernel has
// no IPVS, so these are fuzzed in process, one step short of the kernel: hacore's own
// clients are built on the `netlink` package's real NetlinkSocket, whose raw socket is a
// stand-in that answers each request with mutated and random datagrams (and, for the
// rtnetlink mirror, sends mutated notifications). Everything from the socket's
// 'message' callback up is the production code: the package's datagram and multipart
// parsing, GenlTransport, IpvsClient and its decoders; NetlinkReflector and its mirror.
//
// Asserted: an IpvsClient call resolves with well-formed values (addresses that are IP
// addresses of their family) or rejects with a typed error (IpvsError, IpvsProtocolError);
// the reflector never throws out of its callback, and its mirror holds only well-formed
// links and addresses. No uncaught exception, no unhandled rejection.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Rng } from './rng.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
const requireVrrp = createRequire(path.join(ROOT, 'packages/vrrp/package.json'));
const requireIpvs = createRequire(path.join(ROOT, 'packages/ipvs/package.json'));
const dist = (p) => pathToFileURL(path.join(ROOT, 'packages', p)).href;

const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_MULTI = 0x2;
const NLM_F_DUMP = 0x300;
const IPVS_FAMILY = 0x21;

/** A raw netlink socket with no kernel behind it: `answer(datagram)` returns what to deliver. */
class StandInSocket extends EventEmitter {
  constructor(answer) {
    super();
    this.answer = answer;
  }
  send(data, _options, cb) {
    const buf = Buffer.concat([data].flat());
    setImmediate(() => {
      cb?.(null);
      for (const d of this.answer(buf)) this.emit('message', d, { port: 0 });
    });
  }
  deliver(datagram) {
    this.emit('message', datagram, { port: 0 });
  }
  address() {
    return { port: 4242 };
  }
  ref() {}
  unref() {}
  close() {}
  addMembership() {}
  dropMembership() {}
  setRecvBufferSize() {}
}

const align4 = (n) => (n + 3) & ~3;
function nla(type, payload) {
  const b = Buffer.alloc(align4(4 + payload.length));
  b.writeUInt16LE(4 + payload.length, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}
const nested = (type, parts) => nla(type | 0x8000, Buffer.concat(parts));
const u8 = (v) => Buffer.from([v]);
const u16 = (v) => Buffer.from([v & 0xff, v >> 8]);
const u16be = (v) => Buffer.from([v >> 8, v & 0xff]);
const u32 = (v) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const u64 = (v) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};
const str = (s) => Buffer.concat([Buffer.from(s), Buffer.alloc(1)]);

function nlmsg(type, flags, seq, port, payload) {
  const b = Buffer.alloc(align4(16 + payload.length));
  b.writeUInt32LE(16 + payload.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(port, 12);
  payload.copy(b, 16);
  return b;
}

/** Mutations of an attribute payload (or of a whole message body). */
function mutateBytes(rng, b) {
  const m = Buffer.from(b);
  switch (rng.int(0, 6)) {
    case 0:
      for (let i = rng.int(1, 6); i > 0 && m.length; i--) m[rng.int(0, m.length - 1)] ^= 1 << rng.int(0, 7);
      return m;
    case 1:
      return m.subarray(0, rng.int(0, m.length));
    case 2: {
      // An attribute length somewhere set to anything.
      if (m.length >= 2) m.writeUInt16LE(rng.int(0, 0xffff), rng.int(0, Math.floor((m.length - 2) / 4)) * 4);
      return m;
    }
    case 3:
      return Buffer.concat([m, rng.bytes(rng.int(1, 64))]);
    case 4:
      return rng.bytes(rng.int(0, 200));
    case 5: {
      // A random attribute spliced in at an attribute boundary.
      const at = rng.int(0, Math.floor(m.length / 4)) * 4;
      return Buffer.concat([m.subarray(0, at), nla(rng.int(0, 20) | (rng.next() < 0.3 ? 0x8000 : 0), rng.bytes(rng.int(0, 24))), m.subarray(at)]);
    }
    default:
      return m;
  }
}

// IPVS -----------------------------------------------------------------------

function ipvsAddress(rng, family) {
  // The right length most of the time; otherwise any length from 0 to 20.
  const n = rng.next() < 0.8 ? (family === 6 ? 16 : rng.next() < 0.5 ? 4 : 16) : rng.int(0, 20);
  return rng.bytes(n);
}

function stats(rng, wide) {
  const v = wide ? (x) => u64(x) : (x) => u32(x);
  return Array.from({ length: 10 }, (_, i) => nla(i + 1, i === 3 || i === 4 ? u64(rng.int(0, 2 ** 40)) : v(rng.int(0, 2 ** 31))));
}

function serviceAttrs(rng) {
  const family = rng.next() < 0.5 ? 4 : 6;
  const parts = [nla(1, u16(rng.next() < 0.9 ? (family === 4 ? 2 : 10) : rng.int(0, 30)))];
  if (rng.next() < 0.2) parts.push(nla(5, u32(rng.int(1, 1000))));
  else parts.push(nla(2, u16(rng.pick([6, 17, 132, rng.int(0, 255)]))), nla(3, ipvsAddress(rng, family)), nla(4, u16be(rng.int(0, 65535))));
  parts.push(nla(6, str(rng.pick(['rr', 'wlc', 'mh', 'sh', 'x'.repeat(rng.int(0, 20))]))));
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(rng.int(0, 0x3f), 0);
  flags.writeUInt32LE(0xffffffff, 4);
  parts.push(nla(7, flags), nla(8, u32(rng.int(0, 3600))), nla(9, rng.next() < 0.5 ? u32(rng.int(0, 128)) : rng.bytes(rng.int(0, 8))));
  parts.push(nested(rng.next() < 0.5 ? 10 : 12, stats(rng, rng.next() < 0.5)));
  if (rng.next() < 0.2) parts.push(nla(11, str('sip')));
  return nested(1, parts);
}

function destAttrs(rng) {
  const family = rng.next() < 0.5 ? 4 : 6;
  const parts = [nla(1, ipvsAddress(rng, family)), nla(2, u16be(rng.int(0, 65535))), nla(3, u32(rng.int(0, 7))), nla(4, u32(rng.int(0, 2 ** 31)))];
  for (const t of [5, 6, 7, 8, 9]) parts.push(nla(t, u32(rng.int(0, 1000))));
  if (rng.next() < 0.7) parts.push(nla(11, u16(rng.next() < 0.9 ? (family === 4 ? 2 : 10) : rng.int(0, 30))));
  parts.push(nla(13, u8(rng.int(0, 3))), nla(14, u16be(rng.int(0, 65535))), nla(15, u16(rng.int(0, 3))));
  parts.push(nested(rng.next() < 0.5 ? 10 : 12, stats(rng, rng.next() < 0.5)));
  return nested(2, parts);
}

function daemonAttrs(rng) {
  const parts = [nla(1, u32(rng.int(0, 3))), nla(2, str(rng.pick(['eth0', 'x'.repeat(rng.int(0, 20))]))), nla(3, u32(rng.int(0, 255)))];
  if (rng.next() < 0.5) parts.push(nla(4, u16(rng.int(0, 65535))));
  if (rng.next() < 0.5) parts.push(nla(5, rng.bytes(rng.next() < 0.8 ? 4 : rng.int(0, 8))));
  if (rng.next() < 0.3) parts.push(nla(6, rng.bytes(rng.next() < 0.8 ? 16 : rng.int(0, 20))));
  if (rng.next() < 0.5) parts.push(nla(7, u16(rng.int(0, 65535))), nla(8, u8(rng.int(0, 255))));
  return nested(3, parts);
}

// 'lost' and 'no-done' leave the request to its timeout: kept rare, as each costs 25 ms.
export const IPVS_CLASSES = { valid: 1, attrs: 2, body: 2, 'header-length': 1, 'truncate-datagram': 1, 'no-done': 0.1, lost: 0.1, error: 1, 'short-error': 1, 'wrong-seq': 1, 'random-type': 1, 'genl-short': 1 };

/** A stand-in kernel for the IPVS family: each request answered as the kernel would, mutated. */
function ipvsKernel(rng, tally) {
  const genl = (cmd, attrs) => Buffer.concat([Buffer.from([cmd, 1, 0, 0]), attrs]);
  const body = (cmd) => {
    if (cmd === 4) return serviceAttrs(rng);
    if (cmd === 8) return destAttrs(rng);
    if (cmd === 11) return daemonAttrs(rng);
    if (cmd === 15) return Buffer.concat([nla(1, u32(rng.int(0, 0xffffff))), nla(2, u32(rng.int(0, 2 ** 20)))]);
    if (cmd === 13) return Buffer.concat([nla(4, u32(rng.int(0, 900))), nla(5, u32(rng.int(0, 120))), nla(6, u32(rng.int(0, 300)))]);
    return Buffer.alloc(0);
  };
  // An acknowledgement (errno 0) or an error: the negative errno, then the request's header.
  const ack = (seq, port, errno = 0) => {
    const b = Buffer.alloc(20);
    b.writeInt32LE(-errno, 0);
    return nlmsg(NLMSG_ERROR, 0, seq, port, b);
  };
  return (datagram) => {
    // A batch has several requests in one datagram: acknowledge the ACK-flagged one, fail some.
    const reqs = [];
    for (let off = 0; off + 20 <= datagram.length; ) {
      const len = datagram.readUInt32LE(off);
      reqs.push({ flags: datagram.readUInt16LE(off + 6), seq: datagram.readUInt32LE(off + 8), port: datagram.readUInt32LE(off + 12), cmd: datagram[off + 16] });
      off += align4(Math.max(len, 20));
    }
    const out = [];
    for (const r of reqs) {
      const cls = rng.weighted(IPVS_CLASSES);
      tally.classes[cls] = (tally.classes[cls] ?? 0) + 1;
      const dump = (r.flags & NLM_F_DUMP) === NLM_F_DUMP;
      const wantsReply = [4, 8, 11, 13, 15].includes(r.cmd);
      const n = dump ? rng.int(0, 6) : wantsReply ? 1 : 0;
      const msgs = [];
      for (let i = 0; i < n; i++) {
        let payload = genl(r.cmd, body(r.cmd));
        if (cls === 'attrs') payload = Buffer.concat([payload.subarray(0, 4), mutateBytes(rng, payload.subarray(4))]);
        if (cls === 'body') payload = mutateBytes(rng, payload);
        if (cls === 'genl-short') payload = payload.subarray(0, rng.int(0, 3));
        msgs.push(nlmsg(cls === 'random-type' && rng.next() < 0.5 ? rng.int(0, 40) : IPVS_FAMILY, dump ? NLM_F_MULTI : 0, r.seq, r.port, payload));
      }
      if (dump && cls === 'error') msgs.unshift(ack(r.seq, r.port, rng.pick([1, 2, 3, 12, 22])));
      // A reply for another request first; the right one still follows.
      if (cls === 'wrong-seq') msgs.unshift(nlmsg(IPVS_FAMILY, 0, (r.seq + rng.int(1, 1000)) >>> 0, r.port, genl(r.cmd, body(r.cmd))));
      if (cls === 'header-length' && msgs.length) {
        const k = rng.int(0, msgs.length - 1);
        msgs[k] = Buffer.from(msgs[k]);
        msgs[k].writeUInt32LE(rng.pick([0, 1, 15, 16, msgs[k].length + rng.int(1, 64), rng.int(0, 0xffffffff) >>> 0]), 0);
      }
      // The end of the answer (DONE, or the acknowledgement) in a datagram of its own, as the
      // kernel often sends it: a mangled datagram before it is lost alone.
      const end = [];
      if (dump && cls !== 'no-done') end.push(nlmsg(NLMSG_DONE, NLM_F_MULTI, r.seq, r.port, u32(0)));
      if (!dump && r.flags & 0x4) {
        if (cls === 'error') end.push(ack(r.seq, r.port, rng.pick([1, 2, 3, 12, 17, 22, 95, rng.int(1, 200)])));
        else if (cls === 'short-error') end.push(nlmsg(NLMSG_ERROR, 0, r.seq, r.port, rng.bytes(rng.int(0, 3))));
        else end.push(ack(r.seq, r.port));
      }
      tally.messages += msgs.length + end.length;
      let d = Buffer.concat(msgs);
      if (cls === 'truncate-datagram') d = d.subarray(0, rng.int(0, d.length));
      if (cls === 'lost') continue;
      if (d.length) out.push(d);
      if (end.length) out.push(Buffer.concat(end));
    }
    return out;
  };
}

// rtnetlink --------------------------------------------------------------------

export const RT_CLASSES = ['valid', 'attrs', 'body', 'header-length', 'truncate-datagram', 'random-type', 'short-header'];

function linkBody(rng) {
  const h = Buffer.alloc(16);
  h[0] = rng.pick([0, 0, 2, 10, rng.int(0, 255)]);
  h.writeUInt16LE(rng.pick([1, 772, rng.int(0, 0xffff)]), 2);
  h.writeInt32LE(rng.int(1, 12), 4);
  h.writeUInt32LE(rng.int(0, 0x1ffff), 8);
  h.writeUInt32LE(rng.int(0, 0xffffffff) >>> 0, 12);
  const attrs = [nla(3, str(rng.pick(['eth0', 'eth1', 'lo', 'vrrp.61', 'x'.repeat(rng.int(0, 20))])))];
  if (rng.next() < 0.8) attrs.push(nla(1, rng.bytes(rng.next() < 0.8 ? 6 : rng.int(0, 10))));
  if (rng.next() < 0.5) attrs.push(nla(4, u32(rng.int(68, 9000))));
  if (rng.next() < 0.3) attrs.push(nla(16, u8(rng.int(0, 7))));
  return Buffer.concat([h, ...attrs]);
}

function addrBody(rng) {
  const family = rng.pick([2, 10, 2, 10, rng.int(0, 255)]);
  const h = Buffer.alloc(8);
  h[0] = family;
  h[1] = rng.next() < 0.9 ? rng.int(0, family === 10 ? 128 : 32) : rng.int(0, 255);
  h[2] = rng.int(0, 0xff);
  h[3] = rng.pick([0, 200, 253, 254, rng.int(0, 255)]);
  h.writeUInt32LE(rng.int(1, 12), 4);
  const alen = () => (rng.next() < 0.8 ? (family === 10 ? 16 : 4) : rng.int(0, 20));
  const attrs = [];
  if (rng.next() < 0.8) attrs.push(nla(2, rng.bytes(alen())));
  if (rng.next() < 0.6) attrs.push(nla(1, rng.bytes(alen())));
  if (rng.next() < 0.4) attrs.push(nla(8, u32(rng.int(0, 0xfff))));
  if (rng.next() < 0.3) attrs.push(nla(3, str('eth0')));
  return Buffer.concat([h, ...attrs]);
}

function rtMessage(rng, tally, seq = 0, flags = 0) {
  const cls = rng.pick(RT_CLASSES);
  tally.classes[cls] = (tally.classes[cls] ?? 0) + 1;
  const type = rng.pick([16, 17, 20, 21]);
  let body = type < 20 ? linkBody(rng) : addrBody(rng);
  if (cls === 'attrs') body = Buffer.concat([body.subarray(0, type < 20 ? 16 : 8), mutateBytes(rng, body.subarray(type < 20 ? 16 : 8))]);
  if (cls === 'body') body = mutateBytes(rng, body);
  if (cls === 'short-header') body = body.subarray(0, rng.int(0, type < 20 ? 15 : 7));
  let m = nlmsg(cls === 'random-type' ? rng.int(0, 100) : type, flags, seq, 0, body);
  if (cls === 'header-length') m.writeUInt32LE(rng.pick([0, 15, 16, m.length + rng.int(1, 64), rng.int(0, 0xffffffff) >>> 0]), 0);
  if (cls === 'truncate-datagram') m = m.subarray(0, rng.int(0, m.length));
  tally.messages++;
  return m;
}

/** A stand-in rtnetlink: dumps of links and addresses (mutated) for the reflector's resync. */
function rtKernel(rng, tally) {
  return (datagram) => {
    if (datagram.length < 16) return [];
    const seq = datagram.readUInt32LE(8);
    // One datagram per message and DONE apart, so that a mangled one is lost alone (a
    // resync that never sees DONE waits out its 5 s timeout).
    const msgs = Array.from({ length: rng.int(0, 6) }, () => rtMessage(rng, tally, seq, NLM_F_MULTI));
    tally.messages++;
    return [...msgs.filter((m) => m.length > 0), nlmsg(NLMSG_DONE, NLM_F_MULTI, seq, 0, u32(0))];
  };
}

// The runs -----------------------------------------------------------------------

const isTyped = (err, names) => err instanceof Error && names.includes(err.name);

function badAddress(address, family) {
  return typeof address !== 'string' || isIP(address) !== family;
}

/** Checks a decoded IPVS value; returns what is wrong with it, or undefined. */
function ipvsValueProblem(op, v) {
  const svc = (s) => {
    if (s.key.fwmark === undefined && badAddress(s.key.address, s.key.family)) return `service address ${JSON.stringify(s.key.address)} (family ${s.key.family})`;
    for (const d of s.destinations ?? []) if (badAddress(d.address, d.family)) return `destination address ${JSON.stringify(d.address)} (family ${d.family})`;
    return undefined;
  };
  if (op === 'listServices' || op === 'listAll') for (const s of v) return svc(s);
  if (op === 'listDestinations') for (const d of v) if (badAddress(d.address, d.family)) return `destination address ${JSON.stringify(d.address)} (family ${d.family})`;
  if (op === 'listSyncDaemons') for (const d of v) if (d.multicastGroup !== undefined && !isIP(d.multicastGroup)) return `multicast group ${JSON.stringify(d.multicastGroup)}`;
  return undefined;
}

async function fuzzIpvs({ messages, seed, clients = 8, record }) {
  const { NetlinkSocket } = requireIpvs('netlink/dist/netlink.js');
  const { GenericNetlinkSocket } = requireIpvs('netlink/dist/genl/genl.js');
  const { GenlTransport } = await import(dist('ipvs/dist/src/genl-transport.js'));
  const { IpvsClient } = await import(dist('ipvs/dist/src/netlink-client.js'));
  const root = new Rng(seed).fork('ipvs');
  const tally = { messages: 0, calls: 0, resolved: 0, rejected: {}, classes: {}, untyped: {}, badValues: {} };
  const key4 = { family: 4, protocol: 'tcp', address: '198.51.100.10', port: 80 };
  const ops = [
    ['getInfo', (c) => c.getInfo()],
    ['listServices', (c) => c.listServices()],
    ['listAll', (c) => c.listAll()],
    ['listDestinations', (c) => c.listDestinations(key4)],
    ['getService', (c) => c.getService(key4)],
    ['getTimeouts', (c) => c.getTimeouts()],
    ['listSyncDaemons', (c) => c.listSyncDaemons()],
    ['addService', (c) => c.addService({ key: key4, scheduler: 'rr' })],
    ['applyBatch', (c) => c.applyBatch([{ op: 'addService', service: { key: key4, scheduler: 'rr' } }, { op: 'deleteService', key: { ...key4, port: 81 } }])],
  ];
  const worker = async (w) => {
    const rng = root.fork(`client-${w}`);
    const raw = new StandInSocket(ipvsKernel(rng, tally));
    const transport = new GenlTransport(new GenericNetlinkSocket(new NetlinkSocket(raw)), { name: 'IPVS', id: IPVS_FAMILY, version: 1, operations: 17 }, 25);
    const client = new IpvsClient(transport);
    while (tally.messages < messages) {
      const [op, call] = rng.pick(ops);
      tally.calls++;
      try {
        const v = await call(client);
        tally.resolved++;
        const p = ipvsValueProblem(op, v);
        if (p) record(tally.badValues, `${op}: ${p}`);
      } catch (err) {
        if (isTyped(err, ['IpvsError', 'IpvsProtocolError'])) tally.rejected[err.name] = (tally.rejected[err.name] ?? 0) + 1;
        else record(tally.untyped, `${op}: ${err?.name}: ${String(err?.stack ?? err).split('\n').slice(0, 3).join(' | ')}`);
      }
    }
    client.close();
  };
  await Promise.all(Array.from({ length: clients }, (_, w) => worker(w)));
  return tally;
}

async function fuzzRtnetlink({ messages, seed, record }) {
  const nl = requireVrrp('netlink');
  // The package's index re-exports through getters; the function itself lives in rt.js.
  const rtModule = requireVrrp('netlink/dist/rt/rt.js');
  const { NetlinkSocket } = requireVrrp('netlink/dist/netlink.js');
  const rng = new Rng(seed).fork('rtnetlink');
  const tally = { messages: 0, notifications: 0, resyncs: 0, resyncRejected: {}, classes: {}, untyped: {}, badMirror: {}, links: 0, addresses: 0 };
  const sockets = [];
  const realCreate = rtModule.createRtNetlink;
  // The reflector opens its two sockets through the module: hand it stand-ins.
  rtModule.createRtNetlink = () => {
    const raw = new StandInSocket(rtKernel(rng, tally));
    sockets.push(raw);
    return new nl.RtNetlinkSocket(new NetlinkSocket(raw));
  };
  const { NetlinkReflector } = await import(dist('vrrp/dist/src/netlink-reflector.js'));
  const listenerErrors = [];
  const r = new NetlinkReflector((err, ev) => listenerErrors.push(`${ev}: ${err}`));
  let events = 0;
  for (const e of ['link', 'linkRemoved', 'address', 'addressRemoved']) r.on(e, () => events++);
  try {
    await r.start().catch((err) => record(tally.resyncRejected, `start: ${err?.message}`));
    const [eventsSock] = sockets;
    const checkMirror = () => {
      for (const [i, l] of r.links) {
        if (!Number.isInteger(l.index) || l.index !== i || typeof l.name !== 'string') record(tally.badMirror, `link ${JSON.stringify(l)}`);
        if (l.mac !== undefined && !Buffer.isBuffer(l.mac)) record(tally.badMirror, `link mac ${typeof l.mac}`);
      }
      for (const a of r.addresses.values()) if (badAddress(a.address, a.family)) record(tally.badMirror, `address ${JSON.stringify(a.address)} (family ${a.family}, index ${a.index})`);
    };
    while (tally.messages < messages) {
      // Notifications, one to a few per datagram, as the kernel sends them; now and then a resync.
      if (rng.next() < 0.01) {
        tally.resyncs++;
        await r.resync().catch((err) => record(tally.resyncRejected, `${err?.name}: ${String(err?.message).replace(/\d+/g, 'N')}`));
      } else {
        const n = rng.int(1, 4);
        tally.notifications += n;
        try {
          eventsSock.deliver(Buffer.concat(Array.from({ length: n }, () => rtMessage(rng, tally))));
        } catch (err) {
          record(tally.untyped, `notification: ${err?.name}: ${String(err?.stack ?? err).split('\n').slice(0, 3).join(' | ')}`);
        }
      }
      if (tally.messages % 1000 < 5) checkMirror();
      // Keep the mirror small, as a real host's is.
      if (r.links.size > 64 || r.addresses.size > 256) {
        checkMirror();
        r.links.clear();
        r.addresses.clear();
      }
      if (tally.notifications % 2000 === 0) await new Promise((res) => setImmediate(res));
    }
    checkMirror();
    tally.links = r.links.size;
    tally.addresses = r.addresses.size;
    tally.events = events;
    tally.listenerErrors = listenerErrors.length;
  } finally {
    r.stop();
    rtModule.createRtNetlink = realCreate;
  }
  return tally;
}

/**
 * @param {{messages: number, seed: number, log?: (s: string) => void}} opts
 */
export async function runNetlinkFuzz({ messages, seed, log = (s) => process.stdout.write(`${s}\n`) }) {
  const breaches = [];
  const uncaught = [];
  const onUncaught = (err) => uncaught.push(String(err?.stack ?? err));
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const record = (o, k) => (o[k] = (o[k] ?? 0) + 1);
  const decoders = [];
  try {
    for (const [name, run] of [['ipvs-genetlink-replies', fuzzIpvs], ['rtnetlink-link-address', fuzzRtnetlink]]) {
      const t0 = Date.now();
      const tally = await run({ messages, seed, record });
      const res = { decoder: name, sent: tally.messages, seconds: Math.round((Date.now() - t0) / 100) / 10, ...tally };
      for (const [k, n] of Object.entries(tally.untyped)) breaches.push(`${name}: ${n} x not a typed error: ${k}`);
      for (const [k, n] of Object.entries(tally.badValues ?? {})) breaches.push(`${name}: ${n} x decoded a malformed value: ${k}`);
      for (const [k, n] of Object.entries(tally.badMirror ?? {})) breaches.push(`${name}: ${n} x the mirror holds a malformed entry: ${k}`);
      if (tally.listenerErrors) breaches.push(`${name}: ${tally.listenerErrors} listener errors`);
      log(`fuzz: ${JSON.stringify(res)}`);
      decoders.push(res);
    }
    await new Promise((r) => setTimeout(r, 100));
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  for (const u of uncaught.slice(0, 5)) breaches.push(`netlink: uncaught: ${u}`);
  return { seed, messages, decoders, breaches };
}
