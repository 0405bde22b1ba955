// Mutated and random BFD control packets (RFC 5880 4.1) for the packet fuzzer (fuzz.mjs):
// whole Ethernet frames of IPv4 or IPv6 / UDP to the router's single-hop port 3784, from a seeded
// Rng, sent through a packet socket so that the source address and the TTL are the
// fuzzer's to choose. The UDP checksum is right, so the kernel delivers every one.
//
// Each frame is classified on the way out by a model of what the daemon must do with it,
// written here from RFC 5880 6.8.6 and RFC 5881 (not taken from hacore's code): which
// decode error, no session, TTL below 255, or a discard by the session layer. The runner
// compares those counts with the daemon's. A packet that would reach a session and be
// taken in (it could change the session's state or timers) is made harmless first: for
// the session with a live peer, half become an exact copy of what that peer sends; the
// rest, and all of those for the session without a peer, get a Your Discriminator that
// no session has.
import { ethernet, fold, ip4bytes, ip6bytes, ipv4Header, ipv6Header, sum16 } from './vrrp-frames.mjs';

export const BFD_CLASSES = ['flip', 'field', 'truncate', 'extend', 'random', 'ttl', 'auth', 'valid'];
export const BFD_PORT = 3784;

/** The decode error of RFC 5880 6.8.6's first checks, in its order, or undefined when the packet passes them. */
export function bfdDecodeError(m) {
  if (m.length < 24) return 'short';
  if (m[0] >> 5 !== 1) return 'badVersion';
  const a = (m[1] & 0x04) !== 0;
  if (m[3] < (a ? 26 : 24)) return 'badLength';
  if (m[3] > m.length) return 'lengthExceedsPayload';
  if (m[2] === 0) return 'zeroDetectMult';
  if (m[1] & 0x01) return 'multipoint';
  if (m.readUInt32BE(4) === 0) return 'zeroMyDiscr';
  if (a) {
    // Auth Type and Auth Len (4.2 to 4.4): simple password 4..19 octets, MD5 24, SHA1 28.
    const type = m[24];
    const len = m[25];
    const ok = type === 1 ? len >= 4 && len <= 19 : type === 2 || type === 3 ? len === 24 : type === 4 || type === 5 ? len === 28 : false;
    if (!ok || 24 + len !== m[3]) return 'badAuth';
  }
  return undefined;
}

/**
 * What the daemon must do with `m` from `src` at `ttl`, given its sessions
 * [{name, discr, peer}]: {outcome: 'decode', reason, session?} | {outcome: 'unknownSession'}
 * | {outcome: 'ttl', session} | {outcome: 'discard', reason, session} | {outcome: 'take', session}.
 */
export function bfdOutcome(m, src, ttl, sessions) {
  const reason = bfdDecodeError(m);
  if (reason) return { outcome: 'decode', reason, session: sessions.find((s) => s.peer === src) };
  const your = m.readUInt32BE(8);
  const s = your !== 0 ? sessions.find((x) => x.discr === your) : sessions.find((x) => x.peer === src);
  if (!s || s.peer !== src) return { outcome: 'unknownSession' };
  if (ttl < 255) return { outcome: 'ttl', session: s };
  if (m[1] & 0x04) return { outcome: 'discard', reason: 'authentication', session: s };
  const state = m[1] >> 6;
  if (your === 0 && state !== 0 && state !== 1) return { outcome: 'discard', reason: 'yourDiscrZero', session: s };
  return { outcome: 'take', session: s };
}

function udpChecksum(src, dst, udp, family) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(udp.length);
  const pseudo =
    family === 6
      ? Buffer.concat([ip6bytes(src), ip6bytes(dst), len, Buffer.from([0, 0, 0, 17])])
      : Buffer.concat([ip4bytes(src), ip4bytes(dst), Buffer.from([0, 17, udp.length >> 8, udp.length & 0xff])]);
  const c = fold(sum16(udp, sum16(pseudo)));
  return c === 0 ? 0xffff : c;
}

/**
 * @param {import('./rng.mjs').Rng} rng
 * @param {{family: 4|6, dst: string, dstMac: string, srcMac: string, sessions: {name: string, discr: number, peer: string}[],
 *          sources: string[], echo: {session: string, packet: number[]}}} d
 *   sources: the addresses frames come from (each session's peer among them);
 *   echo: the session with a live peer, and the exact 24 octets that peer sends it
 */
