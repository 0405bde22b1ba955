// Preemption: a higher-priority router that starts late takes over (default), does not
// (nopreempt), or does so only after preemptDelay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  VIP4,
  VrrpLab,
  advertsFrom,
  expectFailover,
  expectMaster,
  hacoreConfig,
  instance,
  nowMs,
  skipHacore,
  sleep,
  startCluster,
} from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

/** r2 (150) and r3 (50) running, r2 master; then r1 (200) starts with `overrides`. */
async function lateStarter(lab, overrides) {
  await lab.startEchoServer('r1', [VIP4]);
  await startCluster(lab, { r2: 150, r3: 50 });
  await expectMaster(lab, VIP4, 'r2');
  const cap = await lab.capture('late');
  const startAt = nowMs();
  const d = await lab.startHacore('r1', hacoreConfig([instance({ priority: 200, ...overrides })]));
  return { cap, startAt, d };
}

test('preempt (default): a higher priority that starts late takes over', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vpr');
  try {
    const { cap, startAt } = await lateStarter(lab, {});
    await expectFailover(lab, cap, VIP4, 'r1', { since: startAt });
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

test('nopreempt: the late higher priority stays Backup until the master dies', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vnp');
  try {
    const { cap, startAt } = await lateStarter(lab, { nopreempt: true });
    // Well past start-up plus several Master_Down_Intervals: r2 still holds the VIP.
    await sleep(2000);
    assert.deepEqual(await lab.holders(VIP4), ['r2']);
    assert.equal((await advertsFrom(lab, cap.file, 'r1', { since: startAt })).length, 0, 'r1 never advertised');
    const cutAt = nowMs();
    await lab.cut('r2');
    await expectFailover(lab, cap, VIP4, 'r1', { since: cutAt });
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

test('preemptDelay: the late higher priority takes over only after the delay', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vpd');
  try {
    // Without the delay r1 would take over about start-up + 360 ms after it starts.
    const { cap, startAt } = await lateStarter(lab, { preemptDelay: '2s' });
    await expectFailover(lab, cap, VIP4, 'r1', { since: startAt, timeoutMs: 8000 });
    const first = (await advertsFrom(lab, cap.file, 'r1', { since: startAt })).find((p) => p.prio === 200);
    const after = first.t - startAt;
    assert.ok(after >= 2000, `r1 preempted ${Math.round(after)} ms after it started, before its 2 s preemptDelay`);
    assert.ok(after < 2000 + 3000, `r1 preempted ${Math.round(after)} ms after it started`);
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});
