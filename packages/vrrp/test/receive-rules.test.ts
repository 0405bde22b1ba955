/**
 * One test per receive-path rule (RFC 5798 7.1, RFC 3768 7.1, keepalived 2.2.7's
 * checks): fast-check generates adverts that break exactly that rule, each crafted
 * to hurt most if it were taken in (priority 255 at the Master, 0 at the Backup),
 * and a single such packet must be dropped with the rule's reason and change
 * nothing in either state machine: state, timers, snapshot, adverts sent.
 * A control shows the same packets without the fault do move the routers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeIpv4VrrpPacket, encodeVrrp, simplePasswordAuthData, VRRP_AUTH_SIMPLE, VRRP_MULTICAST_V4, VRRP_MULTICAST_V6 } from '../src/codec.js';
import type { VrrpMessageInit } from '../src/codec.js';
import { internetChecksum } from '../src/checksum.js';
import type { DropReason } from '../src/drop-reasons.js';
import { formatIpv4, formatIpv6 } from '@hacore/core/ip-address';
import { Net, type Router } from './sim.js';

const RUNS = 150;
const VIP = '198.51.100.200';
const A = '198.51.100.11'; // Master, priority 150
const B = '198.51.100.12'; // Backup, priority 100
const OTHER = '198.51.100.13';

interface Cluster {
  net: Net;
  a: Router;
  b: Router;
}

const VIP6 = '2001:db8::200';
const A6 = 'fe80::11';
const B6 = 'fe80::12';
const OTHER6 = 'fe80::13';

/** Two routers settled: a Master (a) and a Backup (b) following it. */
function cluster(version: 2 | 3, family: 4 | 6 = 4): Cluster {
  const net = new Net(family, [family === 4 ? VIP : VIP6]);
  const auth = version === 2 ? { auth: { type: 'pass' as const, password: 'secret' } } : {};
  const a = net.add({ name: 'a', address: family === 4 ? A : A6, priority: 150, version, ...auth });
  const b = net.add({ name: 'b', address: family === 4 ? B : B6, priority: 100, version, ...auth });
  net.at(0, () => a.input({ type: 'startup' }));
  net.at(0, () => b.input({ type: 'startup' }));
  net.run(10_050); // between two adverts (1 s interval)
  assert.equal(a.state, 'MASTER');
  assert.equal(b.state, 'BACKUP');
  assert.equal(b.sm.masterAddress, family === 4 ? A : A6);
  return { net, a, b };
}

function good(version: 2 | 3, priority: number): VrrpMessageInit {
  return version === 2
    ? { version, vrid: 51, priority, adverInt: 1, addresses: [VIP], authType: VRRP_AUTH_SIMPLE, authData: simplePasswordAuthData('secret') }
    : { version, vrid: 51, priority, adverInt: 100, addresses: [VIP] };
}

/** An IPv6 VRRP message from `src` to the group (what a raw IPv6 socket hands over). */
function packet6(init: VrrpMessageInit, src: string): Uint8Array {
  return encodeVrrp(init, { family: 6, src, dst: VRRP_MULTICAST_V6 });
}

function good6(priority: number): VrrpMessageInit {
  return { version: 3, vrid: 51, priority, adverInt: 100, addresses: [VIP6] };
}

function packet(init: VrrpMessageInit, ip: { src?: string; dst?: string; ttl?: number } = {}): Uint8Array {
  return encodeIpv4VrrpPacket({ src: ip.src ?? OTHER, dst: ip.dst ?? VRRP_MULTICAST_V4, id: 7, ...(ip.ttl !== undefined ? { ttl: ip.ttl } : {}) }, init);
}

/** Rewrite a VRRP byte and fix the VRRP checksum (v2: no pseudo-header), so only the byte is wrong. */
function rewriteV2(bytes: Uint8Array, offset: number, value: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[20 + offset] = value;
  out[26] = 0;
  out[27] = 0;
  const sum = internetChecksum(out.subarray(20));
  out[26] = sum >> 8;
  out[27] = sum & 0xff;
  return out;
}

function picture(r: Router): unknown {
  return { state: r.state, timers: [...r.timers.entries()], snap: r.sm.snapshot(), sent: r.sent.length, transitions: r.transitions.length, accepted: r.accepted, vips: r.vipsHeld };
}