export function bfdFuzzer(rng, d) {
  const counts = Object.fromEntries(BFD_CLASSES.map((c) => [c, 0]));
  const echoPacket = Buffer.from(d.echo.packet);
  const discrs = new Set(d.sessions.map((s) => s.discr));
  const expected = { decode: {}, unknownSession: 0, ttl: {}, discards: {}, echoed: {}, redirected: 0 };
  const bump = (o, k) => (o[k] = (o[k] ?? 0) + 1);
  const foreignDiscr = () => {
    for (;;) {
      const x = rng.int(1, 0xffffffff) >>> 0;
      if (!discrs.has(x)) return x;
    }
  };

  function base() {
    const m = Buffer.alloc(24);
    m[0] = (1 << 5) | rng.int(0, 8);
    m[1] = rng.int(0, 3) << 6;
    m[2] = rng.int(1, 255);
    m[3] = 24;
    m.writeUInt32BE(rng.int(1, 0xffffffff) >>> 0, 4);
    const r = rng.next();
    const your = r < 0.35 ? d.sessions[0].discr : r < 0.55 ? (d.sessions[1] ?? d.sessions[0]).discr : r < 0.8 ? 0 : rng.int(1, 0xffffffff) >>> 0;
    m.writeUInt32BE(your, 8);
    for (const off of [12, 16, 20]) m.writeUInt32BE(rng.next() < 0.5 ? rng.int(0, 2_000_000) : rng.int(0, 0xffffffff) >>> 0, off);
    return m;
  }

  function mutate(cls) {
    let m = base();
    let ttl = 255;
    switch (cls) {
      case 'flip':
        for (let i = rng.int(1, 4); i > 0; i--) m[rng.int(0, m.length - 1)] ^= 1 << rng.int(0, 7);
        break;
      case 'field': {
        const f = rng.int(0, 5);
        if (f === 0) m[0] = rng.int(0, 255);
        else if (f === 1) m[1] = rng.int(0, 255);
        else if (f === 2) m[2] = rng.next() < 0.3 ? 0 : rng.int(0, 255);
        else if (f === 3) m[3] = rng.int(0, 255);
        else if (f === 4) m.writeUInt32BE(rng.next() < 0.3 ? 0 : rng.int(0, 0xffffffff) >>> 0, 4);
        else m.writeUInt32BE(rng.int(0, 0xffffffff) >>> 0, rng.pick([8, 12, 16, 20]));
        break;
      }
      case 'truncate':
        m = m.subarray(0, rng.int(0, 23));
        break;
      case 'extend':
        m = Buffer.concat([m, rng.bytes(rng.int(1, 64))]);
        if (rng.next() < 0.5) m[3] = Math.min(255, m.length);
        break;
      case 'random':
        m = rng.bytes(rng.int(0, 100));
        // The version kept half the time, so that random bodies also reach the later checks.
        if (m.length > 0 && rng.next() < 0.5) m[0] = (1 << 5) | (m[0] & 0x1f);
        break;
      case 'ttl':
        ttl = rng.int(0, 254);
        break;
      case 'auth': {
        const type = rng.int(0, 7);
        const len = rng.next() < 0.5 ? [0, 8, 24, 24, 28, 28, 0, 0][type] || rng.int(0, 40) : rng.int(0, 40);
        const sec = Buffer.concat([Buffer.from([type, len]), rng.bytes(Math.max(0, Math.min(len, 60) - 2))]);
        m = Buffer.concat([m, sec]);
        m[1] |= 0x04;
        m[3] = rng.next() < 0.7 ? Math.min(255, 24 + len) : rng.int(0, 255);
        if (rng.next() < 0.2) ttl = rng.int(0, 254);
        break;
      }
      case 'valid':
        break;
    }
    return { m, ttl };
  }

  return {
    counts,
    expected,
    next() {
      const cls = BFD_CLASSES[rng.int(0, BFD_CLASSES.length - 1)];
      counts[cls]++;
      let { m, ttl } = mutate(cls);
      const src = rng.pick(d.sources);
      let o = bfdOutcome(m, src, ttl, d.sessions);
      if (o.outcome === 'take') {
        if (o.session.name === d.echo.session && rng.next() < 0.5) {
          m = Buffer.from(echoPacket);
          bump(expected.echoed, o.session.name);
        } else {
          m = Buffer.from(m);
          m.writeUInt32BE(foreignDiscr(), 8);
          expected.redirected++;
        }
        o = bfdOutcome(m, src, ttl, d.sessions);
      }
      if (o.outcome === 'decode') bump(expected.decode, o.reason);
      else if (o.outcome === 'unknownSession') expected.unknownSession++;
      else if (o.outcome === 'ttl') bump(expected.ttl, o.session.name);
      else if (o.outcome === 'discard') bump(expected.discards, `${o.session.name}:${o.reason}`);
      const udp = Buffer.alloc(8 + m.length);
      udp.writeUInt16BE(rng.int(49152, 65535), 0);
      udp.writeUInt16BE(BFD_PORT, 2);
      udp.writeUInt16BE(udp.length, 4);
      m.copy(udp, 8);
      udp.writeUInt16BE(udpChecksum(src, d.dst, udp, d.family), 6);
      const ip = d.family === 6 ? ipv6Header({ src, dst: d.dst, hopLimit: ttl, next: 17, length: udp.length }) : ipv4Header({ src, dst: d.dst, ttl, protocol: 17, length: udp.length, tos: 0xc0 });
      return { frame: ethernet({ dstMac: d.dstMac, srcMac: d.srcMac, v6: d.family === 6 }, Buffer.concat([ip, udp])), bfd: m };
    },
  };
}
