// The IPVS half of the netlink fuzzer (fuzz-netlink.mjs): a stand-in kernel for the IPVS
// generic-netlink family that answers each request as the kernel would, then mutates,
// and 8 IpvsClients calling every read and a write or two through it.
import { isIP } from 'node:net';
import { NLMSG_ERROR, NLMSG_DONE, NLM_F_MULTI, NLM_F_DUMP, StandInSocket, nla, nested, u8, u16, u16be, u32, u64, str, nlmsg, mutateBytes, align4, isTyped, badAddress, requireFrom, dist } from './fuzz-netlink-common.mjs';
import { Rng } from './rng.mjs';

const IPVS_FAMILY = 0x21;

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

/** Checks a decoded IPVS value; returns what is wrong with it, or undefined. */
function ipvsValueProblem(op, v) {
  const svc = (s) => {
    if (s.key.fwmark === undefined && badAddress(s.key.address, s.key.family)) return `service address ${JSON.stringify(s.key.address)} (family ${s.key.family})`;
    for (const d of s.destinations ?? []) if (badAddress(d.address, d.family)) return `destination address ${JSON.stringify(d.address)} (family ${d.family})`;
    return undefined;
  };
  if (op === 'listServices' || op === 'listAll') {
    for (const s of v) {
      const p = svc(s);
      if (p) return p;
    }
  }
  if (op === 'getService' && v) return svc(v);
  if (op === 'listDestinations') for (const d of v) if (badAddress(d.address, d.family)) return `destination address ${JSON.stringify(d.address)} (family ${d.family})`;
  if (op === 'listSyncDaemons') for (const d of v) if (d.multicastGroup !== undefined && !isIP(d.multicastGroup)) return `multicast group ${JSON.stringify(d.multicastGroup)}`;
  return undefined;
}

export async function fuzzIpvs({ messages, seed, clients = 8, record }) {
  const { NetlinkSocket } = requireFrom('ipvs')('netlink/dist/netlink.js');
  const { GenericNetlinkSocket } = requireFrom('ipvs')('netlink/dist/genl/genl.js');
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