/** Deliver one packet to `to` (both routers by default) and assert it was dropped for `reason` and changed nothing. */
function assertInert(c: Cluster, bytes: Uint8Array, reason: DropReason, to: readonly Router[] = [c.a, c.b], src = OTHER, hopLimit = 255): void {
  const before = [c.a, c.b].map(picture);
  const drops = to.map((r) => r.drops[reason]);
  const t = c.net.now + 1;
  c.net.at(t, () => {
    for (const r of to) r.receive(bytes, src, hopLimit);
  });
  c.net.run(t);
  assert.deepEqual(to.map((r) => r.drops[reason]), drops.map((d) => d + 1), `dropped as ${reason}`);
  assert.deepEqual([c.a, c.b].map(picture), before, 'nothing changed in either state machine');
}

/** Each property gets a fresh cluster per run (cheap: pure, virtual time). */
function rule(name: string, version: 2 | 3, arb: fc.Arbitrary<{ bytes: Uint8Array; to?: 'a' | 'b'; src?: string; hop?: number }>, reason: DropReason, family: 4 | 6 = 4): void {
  it(`${name} -> ${reason}`, () => {
    fc.assert(
      fc.property(arb, ({ bytes, to, src, hop }) => {
        const c = cluster(version, family);
        assertInert(c, bytes, reason, to === undefined ? [c.a, c.b] : [to === 'a' ? c.a : c.b], src ?? (family === 4 ? OTHER : OTHER6), hop);
      }),
      { numRuns: RUNS },
    );
  });
}

const harmful = fc.constantFrom(0, 255);
const address = fc.uint8Array({ minLength: 4, maxLength: 4 }).map(formatIpv4);
const ours = fc.constantFrom(A, B);
const address6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(formatIpv6);
/** Sources no router sends from: 0/8, loopback, multicast, broadcast. */
const badSource4 = fc.oneof(
  fc.tuple(fc.constantFrom(0, 127), fc.uint8Array({ minLength: 3, maxLength: 3 })).map(([f, r]) => formatIpv4(Uint8Array.of(f, ...r))),
  fc.tuple(fc.integer({ min: 224, max: 239 }), fc.uint8Array({ minLength: 3, maxLength: 3 })).map(([f, r]) => formatIpv4(Uint8Array.of(f, ...r))),
  fc.constant('255.255.255.255'),
);

