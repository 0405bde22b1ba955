import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedOutput } from '../src/bounded-output.js';

test('keeps the first bytes and counts the rest', () => {
  const o = new BoundedOutput(5);
  o.push(Buffer.from('abc'));
  o.push(Buffer.from('defg'));
  o.push(Buffer.from('hij'));
  assert.equal(o.text(), 'abcde');
  assert.equal(o.bytes, 5);
  assert.equal(o.dropped, 5);
  assert.equal(o.truncated, true);
});

test('under the limit nothing is dropped; a zero limit keeps nothing', () => {
  const o = new BoundedOutput(100);
  o.push(Buffer.from('ok\n'));
  assert.deepEqual([o.text(), o.truncated], ['ok\n', false]);
  const z = new BoundedOutput(0);
  z.push(Buffer.from('x'));
  assert.deepEqual([z.text(), z.dropped], ['', 1]);
});
