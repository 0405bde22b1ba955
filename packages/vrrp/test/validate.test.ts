import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeIpv4VrrpPacket, encodeVrrp, simplePasswordAuthData } from '../src/codec.js';
import type { VrrpMessageInit } from '../src/codec.js';
import { internetChecksum } from '../src/checksum.js';
import { DROP_REASONS } from '../src/drop-reasons.js';
import { compareVips, validateIpv4Packet, validateIpv6Packet } from '../src/validate.js';
import type { AdvertExpectations } from '../src/validate.js';
import { loadVector } from './vectors.js';
import { Net } from './sim.js';

const SRC = '198.51.100.11';
const DST = '224.0.0.18';
const exp2: AdvertExpectations = { vrid: 51, version: 2, family: 4, advertIntervalMs: 1000, vips: ['198.51.100.200'] };
const base2: VrrpMessageInit = { version: 2, vrid: 51, priority: 150, adverInt: 1, addresses: ['198.51.100.200'] };

function v4(init: Partial<VrrpMessageInit> = {}, ip: { ttl?: number; src?: string } = {}): Uint8Array {
  return encodeIpv4VrrpPacket({ src: ip.src ?? SRC, dst: DST, id: 1, ...(ip.ttl !== undefined ? { ttl: ip.ttl } : {}) }, { ...base2, ...init });
}

function reason(r: ReturnType<typeof validateIpv4Packet>): string {
  return r.ok ? 'ok' : r.reason;
}

