/**
 * The kernel-side filters of vrrp-filter.ts, run by a small classic BPF
 * interpreter (only the instructions the programs use; anything else fails the
 * test) and compared with filterVerdict on generated packets, for both families.
 * The namespace test test/vrrp/receive-filter.test.mjs runs them in the kernel.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { BpfInstruction } from '@hacore/native';
import { FILTER_SAMPLE, filterVerdict, vrrpFilterIpv4, vrrpFilterIpv6 } from '../src/vrrp-filter.js';

const SKF_AD_RANDOM = (-0x1000 + 56) >>> 0;

/** Returns the accepted length (0: dropped), as the kernel would with `random` as SKF_AD_RANDOM. */
function run(prog: readonly BpfInstruction[], pkt: Uint8Array, random: number): number {
  let a = 0;
  let x = 0;
  const byte = (off: number): number | undefined => (off >= 0 && off < pkt.length ? pkt[off] : undefined);
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case 0xb1: {
        const b = byte(k);
        if (b === undefined) return 0;
        x = (b & 0x0f) * 4;
        break;
      }
      case 0x50: {
        const b = byte(x + k);
        if (b === undefined) return 0;
        a = b;
        break;
      }
      case 0x30: {
        const b = byte(k);
        if (b === undefined) return 0;
        a = b;
        break;
      }
      case 0x20:
        assert.equal(k, SKF_AD_RANDOM, 'the only word load is the random ancillary field');
        a = random >>> 0;
        break;
      case 0x74:
        a = a >>> k;
        break;
      case 0x54:
        a = (a & k) >>> 0;
        break;
      case 0x15:
        pc += a === k ? jt : jf;
        break;
      case 0x05:
        pc += k;
        break;
      case 0x06:
        return k;
      default:
        assert.fail(`unexpected BPF opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  assert.fail('the program fell off its end');
}

const vridsArb = fc.uniqueArray(fc.integer({ min: 1, max: 255 }), { minLength: 0, maxLength: 20 });

function ipv4(vrrp: Uint8Array, ihlWords: number): Uint8Array {
  const p = new Uint8Array(ihlWords * 4 + vrrp.length);
  p[0] = 0x40 | ihlWords;
  p.set(vrrp, ihlWords * 4);
  return p;
}

describe('VRRP socket filters', () => {
  for (const family of [4, 6] as const) {
    it(`IPv${family}: the program agrees with filterVerdict; a sample of the rest passes`, () => {
      fc.assert(
        fc.property(
          vridsArb,
          fc.uint8Array({ minLength: 2, maxLength: 40 }),
          fc.integer({ min: 5, max: 15 }),
          fc.boolean(),
          fc.integer({ min: 0, max: 0xffffffff }),
          (vrids, body, ihl, ours, random) => {
            // Half the packets carry one of our VRIDs with a plausible version, to cover the accepting branch.
            if (ours && vrids.length > 0) {
              body[0] = ((family === 6 ? 3 : 2 + (body[0]! & 1)) << 4) | 1;
              body[1] = vrids[body[1]! % vrids.length]!;
            }
            const pkt = family === 4 ? ipv4(body, ihl) : body;
            const prog = family === 4 ? vrrpFilterIpv4(vrids) : vrrpFilterIpv6(vrids);
            const verdict = filterVerdict(vrids, pkt, family);
            const accepted = run(prog, pkt, random) > 0;
            if (verdict === true) assert.ok(accepted);
            else assert.equal(accepted, (random & (FILTER_SAMPLE - 1)) === 0, 'sampled one in FILTER_SAMPLE');
          },
        ),
        { numRuns: 2000 },
      );
    });
  }

  it('IPv6 samples VRRPv2 and other VRIDs, passes v3 of ours', () => {
    const prog = vrrpFilterIpv6([51, 52]);
    const notSampled = 1;
    assert.ok(run(prog, Uint8Array.of(0x31, 51, 100, 1), notSampled) > 0);
    assert.ok(run(prog, Uint8Array.of(0x31, 52, 100, 1), notSampled) > 0);
    assert.equal(run(prog, Uint8Array.of(0x21, 51, 100, 1), notSampled), 0, 'VRRPv2 over IPv6');
    assert.equal(run(prog, Uint8Array.of(0x31, 53, 100, 1), notSampled), 0, 'another VRID');
    assert.ok(run(prog, Uint8Array.of(0x31, 53, 100, 1), 0) > 0, 'sampled');
  });

  it('an empty VRID list samples everything', () => {
    assert.equal(run(vrrpFilterIpv6([]), Uint8Array.of(0x31, 1, 100, 1), 1), 0);
    assert.equal(run(vrrpFilterIpv4([]), ipv4(Uint8Array.of(0x31, 1, 100, 1), 5), 1), 0);
  });
});
