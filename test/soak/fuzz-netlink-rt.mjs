// The rtnetlink half of the netlink fuzzer (fuzz-netlink.mjs): a NetlinkReflector on
// stand-in sockets gets mutated link and address notifications and, now and then, a
// mutated dump to resync from.
import { NLMSG_DONE, NLM_F_MULTI, StandInSocket, nla, u8, u32, str, nlmsg, mutateBytes, badAddress, requireFrom, dist } from './fuzz-netlink-common.mjs';
import { Rng } from './rng.mjs';

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

export async function fuzzRtnetlink({ messages, seed, record }) {
  const nl = requireFrom('vrrp')('netlink');
  // The package's index re-exports through getters; the function itself lives in rt.js.
  const rtModule = requireFrom('vrrp')('netlink/dist/rt/rt.js');
  const { NetlinkSocket } = requireFrom('vrrp')('netlink/dist/netlink.js');
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
      // Let the stand-in's answers (setImmediate) and timers run now and then.
      if (rng.next() < 0.001) await new Promise((res) => setImmediate(res));
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
