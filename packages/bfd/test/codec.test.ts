import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BfdState, decodeControl, encodeControl, type ControlFields } from '../src/index.js';

const base: ControlFields = { diag: 0, state: BfdState.Down, poll: false, final: false, detectMult: 3, myDiscr: 0x11223344, yourDiscr: 0, desiredMinTx: 1_000_000, requiredMinRx: 50_000, requiredMinEchoRx: 0 };

describe('BFD control packet codec', () => {
  it('encodes the 24-octet mandatory section as RFC 5880 4.1 lays it out', () => {
    const b = encodeControl({ ...base, diag: 3, state: BfdState.Up, poll: true, yourDiscr: 7 });
    assert.equal(b.length, 24);
    assert.equal(b.toString('hex'), '23e0031811223344' + '00000007' + '000f4240' + '0000c350' + '00000000');
  });

  it('refuses Poll and Final together', () => {
    assert.throws(() => encodeControl({ ...base, poll: true, final: true }), RangeError);
  });

  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(
        fc.record({
          diag: fc.integer({ min: 0, max: 31 }),
          state: fc.constantFrom(BfdState.AdminDown, BfdState.Down, BfdState.Init, BfdState.Up),
          pf: fc.constantFrom([false, false], [true, false], [false, true]),
          detectMult: fc.integer({ min: 1, max: 255 }),
          myDiscr: fc.integer({ min: 1, max: 0xffffffff }),
          yourDiscr: fc.integer({ min: 0, max: 0xffffffff }),
          desiredMinTx: fc.integer({ min: 0, max: 0xffffffff }),
          requiredMinRx: fc.integer({ min: 0, max: 0xffffffff }),
          requiredMinEchoRx: fc.integer({ min: 0, max: 0xffffffff }),
        }),
        (r) => {
          const { pf, ...rest } = r;
          const f: ControlFields = { ...rest, poll: pf[0]!, final: pf[1]! };
          const p = decodeControl(encodeControl(f));
          assert.ok(typeof p === 'object');
          for (const k of Object.keys(f) as (keyof ControlFields)[]) assert.equal(p[k], f[k], k);
          assert.equal(p.auth, false);
          assert.equal(p.length, 24);
        },
      ),
    );
  });

  it('refuses what 6.8.6 says to discard, with the reason', () => {
    const ok = encodeControl(base);
    const mut = (fn: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(ok);
      fn(b);
      return b;
    };
    assert.equal(decodeControl(ok.subarray(0, 23)), 'short');
    assert.equal(decodeControl(mut((b) => (b[0] = (2 << 5) | (b[0]! & 0x1f)))), 'bad version');
    assert.equal(decodeControl(mut((b) => (b[3] = 23))), 'bad length');
    assert.equal(decodeControl(mut((b) => (b[3] = 30))), 'length exceeds payload');
    assert.equal(decodeControl(mut((b) => (b[2] = 0))), 'zero detect multiplier');
    assert.equal(decodeControl(mut((b) => (b[1] = b[1]! | 0x01))), 'multipoint set');
    assert.equal(decodeControl(mut((b) => b.writeUInt32BE(0, 4))), 'zero my discriminator');
    // A bit with a length too short for any auth section
    assert.equal(decodeControl(mut((b) => (b[1] = b[1]! | 0x04))), 'bad length');
  });

  it('parses a well-formed authentication section (simple password, keyed SHA1) and refuses a malformed one', () => {
    const withAuth = (type: number, alen: number, total = 24 + alen): Buffer => {
      const b = Buffer.concat([encodeControl(base), Buffer.alloc(alen)]);
      b[1] = b[1]! | 0x04;
      b[3] = total;
      b[24] = type;
      b[25] = alen;
      return b;
    };
    const simple = decodeControl(withAuth(1, 3 + 5));
    assert.ok(typeof simple === 'object');
    assert.deepEqual(simple.authSection, { type: 1, length: 8 });
    const sha = decodeControl(withAuth(4, 28));
    assert.ok(typeof sha === 'object' && sha.auth);
    assert.equal(decodeControl(withAuth(2, 20)), 'bad auth section');
    assert.equal(decodeControl(withAuth(9, 8)), 'bad auth section');
    assert.equal(decodeControl(withAuth(1, 8, 30)), 'bad auth section');
  });

  it('never throws on random or mutated bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const r = decodeControl(bytes);
        assert.ok(typeof r === 'string' || typeof r === 'object');
      }),
    );
    const good = encodeControl(base);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 255 }), fc.uint8Array({ maxLength: 40 }), (i, v, tail) => {
        const b = Buffer.concat([good, tail]);
        b[i] = v;
        const r = decodeControl(b);
        if (typeof r === 'object') assert.ok(r.length <= b.length && r.myDiscr !== 0 && r.detectMult !== 0);
      }),
    );
  });
});