describe('receive rules: one advert that breaks a rule changes nothing', () => {
  it('control: the same adverts without the fault do move the routers', () => {
    const c = cluster(3);
    c.net.at(c.net.now + 1, () => c.a.receive(packet(good(3, 255)), OTHER));
    c.net.run(c.net.now + 1);
    assert.equal(c.a.state, 'BACKUP', 'a valid priority 255 makes the Master step down');
    const d = cluster(3);
    d.net.at(d.net.now + 1, () => d.b.receive(packet(good(3, 0), { src: A }), A));
    d.net.run(d.net.now + 1);
    assert.equal(d.b.timers.get('masterDown'), d.net.now + d.b.sm.skewMs, "the Master's priority 0 cuts the Backup's wait to Skew_Time");
    const e = cluster(3, 6);
    e.net.at(e.net.now + 1, () => e.a.receive(packet6(good6(255), OTHER6), OTHER6));
    e.net.run(e.net.now + 1);
    assert.equal(e.a.state, 'BACKUP', 'IPv6: a valid priority 255 from a link-local source makes the Master step down');
  });

  rule('TTL other than 255', 3, fc.record({ p: harmful, ttl: fc.integer({ min: 0, max: 254 }) }).map(({ p, ttl }) => ({ bytes: packet(good(3, p), { ttl }) })), 'ttl');
  rule('VRRPv2 advert on a v3 instance', 3, harmful.map((p) => ({ bytes: packet(good(2, p)) })), 'version');
  rule('VRRPv3 advert on a v2 instance', 2, harmful.map((p) => ({ bytes: packet(good(3, p)) })), 'version');
  rule('another VRID', 3, fc.record({ p: harmful, vrid: fc.integer({ min: 0, max: 255 }).filter((v) => v !== 51) }).map(({ p, vrid }) => ({ bytes: packet({ ...good(3, p), vrid }) })), 'vrid');
  rule(
    'bad checksum',
    3,
    fc.record({ p: harmful, x: fc.integer({ min: 1, max: 0xffff }) }).map(({ p, x }) => {
      const b = packet(good(3, p));
      b[26] = (b[26] as number) ^ (x >> 8);
      b[27] = (b[27] as number) ^ (x & 0xff);
      return { bytes: b };
    }),
    'checksum',
  );
  rule('type other than ADVERTISEMENT', 3, fc.record({ p: harmful, type: fc.integer({ min: 0, max: 15 }).filter((t) => t !== 1) }).map(({ p, type }) => ({ bytes: packet({ ...good(3, p), type }) })), 'type');
  rule(
    'address count disagrees with the length',
    2,
    fc.record({ p: harmful, n: fc.integer({ min: 0, max: 255 }).filter((n) => n !== 1) }).map(({ p, n }) => ({ bytes: rewriteV2(packet(good(2, p)), 3, n) })),
    'addrCount',
  );
  rule(
    'address list differs (other, extra, missing or repeated addresses)',
    3,
    fc.record({ p: harmful, list: fc.array(fc.oneof(address, fc.constant(VIP)), { maxLength: 6 }) }).filter(({ list }) => !(list.length === 1 && list[0] === VIP)).map(({ p, list }) => ({ bytes: packet({ ...good(3, p), addresses: list }) })),
    'addrList',
  );
  rule(
    'v2 authentication type or password differs',
    2,
    fc
      .record({ p: harmful, type: fc.integer({ min: 0, max: 255 }), pw: fc.string({ minLength: 0, maxLength: 8 }) })
      .filter(({ type, pw }) => type !== VRRP_AUTH_SIMPLE || pw !== 'secret')
      .map(({ p, type, pw }) => ({ bytes: packet({ ...good(2, p), authType: type, authData: simplePasswordAuthData(pw) }) })),
    'auth',
  );
  rule('v2 interval differs', 2, fc.record({ p: harmful, i: fc.integer({ min: 0, max: 255 }).filter((i) => i !== 1) }).map(({ p, i }) => ({ bytes: packet({ ...good(2, p), adverInt: i }) })), 'interval');
  rule('v3 interval 0', 3, harmful.map((p) => ({ bytes: packet({ ...good(3, p), adverInt: 0 }) })), 'interval');
  rule('our own address as the source', 3, fc.record({ p: harmful, who: ours }).map(({ p, who }) => ({ bytes: packet(good(3, p), { src: who }), to: who === A ? ('a' as const) : ('b' as const) })), 'loop');
  rule(
    'unicast destination on a multicast instance',
    3,
    fc.record({ p: harmful, dst: address.filter((d) => d !== VRRP_MULTICAST_V4) }).map(({ p, dst }) => ({ bytes: packet(good(3, p), { dst }) })),
    'destination',
  );
  rule('a source no router sends from (0.0.0.0/8, loopback, multicast, broadcast)', 3, fc.record({ p: harmful, src: badSource4 }).map(({ p, src }) => ({ bytes: packet(good(3, p), { src }), src })), 'source');
  rule(
    'IPv6: a global (not link-local) source to the group',
    3,
    fc.record({ p: harmful, src: address6.filter((a) => !/^fe[89ab]/.test(a) && !a.startsWith('ff') && a !== '::' && a !== '::1') }).map(({ p, src }) => ({ bytes: packet6(good6(p), src), src })),
    'sourceScope',
    6,
  );
  rule('IPv6: unspecified, loopback or multicast source', 3, fc.record({ p: harmful, src: fc.oneof(fc.constantFrom('::', '::1'), address6.map((a) => `ff${a.slice(2).padStart(2, '0')}`).filter((a) => /^ff[0-9a-f]{2}:/.test(a))) }).map(({ p, src }) => ({ bytes: packet6(good6(p), src), src })), 'source', 6);
  rule('IPv6: hop limit other than 255', 3, fc.record({ p: harmful, h: fc.integer({ min: 0, max: 254 }) }).map(({ p, h }) => ({ bytes: packet6(good6(p), OTHER6), hop: h })), 'ttl', 6);
  rule('priority 0 from a router that is not the Master the Backup follows', 3, fc.constantFrom(OTHER, '198.51.100.250', '198.51.100.1').map((src) => ({ bytes: packet(good(3, 0), { src }), to: 'b' as const })), 'notMaster');
});
