// Someone else removes a VIP from the Master (`ip addr del` by an operator or a
// script). hacore notices it through its netlink reflector (no polling):
// - vipRemoved: backup (default, as keepalived): the Master goes Backup with
//   reason "vip-removed" and the election runs again; the best router (here the
//   same one) ends up holding the VIP alone;
// - vipRemoved: restore: the Master puts the VIP back at once and stays Master.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, expectMaster, logs, skipHacore, startCluster, waitFor } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();
const PRIOS = { r1: 150, r2: 100 };

function instanceStatus(st, name = 'VI_1') {
  for (const doc of Object.values(st)) {
    const i = doc?.vrrp?.instances?.find((x) => x.name === name);
    if (i) return i;
  }
  return undefined;
}

test('a VIP removed behind the Master\'s back: it goes Backup (vip-removed) and the election gives the VIP back to the best router', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vvb', { routers: 2 });
  try {
    const d = await startCluster(lab, PRIOS);
    await expectMaster(lab, VIP4, 'r1');
    const before = instanceStatus(await lab.hacoreStatus(d.r1));
    assert.equal(before.state, 'MASTER');
    await lab.lab.ip('r1', ['addr', 'del', `${VIP4}/24`, 'dev', 'eth0']);
    await waitFor(() => /"reason":"vip-removed"/.test(d.r1.output), { timeoutMs: 3000, what: 'the vip-removed transition in r1\'s log' });
    const line = d.r1.output.split('\n').find((l) => l.includes('"reason":"vip-removed"'));
    assert.match(line, /"from":"MASTER","to":"BACKUP"/);
    await expectMaster(lab, VIP4, 'r1', { timeoutMs: 5000 });
    const after = instanceStatus(await lab.hacoreStatus(d.r1));
    assert.equal(after.state, 'MASTER', logs(lab));
    assert.equal(after.counters.vipRemovedExternally, 1);
    assert.ok(after.counters.transitions >= before.counters.transitions + 2, 'Master -> Backup -> Master');
  } finally {
    await lab.destroy();
  }
});

test('vipRemoved: restore puts the VIP back at once and stays Master', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vvr', { routers: 2 });
  try {
    const d = await startCluster(lab, PRIOS, { perRouter: () => ({ instance: { vipRemoved: 'restore' } }) });
    await expectMaster(lab, VIP4, 'r1');
    const before = instanceStatus(await lab.hacoreStatus(d.r1));
    const before2 = instanceStatus(await lab.hacoreStatus(d.r2));
    const t0 = performance.now();
    await lab.lab.ip('r1', ['addr', 'del', `${VIP4}/24`, 'dev', 'eth0']);
    await lab.waitHolder(VIP4, 'r1', 3000);
    const back = performance.now() - t0;
    // Restored well inside one advert interval pair: no election was needed.
    assert.ok(back < 1000, `restored after ${Math.round(back)} ms`);
    await expectMaster(lab, VIP4, 'r1');
    const after = instanceStatus(await lab.hacoreStatus(d.r1));
    assert.equal(after.state, 'MASTER');
    assert.equal(after.counters.vipRemovedExternally, 1);
    assert.equal(after.counters.transitions, before.counters.transitions, 'no transition');
    assert.ok(after.counters.garpSent > before.counters.garpSent, 'the restored VIP is announced again');
    const r2 = instanceStatus(await lab.hacoreStatus(d.r2));
    assert.equal(r2.state, 'BACKUP');
    assert.equal(r2.counters.becameMaster, before2.counters.becameMaster, 'r2 did not become Master meanwhile');
  } finally {
    await lab.destroy();
  }
});
