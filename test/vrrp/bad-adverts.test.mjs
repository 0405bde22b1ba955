// Conduct on bad adverts (issue 18): adverts that no correctly configured peer could
// send never make a hacore Master step down or a Backup take over, are counted by
// reason, and a peer configured unlike us is logged once (not per packet) and shown
// in `hacore status`. The kind found by the interop lab: a priority-255 advert with a
// different address list made a hacore Master step down (keepalived ignores it).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, advertsFrom, expectMaster, inject, nowMs, skipHacore, sleep, startCluster, watchHolders } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

test('wrong address list at priority 255, priority 0 from a non-Master, unicast to a multicast instance: nothing moves', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('hvrp');
  try {
    const d = await startCluster(lab, { r1: 150, r2: 120 });
    await expectMaster(lab, VIP4, 'r1');
    const cap = await lab.capture('bad', 'vrrp');
    const t0 = nowMs();
    const watch = watchHolders(lab, VIP4);
    const common = { vrid: 51, version: 3, interval: 100, count: 15, every: 40 };
    await Promise.all([
      // Accepted, any of these would make r1 step down.
      inject(lab, { ...common, prio: 255, vips: `${VIP4},198.51.100.201` }),
      inject(lab, { ...common, prio: 255, vips: VIP4, dst: lab.addr4('r1') }),
      // Accepted, any of these would cut r2's wait to Skew_Time (a few ms at 100 ms adverts).
      inject(lab, { ...common, prio: 0, vips: VIP4 }),
    ]);
    await sleep(400); // longer than r2's Master_Down_Interval after the last packet
    const holders = await watch.stop();
    assert.deepEqual([...new Set(holders)], ['r1'], 'r1 alone held the VIP all along');
    assert.equal((await advertsFrom(lab, cap.file, 'r2', { since: t0 })).length, 0, 'r2 never advertised');
    const i1 = (await lab.hacoreStatus(d.r1)).vrrp.vrrp.instances[0];
    const i2 = (await lab.hacoreStatus(d.r2)).vrrp.vrrp.instances[0];
    assert.equal(i1.state, 'MASTER');
    assert.equal(i1.counters.transitions, 2, 'r1 moved only at startup (INIT -> BACKUP -> MASTER)');
    assert.equal(i1.counters.drops.addrList, 15, JSON.stringify(i1.counters.drops));
    assert.equal(i1.counters.drops.destination, 15, JSON.stringify(i1.counters.drops));
    assert.equal(i2.counters.drops.addrList, 15);
    assert.equal(i2.counters.drops.notMaster, 15, JSON.stringify(i2.counters.drops));
    const client = lab.addr4(lab.client);
    const m = i1.misconfigurations.filter((e) => e.peer === client).map((e) => [e.reason, e.count]).sort();
    assert.deepEqual(m, [['addrList', 15], ['destination', 15]]);
    const w = (await lab.hacoreStatus(d.r1)).vrrp.vrrp.warnings;
    assert.ok(w.some((x) => x.includes(`peer ${client} differs in address list (unexpected 198.51.100.201)`) || x.includes(`peer ${client} differs in address list`)), JSON.stringify(w));
    // One log line per peer and reason, not one per packet.
    const lines = d.r1.output.split('\n').filter((l) => l.includes('disagrees with our configuration') && l.includes(client));
    assert.equal(lines.filter((l) => l.includes('addrList')).length, 1, lines.join('\n'));
    assert.equal(lines.filter((l) => l.includes('destination')).length, 1, lines.join('\n'));
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});
