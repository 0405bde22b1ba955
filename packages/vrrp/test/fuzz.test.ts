/** Property-based tests (fast-check): decoders never throw, mutations are caught, encode/decode round-trip. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeIpv4Vrrp, decodeIpv6Vrrp, decodeVrrp, encodeIpv4VrrpPacket, encodeVrrp } from '../src/codec.js';
import type { VrrpMessageInit } from '../src/codec.js';
import { checksumWithPseudoHeader, internetChecksum, IPPROTO_VRRP } from '../src/checksum.js';
import { DROP_REASONS } from '../src/drop-reasons.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '@hacore/core/ip-address';
import { VrrpStateMachine } from '../src/state-machine.js';
import type { VrrpInput, VrrpStateName } from '../src/state-machine-types.js';
import { validateIpv4Packet, validateIpv6Packet } from '../src/validate.js';
import type { AdvertExpectations } from '../src/validate.js';

const RUNS = 2000;
const reasons = DROP_REASONS as readonly string[];
const ipv4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIpv4(b));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
const e4: AdvertExpectations = { vrid: 51, version: 2, family: 4, advertIntervalMs: 1000, vips: ['198.51.100.200'] };
const e6: AdvertExpectations = { vrid: 51, version: 3, family: 6, advertIntervalMs: 1000, vips: ['2001:db8::200'] };

/** A valid message of either version and family with its addressing. */
const validMessage = fc
  .record({
    v: fc.constantFrom(2, 3),
    six: fc.boolean(),
    vrid: fc.integer({ min: 0, max: 255 }),
    priority: fc.integer({ min: 0, max: 255 }),
    adv2: fc.integer({ min: 0, max: 255 }),
    adv3: fc.integer({ min: 0, max: 4095 }),
    reserved: fc.integer({ min: 0, max: 15 }),
    n: fc.integer({ min: 0, max: 12 }),
    authType: fc.integer({ min: 0, max: 255 }),
    authData: fc.uint8Array({ minLength: 8, maxLength: 8 }),
    a4: fc.array(ipv4, { maxLength: 12 }),
    a6: fc.array(ipv6, { maxLength: 12 }),
    s4: ipv4,
    d4: ipv4,
    s6: ipv6,
    d6: ipv6,
  })
  .map((r) => {
    const family = r.v === 3 && r.six ? 6 : 4;
    const init: VrrpMessageInit =
      r.v === 2
        ? { version: 2, vrid: r.vrid, priority: r.priority, adverInt: r.adv2, addresses: r.a4, authType: r.authType, authData: r.authData }
        : { version: 3, vrid: r.vrid, priority: r.priority, adverInt: r.adv3, addresses: family === 4 ? r.a4 : r.a6, reserved: r.reserved };
    const addr = family === 4 ? { family: 4 as const, src: r.s4, dst: r.d4 } : { family: 6 as const, src: r.s6, dst: r.d6 };
    return { init, addr };
  });

function assertRejectedOrOk(r: { ok: boolean; reason?: string }): void {
  if (!r.ok) assert.ok(reasons.includes(r.reason as string), `unknown reason ${String(r.reason)}`);
}

