// `hacore reload` with a changed vrrp section: the changed instance restarts with
// its new settings (r1 drops to priority 50, so r2 takes the VIP), the unchanged
// one keeps running untouched (no transition, still Master), and a bad config is
// refused without changing anything.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { HACORE_CLI, ROOT, VIP4B } from '../lib/vrrp-lab.mjs';
import { VIP4, VrrpLab, expectMaster, hacoreConfig, instance, logs, skipHacore, waitFor } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

function instanceStatus(st, name) {
  for (const doc of Object.values(st)) {
    const i = doc?.vrrp?.instances?.find((x) => x.name === name);
    if (i) return i;
  }
  return undefined;
}

test('reload: a changed instance restarts with its new priority, an unchanged one is left alone, a bad file changes nothing', { skip, timeout: 40000 }, async () => {
  const lab = await VrrpLab.create('vrl', { routers: 2 });
  try {
    const cfg = (prio1) => hacoreConfig([instance({ priority: prio1 }), instance({ name: 'VI_2', vrid: 52, priority: 200, virtualAddresses: [`${VIP4B}/24`] })]);
    await lab.startEchoServer('r1', [VIP4, VIP4B]);
    await lab.startEchoServer('r2', [VIP4, VIP4B]);
    const d1 = await lab.startHacore('r1', cfg(150));
    await lab.startHacore('r2', hacoreConfig([instance({ priority: 100 }), instance({ name: 'VI_2', vrid: 52, priority: 100, virtualAddresses: [`${VIP4B}/24`] })]));
    await expectMaster(lab, VIP4, 'r1');
    await expectMaster(lab, VIP4B, 'r1');
    const before = instanceStatus(await lab.hacoreStatus(d1), 'VI_2');

    // A bad file: refused, nothing changes.
    const good = await readFile(d1.files.config, 'utf8');
    const bad = JSON.parse(good);
    bad.vrrp.instances[0].priority = 300;
    await writeFile(d1.files.config, JSON.stringify(bad));
    await assert.rejects(lab.lab.exec('r1', process.execPath, [HACORE_CLI, 'reload', '--config', d1.files.config], { cwd: ROOT }), /priority/);
    assert.deepEqual(await lab.holders(VIP4), ['r1']);

    // A good one: VI_1 at priority 50 now.
    const next = JSON.parse(good);
    next.vrrp.instances[0].priority = 50;
    await writeFile(d1.files.config, JSON.stringify(next));
    await lab.lab.exec('r1', process.execPath, [HACORE_CLI, 'reload', '--config', d1.files.config], { cwd: ROOT });
    await expectMaster(lab, VIP4, 'r2', { timeoutMs: 5000 });
    const v1 = await waitFor(async () => {
      const i = instanceStatus(await lab.hacoreStatus(d1), 'VI_1');
      return i?.state === 'BACKUP' ? i : false;
    }, { timeoutMs: 3000, what: 'r1 VI_1 Backup' });
    assert.equal(v1.priority, 50);
    const after = instanceStatus(await lab.hacoreStatus(d1), 'VI_2');
    assert.equal(after.state, 'MASTER', logs(lab));
    assert.equal(after.counters.transitions, before.counters.transitions, 'VI_2 was not restarted');
    assert.deepEqual(await lab.holders(VIP4B), ['r1']);
  } finally {
    await lab.destroy();
  }
});
