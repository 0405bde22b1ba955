import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IntervalRateLimiter } from '../src/rate-limit.js';

describe('rate-limit', () => {
  it('grants at most once per window, time passed in', () => {
    const l = new IntervalRateLimiter(1000);
    assert.deepEqual([0, 1, 999, 1000, 1500, 2000, 2999.9, 3000].map((t) => l.tryAcquire(t)), [true, false, false, true, false, true, false, true]);
    l.reset();
    assert.equal(l.tryAcquire(3001), true);
    l.setWindow(100);
    assert.equal(l.tryAcquire(3101), true);
    assert.equal(l.tryAcquire(50), true, 'a clock going backwards opens a new window instead of locking out');
  });
});
