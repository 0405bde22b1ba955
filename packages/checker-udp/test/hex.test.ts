import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatHex, matchesPattern, parseHex, type HexPattern } from '../src/hex.js';

test("keepalived.conf(5)'s example: \"Ab12f 3 456 546443123\" is AB 12 0F 03 45 06 54 64 43 12 03", () => {
  const p = parseHex('Ab12f 3 456 546443123', false) as HexPattern;
  assert.equal(Buffer.from(p.bytes).toString('hex'), 'ab120f03450654644312 03'.replace(' ', ''));
  assert.ok(p.mask.every((m) => m === 0xff));
});

test('X nibbles are not compared; the match runs over the shorter length; bad digits are refused', () => {
  const p = parseHex('12 xX 3X', true) as HexPattern;
  assert.equal(formatHex(p), '12 xx 3x');
  assert.ok(matchesPattern(Buffer.from([0x12, 0x99, 0x3f]), p));
  assert.ok(matchesPattern(Buffer.from([0x12]), p));
  assert.ok(!matchesPattern(Buffer.from([0x12, 0, 0x4f]), p));
  assert.equal(parseHex('X', true) && formatHex(parseHex('X', true) as HexPattern), '0x');
  assert.match(String(parseHex('12 X', false)), /not a hex digit/);
  assert.equal(parseHex('  ', false), 'no hex digits');
});

test('property: any bytes written as hex in any grouping of pairs parse back to them', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.array(fc.nat(8), { maxLength: 10 }), (bytes, cuts) => {
      const hex = Buffer.from(bytes).toString('hex');
      let text = '';
      let at = 0;
      for (const c of cuts) {
        const end = Math.min(hex.length, at + 2 * (c + 1));
        text += `${hex.slice(at, end)} `;
        at = end;
      }
      text += hex.slice(at);
      const p = parseHex(text.toUpperCase(), true) as HexPattern;
      assert.deepEqual(Buffer.from(p.bytes), Buffer.from(bytes));
      assert.ok(matchesPattern(bytes, p));
    }),
  );
});

test('property: parseHex never throws on any string', () => {
  fc.assert(fc.property(fc.string(), fc.boolean(), (s, w) => {
    const p = parseHex(s, w);
    assert.ok(typeof p === 'string' || p.bytes.length === p.mask.length);
  }));
});
