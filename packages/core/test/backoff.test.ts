import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelay } from '../src/backoff.js';

test('backoff doubles from initialMs up to maxMs', () => {
  const p = { initialMs: 250, maxMs: 30_000 };
  assert.deepEqual([0, 1, 2, 3, 6, 7, 8, 50].map((n) => backoffDelay(n, p)), [250, 500, 1000, 2000, 16_000, 30_000, 30_000, 30_000]);
  assert.equal(backoffDelay(-1, p), 250, 'a negative count is the first retry');
});

test('jitter spreads the delay over [d/2, d]', () => {
  const p = { initialMs: 100, maxMs: 10_000, jitter: true };
  assert.equal(backoffDelay(0, p, () => 1), 100);
  assert.equal(backoffDelay(0, p, () => 0), 50);
  assert.equal(backoffDelay(3, p, () => 1), 800);
  assert.equal(backoffDelay(3, p, () => 0.5), 600);
  assert.equal(backoffDelay(30, p, () => 1), 10_000);
  for (let n = 0; n < 10; n++) {
    const d = backoffDelay(n, { initialMs: 100, maxMs: 1000, jitter: true });
    const cap = Math.min(1000, 100 * 2 ** n);
    assert.ok(d >= cap / 2 && d <= cap, `${n}: ${d}`);
  }
});
