import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MonotonicTimer, monotonicMs } from '../src/index.js';

describe('MonotonicTimer (timerfd at an absolute deadline)', () => {
  it('fires once, not before its deadline; re-armed from its callback it keeps an exact cadence', async () => {
    const t = MonotonicTimer.open();
    const start = monotonicMs();
    const fired: number[] = [];
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        fired.push(monotonicMs());
        if (fired.length < 5) t.arm(start + 5 * (fired.length + 1), tick);
        else resolve();
      };
      t.arm(start + 5, tick);
    });
    t.close();
    fired.forEach((f, i) => assert.ok(f >= start + 5 * (i + 1), `expiry ${i} at ${f - start} ms, due at ${5 * (i + 1)}`));
  });

  it('disarm cancels; an unarmed timer does not hold the event loop open', async () => {
    const t = MonotonicTimer.open();
    let fired = false;
    t.arm(monotonicMs() + 5, () => {
      fired = true;
    });
    assert.equal(t.armed, true);
    t.disarm();
    assert.equal(t.armed, false);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(fired, false);
    // The test process exits after this test only if no poll handle is left.
  });

  it('a deadline in the past fires at once; close() twice is harmless', async () => {
    const t = MonotonicTimer.open();
    await new Promise<void>((resolve) => t.arm(monotonicMs() - 1000, resolve));
    t.close();
    t.close();
    assert.throws(() => t.arm(monotonicMs() + 1, () => {}), { code: 'ERR_INVALID_STATE' });
  });
});
