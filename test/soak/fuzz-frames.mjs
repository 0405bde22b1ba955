// Mutated and random frames for the packet fuzzer (fuzz.mjs), from a seeded Rng: whole
// Ethernet frames that the kernel delivers to the daemon's raw sockets as if from the
// wire. The IP header stays deliverable (lengths and header checksum right, no fragment
// bits), so that the bytes reach hacore's own decoders; everything above it is fair game.
// A mutation that happens to make a valid advert with a priority that would win the
// election gets a lower priority instead: the fuzzer must leave the state unchanged, so it
// may send valid adverts only of lower priority (which a Master answers, rate-limited).
import { ethernet, fixVrrpChecksum, fold, ip4bytes, ipv4Header, ipv6Header, sum16, vrrpMessage, VRRP_DST4, VRRP_DST6, VRRP_MAC4, VRRP_MAC6 } from './vrrp-frames.mjs';

export const VRRP_CLASSES = ['flip', 'flip-fixed', 'field', 'truncate', 'extend', 'random', 'ttl', 'addresses'];
export const ICMP_CLASSES = ['id-seq', 'payload', 'code', 'truncate', 'random', 'checksum'];

/**
 * @param {import('./rng.mjs').Rng} rng
 * @param {{version: 2|3, family: 4|6, vrid: number, intervalMs: number, vips: string[], routerPriority: number}} d
 * @param {{src: string, srcMac: string}} from the sender's address (link-local for IPv6) and MAC
 */
export function vrrpFuzzer(rng, d, from) {
  const dst = d.family === 4 ? VRRP_DST4 : VRRP_DST6;
  const base = () => vrrpMessage({ version: d.version, vrid: d.vrid, prio: rng.int(1, 254), intervalMs: d.intervalMs, vips: d.vips, src: from.src, dst });
  const pseudo = { version: d.version, src: from.src, dst };
  const counts = Object.fromEntries(VRRP_CLASSES.map((c) => [c, 0]));
  let lowered = 0;

  function mutate(cls) {
    let m = base();
    let ttl = 255;
    switch (cls) {
      case 'flip':
        for (let i = rng.int(1, 4); i > 0; i--) m[rng.int(0, m.length - 1)] ^= 1 << rng.int(0, 7);
        break;
      case 'flip-fixed':
        for (let i = rng.int(1, 4); i > 0; i--) m[rng.int(0, m.length - 1)] ^= 1 << rng.int(0, 7);
        fixVrrpChecksum(m, pseudo);
        break;
      case 'field': {
        // One header field set to any value, the checksum made right, so the semantic checks run.
        const f = rng.int(0, 5);
        if (f === 0) m[0] = rng.int(0, 255);
        else if (f === 1) m[2] = rng.int(0, 255);
        else if (f === 2) m[3] = rng.int(0, 255);
        else if (f === 3) m.writeUInt16BE(rng.int(0, 0xffff), 4);
        else if (f === 4) m[1] = rng.int(0, 255);
        else m[0] = (m[0] & 0xf0) | rng.int(0, 15);
        fixVrrpChecksum(m, pseudo);
        break;
      }
      case 'truncate':
        m = m.subarray(0, rng.int(0, m.length - 1));
        if (rng.next() < 0.5) fixVrrpChecksum(m, pseudo);
        break;
      case 'extend':
        m = Buffer.concat([m, rng.bytes(rng.int(1, 64))]);
        if (rng.next() < 0.5) fixVrrpChecksum(m, pseudo);
        break;
      case 'random':
        m = rng.bytes(rng.int(0, 120));
        // The VRID byte kept half the time, so that random bodies also reach the instance.
        if (m.length > 1 && rng.next() < 0.5) m[1] = d.vrid;
        if (rng.next() < 0.5) fixVrrpChecksum(m, pseudo);
        break;
      case 'ttl':
        ttl = rng.int(0, 254);
        break;
      case 'addresses': {
        const n = rng.int(0, 20);
        const size = d.family === 4 ? 4 : 16;
        m = Buffer.concat([m.subarray(0, 8), rng.bytes(n * size), d.version === 2 ? m.subarray(m.length - 8) : Buffer.alloc(0)]);
        m[3] = rng.next() < 0.5 ? n : rng.int(0, 255);
        fixVrrpChecksum(m, pseudo);
        break;
      }
    }
    // A well-formed advert for the instance that could win the election: lower it.
    if (m.length >= 8 && m[0] === ((d.version << 4) | 1) && m[1] === d.vrid && m[2] >= d.routerPriority) {
      const before = Buffer.from(m);
      fixVrrpChecksum(before, pseudo);
      if (before.equals(m)) {
        m[2] = rng.int(1, d.routerPriority - 1);
        fixVrrpChecksum(m, pseudo);
        lowered++;
      }
    }
    return { m, ttl };
  }

  return {
    counts,
    get lowered() {
      return lowered;
    },
    next() {
      const cls = VRRP_CLASSES[rng.int(0, VRRP_CLASSES.length - 1)];
      counts[cls]++;
      const { m, ttl } = mutate(cls);
      const ip = d.family === 4 ? ipv4Header({ src: from.src, dst, ttl, length: m.length }) : ipv6Header({ src: from.src, dst, hopLimit: ttl, length: m.length });
      return { frame: ethernet({ dstMac: d.family === 4 ? VRRP_MAC4 : VRRP_MAC6, srcMac: from.srcMac, v6: d.family === 6 }, Buffer.concat([ip, m])), vrrp: m };
    },
  };
}