describe('fuzz: decoders and validators never throw', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 255 }), ipv6, (bytes, hop, src) => {
        for (const r of [
          decodeIpv4Vrrp(bytes),
          decodeIpv6Vrrp(bytes, { src, dst: 'ff02::12', hopLimit: hop }),
          validateIpv4Packet(bytes, e4),
          validateIpv4Packet(bytes, { ...e4, version: 3, auth: { type: 'pass', password: 'pw' } }),
          validateIpv6Packet(bytes, { src, dst: 'ff02::12', hopLimit: hop }, e6),
        ]) {
          assertRejectedOrOk(r);
        }
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('random bytes behind a valid IPv4 header with protocol 112', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), ipv4, (payload, src) => {
        const p = encodeIpv4VrrpPacket({ src, dst: '224.0.0.18', id: 1 }, { version: 3, vrid: 1, priority: 1, adverInt: 1, addresses: [] });
        const packet = new Uint8Array(20 + payload.length);
        packet.set(p.subarray(0, 20));
        packet.set(payload, 20);
        packet[2] = packet.length >> 8;
        packet[3] = packet.length & 0xff;
        packet[10] = 0;
        packet[11] = 0;
        const s = internetChecksum(packet, 0, 20);
        packet[10] = s >> 8;
        packet[11] = s & 0xff;
        assertRejectedOrOk(decodeIpv4Vrrp(packet));
        assertRejectedOrOk(validateIpv4Packet(packet, e4));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('fuzz: round trip and mutations', () => {
  it('encode then decode gives back every field', () => {
    fc.assert(
      fc.property(validMessage, ({ init, addr }) => {
        const bytes = encodeVrrp(init, addr);
        const r = decodeVrrp(bytes, addr);
        assert.ok(r.ok, r.ok ? '' : r.reason);
        const m = r.message;
        assert.equal(m.version, init.version);
        assert.equal(m.vrid, init.vrid);
        assert.equal(m.priority, init.priority);
        assert.equal(m.adverInt, init.adverInt);
        assert.deepEqual(m.addresses, init.addresses);
        assert.equal(m.reserved, init.reserved ?? 0);
        assert.equal(m.authType, init.authType ?? 0);
        assert.deepEqual([...m.authData], init.version === 2 ? [...(init.authData ?? [])] : []);
        assert.deepEqual(encodeVrrp(m, addr), bytes, 'decoded fields re-encode to the same bytes');
      }),
      { numRuns: RUNS },
    );
  });

  it('any single-byte change of a valid IPv4 packet is rejected with a reason', () => {
    fc.assert(
      fc.property(validMessage, fc.nat(), fc.integer({ min: 1, max: 255 }), ({ init }, pos, xor) => {
        if (init.version === 3 && init.addresses.some((a) => a.includes(':'))) return;
        const p = encodeIpv4VrrpPacket({ src: '198.51.100.11', dst: '224.0.0.18', id: 7 }, init);
        assert.ok(decodeIpv4Vrrp(p).ok);
        const m = Uint8Array.from(p);
        const i = pos % m.length;
        m[i] = (m[i] as number) ^ xor;
        const r = decodeIpv4Vrrp(m);
        assert.equal(r.ok, false, `byte ${i} ^ ${xor} accepted`);
        assertRejectedOrOk(r);
      }),
      { numRuns: RUNS },
    );
  });

  it('any single-byte change of a valid IPv6 VRRP payload, or of its source, is rejected', () => {
    fc.assert(
      fc.property(validMessage, fc.nat(), fc.integer({ min: 1, max: 255 }), fc.boolean(), ({ init, addr }, pos, xor, inSource) => {
        if (addr.family !== 6) return;
        const bytes = encodeVrrp(init, addr);
        const info = { src: addr.src, dst: addr.dst, hopLimit: 255 };
        assert.ok(decodeIpv6Vrrp(bytes, info).ok);
        if (inSource) {
          const src = parseIpv6(addr.src) as Uint8Array;
          src[pos % 16] = (src[pos % 16] as number) ^ xor;
          assert.equal(decodeIpv6Vrrp(bytes, { ...info, src: formatIpv6(src) }).ok, false);
          return;
        }
        const m = Uint8Array.from(bytes);
        const i = pos % m.length;
        m[i] = (m[i] as number) ^ xor;
        const r = decodeIpv6Vrrp(m, info);
        assert.equal(r.ok, false, `byte ${i} ^ ${xor} accepted`);
        assertRejectedOrOk(r);
      }),
      { numRuns: RUNS },
    );
  });

  it('random messages with a fixed-up checksum: rejected with a reason, or decoded canonically', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 80 }), fc.boolean(), (raw, six) => {
        const family = six ? 6 : 4;
        const src = family === 4 ? (parseIpv4('10.0.0.1') as Uint8Array) : (parseIpv6('fe80::1') as Uint8Array);
        const dst = family === 4 ? (parseIpv4('224.0.0.18') as Uint8Array) : (parseIpv6('ff02::12') as Uint8Array);
        const m = Uint8Array.from(raw);
        m[6] = 0;
        m[7] = 0;
        const v2 = (m[0] as number) >> 4 === 2;
        const s = v2 ? internetChecksum(m) : checksumWithPseudoHeader(src, dst, IPPROTO_VRRP, m);
        m[6] = s >> 8;
        m[7] = s & 0xff;
        const addr = family === 4 ? { family: 4 as const, src: '10.0.0.1', dst: '224.0.0.18' } : { family: 6 as const, src: 'fe80::1', dst: 'ff02::12' };
        const r = decodeVrrp(m, addr);
        if (!r.ok) {
          assertRejectedOrOk(r);
          return;
        }
        assert.deepEqual(encodeVrrp(r.message, addr), m);
      }),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('fuzz: state machine invariants under random inputs', () => {
  const input: fc.Arbitrary<VrrpInput> = fc.oneof(
    fc.constant<VrrpInput>({ type: 'startup' }),
    fc.constant<VrrpInput>({ type: 'shutdown' }),
    fc.record({ p: fc.integer({ min: 0, max: 255 }), a: fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.0.3'), i: fc.constantFrom(100, 1000, 3000) }).map(
      (x): VrrpInput => ({ type: 'advert', advert: { source: x.a, priority: x.p, advertIntervalMs: x.i } }),
    ),
    fc.constantFrom<VrrpInput>({ type: 'timer', timer: 'advert' }, { type: 'timer', timer: 'masterDown' }, { type: 'timer', timer: 'preempt' }),
    fc.integer({ min: -50, max: 300 }).map((p): VrrpInput => ({ type: 'priority', effective: p })),
    fc.boolean().map((on): VrrpInput => ({ type: 'fault', on, reason: 'if' })),
    fc.constantFrom<VrrpInput>({ type: 'force', state: 'BACKUP', reason: 'g' }, { type: 'force', state: 'FAULT', reason: 'g' }),
  );

  it('VIPs held iff Master, timers consistent with the state, transitions chain, adverts carry a valid priority', () => {
    fc.assert(
      fc.property(
        fc.record({ priority: fc.integer({ min: 1, max: 255 }), version: fc.constantFrom(2 as const, 3 as const), preempt: fc.boolean(), delay: fc.constantFrom(0, 5000) }),
        fc.array(fc.tuple(input, fc.integer({ min: 0, max: 2000 })), { maxLength: 60 }),
        (p, steps) => {
          let now = 0;
          const sm = new VrrpStateMachine(
            { name: 'f', vrid: 1, version: p.version, family: 4, priority: p.priority, advertIntervalMs: 1000, preempt: p.preempt, preemptDelayMs: p.delay, primaryAddress: '10.0.0.2' },
            { now: () => now },
          );
          let state = 'INIT' as VrrpStateName;
          let vips = false;
          const timers = new Set<string>();
          for (const [inp, dt] of steps) {
            now += dt;
            // The shell only delivers timers that are pending.
            if (inp.type === 'timer' && !timers.has(inp.timer)) continue;
            if (inp.type === 'timer') timers.delete(inp.timer);
            for (const a of sm.handle(inp)) {
              if (a.type === 'transition') {
                assert.equal(a.from, state);
                assert.notEqual(a.to, a.from);
                state = a.to;
              } else if (a.type === 'addVips') {
                assert.equal(vips, false, 'addVips twice');
                vips = true;
              } else if (a.type === 'removeVips') {
                assert.equal(vips, true, 'removeVips without VIPs');
                vips = false;
              } else if (a.type === 'setTimer') {
                assert.ok(Number.isFinite(a.ms) && a.ms >= 0);
                timers.add(a.timer);
              } else if (a.type === 'clearTimer') {
                assert.ok(timers.delete(a.timer), 'clearTimer of a timer not pending');
              } else if (a.type === 'sendAdvert') {
                assert.ok(Number.isInteger(a.priority) && a.priority >= 0 && a.priority <= 255);
              }
            }
            assert.equal(sm.state, state);
            assert.equal(vips, state === 'MASTER');
            assert.equal(timers.has('advert'), state === 'MASTER');
            assert.equal(timers.has('masterDown'), state === 'BACKUP');
            if (timers.has('preempt')) assert.equal(state, 'BACKUP');
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