describe('validate: receive-side checks (RFC 5798 7.1 / RFC 3768 7.1)', () => {
  it('accepts the keepalived captures for a matching instance', () => {
    const a = validateIpv4Packet(loadVector('vrrpv2-ipv4').packet, exp2);
    assert.ok(a.ok);
    assert.deepEqual(a.advert, { source: SRC, priority: 150, advertIntervalMs: 1000 });
    assert.deepEqual(a.warnings, []);
    const v3 = validateIpv4Packet(loadVector('vrrpv3-ipv4').packet, { ...exp2, version: 3 });
    assert.ok(v3.ok);
    const v6 = loadVector('vrrpv3-ipv6').packet;
    const r6 = validateIpv6Packet(v6.subarray(40), { src: 'fe80::68:6cff:fe61:620b', dst: 'ff02::12', hopLimit: 255 }, { ...exp2, version: 3, family: 6, vips: ['2001:db8::200'] });
    assert.ok(r6.ok);
    assert.deepEqual(r6.advert, { source: 'fe80::68:6cff:fe61:620b', priority: 150, advertIntervalMs: 1000 });
  });

  it('drops each invalid packet with its reason', () => {
    const good = v4();
    const badSum = Uint8Array.from(good, (x, i) => (i === 27 ? x ^ 1 : x));
    const table: [string, Uint8Array, AdvertExpectations, string][] = [
      ['TTL 1', v4({}, { ttl: 1 }), exp2, 'ttl'],
      ['TTL 254', v4({}, { ttl: 254 }), exp2, 'ttl'],
      ['bad checksum', badSum, exp2, 'checksum'],
      ['other VRID', v4({ vrid: 52 }), exp2, 'vrid'],
      ['v3 to a v2 instance', v4({ version: 3, adverInt: 100 }), exp2, 'version'],
      ['auth type 1 to a no-auth instance', v4({ authType: 1, authData: simplePasswordAuthData('x') }), exp2, 'auth'],
      ['no auth to a password instance', v4(), { ...exp2, auth: { type: 'pass', password: 'secret' } }, 'auth'],
      ['wrong password', v4({ authType: 1, authData: simplePasswordAuthData('secreT') }), { ...exp2, auth: { type: 'pass', password: 'secret' } }, 'auth'],
      ['auth type 2 (AH)', v4({ authType: 2 }), exp2, 'auth'],
      ['v2 interval 2 s vs 1 s', v4({ adverInt: 2 }), exp2, 'interval'],
      ['v3 interval 0', v4({ version: 3, adverInt: 0 }), { ...exp2, version: 3 }, 'interval'],
      ['our own advert looped back', v4(), { ...exp2, localAddresses: ['198.51.100.9', SRC] }, 'loop'],
      ['IPv4 packet on an IPv6 instance', good, { ...exp2, version: 3, family: 6 }, 'family'],
      ['type 2', v4({ type: 2 }), exp2, 'type'],
      ['truncated', good.subarray(0, 30), exp2, 'length'],
      ['short', good.subarray(0, 10), exp2, 'short'],
    ];
    for (const [what, bytes, e, want] of table) assert.equal(reason(validateIpv4Packet(bytes, e)), want, what);
    // Intervals compare in wire units: a v2 instance configured with 1.4 s sends and expects 1 s.
    assert.equal(reason(validateIpv4Packet(good, { ...exp2, advertIntervalMs: 1400 })), 'ok');
    assert.equal(reason(validateIpv4Packet(good, { ...exp2, advertIntervalMs: 1600 })), 'interval');
    // The right password is accepted.
    assert.equal(reason(validateIpv4Packet(v4({ authType: 1, authData: simplePasswordAuthData('secret') }), { ...exp2, auth: { type: 'pass', password: 'secret' } })), 'ok');
  });

  it('IPv6: hop limit from the socket, v2 over IPv6 refused', () => {
    const e6: AdvertExpectations = { vrid: 51, version: 3, family: 6, advertIntervalMs: 1000, vips: ['2001:db8::200'] };
    const info = { src: 'fe80::1', dst: 'ff02::12', hopLimit: 255 };
    const msg = encodeVrrp({ version: 3, vrid: 51, priority: 100, adverInt: 100, addresses: ['2001:db8::200'] }, { family: 6, ...info });
    assert.equal(reason(validateIpv6Packet(msg, info, e6)), 'ok');
    assert.equal(reason(validateIpv6Packet(msg, { ...info, hopLimit: 64 }, e6)), 'ttl');
    assert.equal(reason(validateIpv6Packet(msg, { ...info, src: 'fe80::2' }, e6)), 'checksum', 'pseudo-header covers the source');
    const v2 = encodeVrrp({ ...base2 }, { family: 4, src: SRC, dst: DST });
    assert.equal(reason(validateIpv6Packet(v2, info, e6)), 'family');
  });

  it('v3: a different interval is accepted and reported; a different VIP list is dropped with what differs', () => {
    const ok = validateIpv4Packet(v4({ version: 3, adverInt: 10 }), { ...exp2, version: 3 });
    assert.ok(ok.ok);
    assert.deepEqual(ok.warnings, ['intervalMismatch']);
    assert.equal(ok.advert.advertIntervalMs, 100);
    const r = validateIpv4Packet(v4({ version: 3, priority: 255, addresses: ['198.51.100.201', '198.51.100.200'] }), { ...exp2, version: 3, vips: ['198.51.100.200', '198.51.100.202'] });
    assert.ok(!r.ok);
    assert.equal(r.reason, 'addrList');
    assert.equal(r.source, SRC);
    assert.equal(r.detail, 'missing 198.51.100.202, unexpected 198.51.100.201');
    const dup = validateIpv4Packet(v4({ addresses: ['198.51.100.200', '198.51.100.200'] }), exp2);
    assert.ok(!dup.ok && dup.reason === 'addrList' && dup.detail === '2 address(es), ours 1', 'a repeated address changes the count');
    // Order and spelling do not matter.
    assert.deepEqual(compareVips(['2001:DB8:0::1', '10.0.0.1'], ['10.0.0.1', '2001:db8::1']), { missing: [], unexpected: [] });
  });

  it('every drop reason is one of DROP_REASONS', () => {
    const seen = new Set<string>();
    for (const b of [v4({}, { ttl: 1 }), v4({ vrid: 1 }), new Uint8Array(3)]) {
      const r = validateIpv4Packet(b, exp2);
      assert.equal(r.ok, false);
      if (!r.ok) seen.add(r.reason);
    }
    for (const s of seen) assert.ok((DROP_REASONS as readonly string[]).includes(s));
  });
});

