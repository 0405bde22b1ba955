import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileCheckStatus, parseFileValue, sameReading } from '../src/file-value.js';

test('the content is one integer as keepalived reads it: decimal, 0x hex, leading-0 octal, white space around', () => {
  const table: [string, number][] = [
    ['0', 0], ['1\n', 1], ['  -42 \r\n', -42], ['+7', 7], ['0x1F', 31], ['-0x10', -16], ['010', 8], ['', 0], ['\n', 0], ['-0', 0],
    ['2147483647', 2147483647], ['-2147483648', -2147483648],
  ];
  for (const [text, value] of table) assert.deepEqual(parseFileValue(text), { value }, JSON.stringify(text));
});

test('anything else is invalid, with the content in the reason (keepalived would read most of these as 0)', () => {
  assert.deepEqual(parseFileValue('abc'), { invalid: 'bad content "abc"' });
  assert.deepEqual(parseFileValue('1 maintenance'), { invalid: 'bad content "1 maintenance"' });
  assert.deepEqual(parseFileValue('08'), { invalid: 'bad content "08"' });
  assert.deepEqual(parseFileValue('1.5'), { invalid: 'bad content "1.5"' });
  assert.deepEqual(parseFileValue('1\n2\n'), { invalid: 'bad content "1\\n2"' });
  assert.deepEqual(parseFileValue('2147483648'), { invalid: 'out of range 2147483648' });
  assert.match((parseFileValue('x'.repeat(100)) as { invalid: string }).invalid, /^bad content "x{32}…"$/);
});

test('without dynamic: 0 is up, non-zero down; reverse swaps them (keepalived weight 0)', () => {
  const m = { dynamic: false, multiplier: 1, reverse: false, baseWeight: 1 };
  assert.deepEqual(fileCheckStatus({ value: 0 }, m), { ok: true, reason: 'value 0' });
  assert.deepEqual(fileCheckStatus({ value: 0, missing: true }, m), { ok: true, reason: 'missing (0)' });
  assert.deepEqual(fileCheckStatus({ value: 3 }, m), { ok: false, reason: 'value 3' });
  assert.deepEqual(fileCheckStatus({ value: -1 }, m), { ok: false, reason: 'value -1' });
  assert.deepEqual(fileCheckStatus({ value: 0 }, { ...m, reverse: true }), { ok: false, reason: 'value 0' });
  assert.deepEqual(fileCheckStatus({ value: 5 }, { ...m, reverse: true }), { ok: true, reason: 'value 5' });
  assert.deepEqual(fileCheckStatus({ invalid: 'bad content "x"' }, m), { ok: false, reason: 'bad content "x"' });
});

test('with dynamic: weight = base + value × multiplier (negated with reverse), at least 0; the 32-bit minimum is a fault', () => {
  const m = { dynamic: true, multiplier: 10, reverse: false, baseWeight: 100 };
  assert.deepEqual(fileCheckStatus({ value: 5 }, m), { ok: true, reason: 'value 5: weight 150', weight: 150 });
  assert.deepEqual(fileCheckStatus({ value: 5 }, { ...m, reverse: true }), { ok: true, reason: 'value 5: weight 50', weight: 50 });
  assert.deepEqual(fileCheckStatus({ value: -30 }, m), { ok: true, reason: 'value -30: weight 0', weight: 0 });
  assert.deepEqual(fileCheckStatus({ value: 0, missing: true }, m), { ok: true, reason: 'missing (0): weight 100', weight: 100 });
  assert.deepEqual(fileCheckStatus({ value: -2147483648 }, { ...m, multiplier: 1 }), { ok: false, reason: 'value -2147483648: fault' });
  // The product is clamped to 32 bits before the fault test, as keepalived's weight_range.
  assert.deepEqual(fileCheckStatus({ value: -300000000 }, m), { ok: false, reason: 'value -300000000: fault' });
  assert.deepEqual(fileCheckStatus({ value: 2147483647 }, m), { ok: true, reason: 'value 2147483647: weight 2147483647', weight: 2147483647 });
  assert.deepEqual(fileCheckStatus({ invalid: 'over 4096 bytes' }, m), { ok: false, reason: 'over 4096 bytes' });
});

test('sameReading', () => {
  assert.equal(sameReading({ value: 0 }, { value: 0 }), true);
  assert.equal(sameReading({ value: 0 }, { value: 0, missing: true }), false);
  assert.equal(sameReading({ invalid: 'a' }, { invalid: 'a' }), true);
  assert.equal(sameReading({ invalid: 'a' }, { value: 1 }), false);
  assert.equal(sameReading(undefined, { value: 1 }), false);
});
