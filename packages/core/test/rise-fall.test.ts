import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RiseFall } from '../src/checks/rise-fall.js';
import { CheckRunner } from '../src/checks/scheduler.js';
import { FakeClock } from './fake-clock.js';
import type { CheckResult, CheckSpec, Checker, TargetStateChange } from '../src/types.js';

test('rise/fall: the state changes after exactly `fall` failures and `rise` successes', () => {
  const rf = new RiseFall(3, 2, 'unknown');
  assert.deepEqual(rf.observe(true), { confirming: true });
  assert.deepEqual(rf.observe(true), { confirming: true });
  assert.deepEqual(rf.observe(true), { changed: 'up', confirming: false });
  assert.deepEqual(rf.observe(false), { confirming: true });
  assert.equal(rf.state, 'up');
  assert.deepEqual(rf.observe(false), { changed: 'down', confirming: false });
  // A flap: one success interrupts the run of failures and the count restarts.
  assert.deepEqual(rf.observe(true), { confirming: true });
  assert.deepEqual(rf.observe(false), { confirming: false });
  assert.deepEqual(rf.observe(true), { confirming: true });
  assert.deepEqual(rf.observe(true), { confirming: true });
  assert.equal(rf.state, 'down');
  assert.deepEqual(rf.observe(true), { changed: 'up', confirming: false });
});

test('rise/fall: alpha starts down, so the first successes must rise', () => {
  const rf = new RiseFall(2, 1, 'down');
  assert.deepEqual(rf.observe(false), { confirming: false });
  assert.deepEqual(rf.observe(true), { confirming: true });
  assert.deepEqual(rf.observe(true), { changed: 'up', confirming: false });
});


function spec(over: Partial<CheckSpec> = {}): CheckSpec {
  return { name: 'c', type: 'x', target: { address: '198.51.100.1' }, interval: 1000, timeout: 300, rise: 2, fall: 3, retryDelay: 100, warmup: 0, alpha: false, ...over };
}

test('scheduler: retryDelay between retries while confirming, interval otherwise, one probe in flight', async () => {
  const clock = new FakeClock();
  const outcomes = [true, true, false, false, false, true];
  const probeTimes: number[] = [];
  let inflight = 0;
  let maxInflight = 0;
  const checker: Checker = {
    async probe(): Promise<CheckResult> {
      inflight++;
      maxInflight = Math.max(maxInflight, inflight);
      probeTimes.push(clock.now());
      const ok = outcomes.shift() ?? true;
      inflight--;
      return { ok, latencyMs: 1, reason: ok ? 'ok' : 'refused' };
    },
  };
  const changes: TargetStateChange[] = [];
  const runner = new CheckRunner(spec(), checker, { result: async () => {}, stateChange: async (_t, c) => void changes.push(c) }, clock);
  runner.start(0);
  // Each probe clears its own hard-timeout timer, so every step runs the next probe.
  for (let i = 0; i < 6; i++) await clock.next();
  // ok(t=0, confirming) +100 ok(up) +1000 fail +100 fail +100 fail(down) +1000 ok
  assert.deepEqual(probeTimes.slice(0, 6), [0, 100, 1100, 1200, 1300, 2300]);
  assert.deepEqual(changes.map((c) => c.to), ['up', 'down']);
  assert.equal(changes[1]!.reason, 'refused');
  assert.equal(maxInflight, 1);
  await runner.stop();
});

test('scheduler: a checker that ignores its signal is cut off by the hard timeout', async () => {
  const clock = new FakeClock();
  const results: CheckResult[] = [];
  let aborted = false;
  const checker: Checker = {
    probe(signal) {
      signal.addEventListener('abort', () => (aborted = true));
      return new Promise(() => {});
    },
  };
  const runner = new CheckRunner(spec({ fall: 1 }), checker, { result: async (_t, r) => void results.push(r), stateChange: async () => {} }, clock);
  runner.start(0);
  await clock.next(); // start probe
  await clock.next(); // hard timeout at 300
  assert.equal(results[0]?.reason, 'timeout');
  assert.equal(aborted, true);
  assert.equal(runner.target.state, 'down');
  await runner.stop();
});