/** ICMP echo replies (type 0) to `to`, mutated: what the ICMP checker's socket reads. */
export function icmpFuzzer(rng, { src, srcMac, dst, dstMac }) {
  const counts = Object.fromEntries(ICMP_CLASSES.map((c) => [c, 0]));
  return {
    counts,
    next() {
      const cls = ICMP_CLASSES[rng.int(0, ICMP_CLASSES.length - 1)];
      counts[cls]++;
      let m = Buffer.alloc(8 + rng.int(0, 64));
      m[0] = 0;
      m.writeUInt16BE(rng.int(0, 0xffff), 4);
      m.writeUInt16BE(rng.int(0, 0xffff), 6);
      rng.bytes(m.length - 8).copy(m, 8);
      if (cls === 'code') m[1] = rng.int(0, 255);
      if (cls === 'truncate') m = m.subarray(0, rng.int(1, 7));
      if (cls === 'random') {
        m = rng.bytes(rng.int(1, 100));
        m[0] = 0; // the socket's ICMP_FILTER passes echo replies only (and errors)
      }
      if (m.length >= 4) {
        m.writeUInt16BE(0, 2);
        m.writeUInt16BE(fold(sum16(m)), 2);
        if (cls === 'checksum') m[2] ^= 1 << rng.int(0, 7);
      }
      const ip = ipv4Header({ src, dst, ttl: 64, protocol: 1, length: m.length, tos: 0 });
      return { frame: ethernet({ dstMac, srcMac, v6: false }, Buffer.concat([ip, m])), icmp: m };
    },
  };
}

/** Whether a raw ICMP socket's ICMP_FILTER passes this message: the kernel drops one shorter than an ICMP header (8 bytes). */
export function passesIcmpFilter(m) {
  return m.length >= 8;
}

/** Whether the IPv4 VRRP socket's kernel filter (vrrp-filter.ts) passes this message: version 2 or 3 and a VRID run here. */
export function passesIpv4Filter(m, vrids) {
  return m.length >= 2 && [2, 3].includes(m[0] >> 4) && vrids.includes(m[1]);
}

/** The IPv6 VRRP socket's BPF program (packages/vrrp/src/vrrp-filter.ts): VRRPv3 only, one of our VRIDs. */
export function passesIpv6Filter(m, vrids) {
  return m.length >= 2 && m[0] >> 4 === 3 && vrids.includes(m[1]);
}

export { ip4bytes };
