// Failover among three hacore routers (VRRPv3, 100 ms adverts, priorities 200/150/50):
// the master cut off the network, stopped gracefully, and its vrrp child killed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  VIP4,
  VrrpLab,
  advertsFrom,
  expectFailover,
  expectMaster,
  logs,
  masterDown,
  PRIOS,
  nowMs,
  skipHacore,
  sleep,
  startCluster,
  vrrpChildPid,
  waitFor,
} from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

test('master cut off: the next priority takes the VIP; back on the wire, the master preempts', { skip, timeout: 30000 }, async (t) => {
  const lab = await VrrpLab.create('vcu');
  try {
    await startCluster(lab, PRIOS);
    await expectMaster(lab, VIP4, 'r1');
    const cap = await lab.capture('cut');
    const cutAt = nowMs();
    await lab.cut('r1');
    await expectFailover(lab, cap, VIP4, 'r2', { since: cutAt });
    const first = (await advertsFrom(lab, cap.file, 'r2', { since: cutAt }))[0];
    assert.ok(first, 'r2 advertises');
    // The RFC bound for r2 is 3 x 100 + skew = 341 ms from r1's last advert; allow for a loaded machine.
    assert.ok(first.t - cutAt < masterDown(100, PRIOS.r2) + 400, `r2's first advert ${Math.round(first.t - cutAt)} ms after the cut`);
    assert.equal((await advertsFrom(lab, cap.file, 'r3', { since: cutAt })).length, 0, 'r3 stays Backup');

    const backAt = nowMs();
    await lab.restore('r1');
    await expectFailover(lab, cap, VIP4, 'r1', { since: backAt });
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

test('graceful stop: the master sends priority 0 and the backup takes over after skew time', { skip, timeout: 30000 }, async (t) => {
  const lab = await VrrpLab.create('vgs');
  try {
    const d = await startCluster(lab, PRIOS);
    await expectMaster(lab, VIP4, 'r1');
    const cap = await lab.capture('graceful');
    const stopAt = nowMs();
    await lab.stop(d.r1, 'SIGTERM');
    assert.equal(d.r1.child.exitCode, 0, `hacore exits 0 on SIGTERM\n${d.r1.output.slice(-2000)}`);
    await expectFailover(lab, cap, VIP4, 'r2', { since: stopAt });
    const zero = (await advertsFrom(lab, cap.file, 'r1', { since: stopAt })).filter((p) => p.prio === 0);
    assert.ok(zero.length >= 1, 'r1 sent a priority-0 advert');
    const first = (await advertsFrom(lab, cap.file, 'r2', { since: stopAt }))[0];
    const took = first.t - zero[0].t;
    // Skew time for priority 150 at 100 ms is 41 ms, far below Master_Down_Interval (341 ms).
    assert.ok(took < 250, `r2 took over ${Math.round(took)} ms after the priority-0 advert (skew time 41 ms)`);
    assert.deepEqual(await lab.holders(VIP4), ['r2'], 'the VIP left r1');
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

test('kill -9 of the master vrrp child: restarted by the supervisor, one master and no stale VIP', { skip, timeout: 30000 }, async (t) => {
  const lab = await VrrpLab.create('vk9');
  try {
    const d = await startCluster(lab, PRIOS);
    await expectMaster(lab, VIP4, 'r1');
    const cap = await lab.capture('kill9');
    const old = await vrrpChildPid(lab, d.r1);
    const killAt = nowMs();
    process.kill(old, 'SIGKILL');
    const fresh = await waitFor(async () => {
      const p = await vrrpChildPid(lab, d.r1).catch(() => 0);
      return p && p !== old ? p : false;
    }, { timeoutMs: 5000, what: 'a new vrrp child' });
    const restartedAt = nowMs();
    assert.ok(d.r1.alive, 'the supervisor survived its child');
    // From the restart on, within two Master_Down_Intervals (plus the child's own start-up,
    // up to seconds on a loaded machine),
    // exactly one router holds the VIP: the new child cleared what the dead one left.
    const mdi = masterDown(100, PRIOS.r2);
    const one = await waitFor(async () => {
      const h = await lab.holders(VIP4);
      return h.length === 1 ? h[0] : false;
    }, { timeoutMs: 2 * mdi + 3000, everyMs: 10, what: 'exactly one VIP holder after the restart' }).catch((err) => {
      err.message += `\n${logs(lab)}`;
      throw err;
    });
    const settledAt = nowMs();
    // ... and it stays that way, ending with the highest priority as master.
    await expectFailover(lab, cap, VIP4, 'r1', { since: killAt });
    for (let i = 0; i < 10; i++) {
      assert.deepEqual(await lab.holders(VIP4), ['r1']);
      await sleep(50);
    }
    assert.ok(['r1', 'r2'].includes(one));
    t.diagnostic(`kill -9: restart after ${Math.round(restartedAt - killAt)} ms, single holder (${one}) ${Math.round(settledAt - restartedAt)} ms later`);
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});