describe('validate + state machine: a dropped packet never touches a timer (keepalived 2.2.7 restarts its advert timer on any packet)', () => {
  /** Invalid packets spoofing router `r`'s address, with the priority that would hurt most if accepted. */
  function invalidFrom(src: string, priority: number): Uint8Array[] {
    const r = new Net().add({ name: 'spoof', address: src, priority: 100 });
    const good = r.encode(priority);
    const badChecksum = Uint8Array.from(good, (x, i) => (i === 26 ? x ^ 0x10 : x));
    const ttl1 = Uint8Array.from(good);
    ttl1[8] = 1;
    ttl1[10] = 0;
    ttl1[11] = 0;
    const s = internetChecksum(ttl1, 0, 20);
    ttl1[10] = s >> 8;
    ttl1[11] = s & 0xff;
    return [badChecksum, ttl1];
  }

  it('2 invalid packets per second for 60 s: the Master keeps a 1 s cadence, the Backup never moves', () => {
    const net = new Net();
    const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
    const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
    net.at(0, () => a.input({ type: 'startup' }));
    net.at(0, () => b.input({ type: 'startup' }));
    // Spoofing the Master with priority 255 (would make it step down) and the Backup with priority 0 (would trigger takeover).
    const attack = [...invalidFrom('198.51.100.12', 255), ...invalidFrom('198.51.100.11', 0)];
    for (let i = 0; i < 240; i++) net.inject(10_000 + i * 250, attack[i % attack.length] as Uint8Array, '198.51.100.99');
    net.run(75_000);
    assert.deepEqual(a.transitions.map((t) => t.to), ['BACKUP', 'MASTER']);
    assert.deepEqual(b.transitions.map((t) => t.to), ['BACKUP']);
    assert.ok(a.advertGaps().every((g) => g === 1000), 'no advert delayed or added');
    assert.equal(b.drops.checksum + b.drops.ttl, 240);
    assert.equal(a.drops.checksum + a.drops.ttl, 240);
    assert.equal(b.accepted, a.sent.length, 'exactly the Master\'s real adverts reached the Backup\'s state machine');
    assert.equal(a.sm.snapshot().answersSent, 0);
  });

  it('the same attack against a model of keepalived 2.2.7\'s timer restart silences its Master and flaps the Backup', () => {
    const net = new Net();
    const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
    const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
    a.modelKeepalivedTimerRestart = true;
    net.at(0, () => a.input({ type: 'startup' }));
    net.at(0, () => b.input({ type: 'startup' }));
    const attack = [...invalidFrom('198.51.100.12', 255), ...invalidFrom('198.51.100.11', 0)];
    for (let i = 0; i < 120; i++) net.inject(10_000 + i * 500, attack[i % attack.length] as Uint8Array, '198.51.100.99');
    net.run(75_000);
    const flaps = b.transitions.filter((t) => t.to === 'MASTER').length;
    assert.ok(flaps >= 10, `the Backup became Master ${flaps} times in 60 s`);
    assert.ok(Math.max(...a.advertGaps(10_000, 70_000)) > 3000, 'the Master went silent');
  });

  it('invalid packets spoofing a dead Master do not delay the takeover by a microsecond', () => {
    const net = new Net();
    const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
    const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
    net.at(0, () => a.input({ type: 'startup' }));
    net.at(0, () => b.input({ type: 'startup' }));
    net.at(10_000, () => (a.linkUp = false));
    const attack = invalidFrom('198.51.100.11', 150);
    for (let i = 0; i < 100; i++) net.inject(10_000 + i * 100, attack[i % 2] as Uint8Array, '198.51.100.11');
    net.run(30_000);
    const last = a.sent.filter((s) => s.t < 10_000).at(-1)?.t ?? NaN;
    assert.deepEqual(b.transitions.at(-1), { t: last + 3000 + (156 * 1000) / 256, from: 'BACKUP', to: 'MASTER', reason: 'master-down' });
    assert.ok(b.drops.checksum > 0 && b.drops.ttl > 0);
  });
});
