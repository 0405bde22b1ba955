// A restarted vrrp child must not forget that a tracked check is down. r1
// (priority 150) tracks a TCP check with weight -60 that is down, so r2 (120)
// is Master. kill -9 of r1's vrrp child: the supervisor restarts it, and the new
// child reads the check states from the daemon (the check itself does not change,
// so no event comes). If it did not, it would believe 150 and take the VIP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, expectMaster, logs, skipHacore, sleep, startCluster, vrrpChildPid, waitFor } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

function instanceStatus(st, name = 'VI_1') {
  for (const doc of Object.values(st)) {
    const i = doc?.vrrp?.instances?.find((x) => x.name === name);
    if (i) return i;
  }
  return undefined;
}

test('kill -9 of the vrrp child: the restarted child keeps the tracked check down (state read from the daemon)', { skip, timeout: 40000 }, async () => {
  const lab = await VrrpLab.create('vrc', { routers: 2 });
  try {
    // Nothing listens on 127.0.0.1:9000 in r1: its check is down from the start. r2's is up.
    await lab.startEchoServer('r2', ['127.0.0.1'], 9000);
    const extra = {
      plugins: ['@hacore/checker-tcp'],
      checks: [{ name: 'svc', type: 'tcp', address: '127.0.0.1', port: 9000, interval: '100ms', timeout: '200ms', rise: 1, fall: 1 }],
    };
    const d = await startCluster(lab, { r1: 150, r2: 120 }, { perRouter: () => ({ instance: { track: { checks: [{ name: 'svc', weight: -60 }] } }, extra }) });
    // r1 may win the first election at 150 before its first probe fails (a tracked check starts as not failing,
    // as keepalived's do): the subject here is the restart, so the start settles first.
    await waitFor(async () => instanceStatus(await lab.hacoreStatus(d.r1))?.effectivePriority === 90, { timeoutMs: 5000, what: 'r1 at 150 - 60' });
    await expectMaster(lab, VIP4, 'r2');

    const old = await vrrpChildPid(lab, d.r1);
    process.kill(old, 'SIGKILL');
    const fresh = await waitFor(async () => {
      const p = await vrrpChildPid(lab, d.r1).catch(() => undefined);
      return p && p !== old ? p : false;
    }, { timeoutMs: 10000, what: 'a new vrrp child' });
    assert.notEqual(fresh, old);
    await waitFor(async () => {
      const i = instanceStatus(await lab.hacoreStatus(d.r1).catch(() => ({})));
      return i?.tracked?.find((t) => t.name === 'svc')?.state === 'down' ? i : false;
    }, { timeoutMs: 8000, what: 'the restarted child knows the check is down' });
    // Longer than r1's Master_Down_Interval (3 x 100 + skew): r2 must still be the only holder.
    await sleep(800);
    assert.deepEqual(await lab.holders(VIP4), ['r2'], logs(lab));
    const i = instanceStatus(await lab.hacoreStatus(d.r1));
    assert.equal(i.state, 'BACKUP');
    assert.equal(i.effectivePriority, 90);
  } finally {
    await lab.destroy();
  }
});
