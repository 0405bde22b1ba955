// Tracking and sync groups: a tracked interface going down (Fault), a tracked TCP check
// failing (weight), and a sync group taking its instances along.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  VIP4,
  VrrpLab,
  advertsFrom,
  expectFailover,
  expectMaster,
  instance,
  nowMs,
  PRIOS,
  skipHacore,
  sleep,
  startCluster,
  waitFor,
} from '../lib/vrrp-scenario.mjs';
import { NET2_VIP4 } from '../lib/vrrp-lab.mjs';

const skip = skipHacore();

test('a tracked interface going down puts the master in Fault (priority 0), and back', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vtf');
  try {
    // A veth pair inside each router (this kernel has no dummy driver): trk0 is tracked.
    for (const r of lab.routers) {
      await lab.lab.ip(r, ['link', 'add', 'trk0', 'type', 'veth', 'peer', 'name', 'trk1']);
      await lab.lab.ip(r, ['link', 'set', 'trk1', 'up']);
      await lab.lab.ip(r, ['link', 'set', 'trk0', 'up']);
    }
    await startCluster(lab, PRIOS, { perRouter: () => ({ instance: { track: { interfaces: ['trk0'] } } }) });
    await expectMaster(lab, VIP4, 'r1');
    const cap = await lab.capture('trackif');
    const downAt = nowMs();
    await lab.lab.ip('r1', ['link', 'set', 'trk0', 'down']);
    await expectFailover(lab, cap, VIP4, 'r2', { since: downAt });
    const r1 = await advertsFrom(lab, cap.file, 'r1', { since: downAt });
    assert.ok(r1.some((p) => p.prio === 0), 'entering Fault sends a priority-0 advert');
    const upAt = nowMs();
    await lab.lab.ip('r1', ['link', 'set', 'trk0', 'up']);
    await expectFailover(lab, cap, VIP4, 'r1', { since: upAt });
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

test('a tracked TCP check failing lowers the priority by its weight; recovering restores it', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vtc');
  try {
    // Each router checks a TCP server of its own (127.0.0.1:9000 in its namespace).
    const servers = {};
    for (const r of lab.routers) servers[r] = await lab.startEchoServer(r, ['127.0.0.1'], 9000);
    const extra = {
      plugins: ['@hacore/checker-tcp'],
      checks: [{ name: 'svc', type: 'tcp', address: '127.0.0.1', port: 9000, interval: '100ms', timeout: '200ms', rise: 1, fall: 1 }],
    };
    await startCluster(lab, PRIOS, { perRouter: () => ({ instance: { track: { checks: [{ name: 'svc', weight: -60 }] } }, extra }) });
    await expectMaster(lab, VIP4, 'r1');
    const cap = await lab.capture('trackcheck');
    const downAt = nowMs();
    await lab.lab.kill(servers.r1);
    await expectFailover(lab, cap, VIP4, 'r2', { since: downAt });
    // 200 - 60 = 140 < 150: r1 advertised 140 before r2 preempted it.
    const r1 = await advertsFrom(lab, cap.file, 'r1', { since: downAt });
    assert.ok(r1.some((p) => p.prio === 140), `r1 advertised its effective priority 140 (saw ${[...new Set(r1.map((p) => p.prio))]})`);
    const upAt = nowMs();
    servers.r1 = await lab.startEchoServer('r1', ['127.0.0.1'], 9000);
    await expectFailover(lab, cap, VIP4, 'r1', { since: upAt, timeoutMs: 8000 });
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

test('a sync group: one instance losing its link takes the other one to Backup too', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vsg', { secondNet: true });
  try {
    await startCluster(lab, PRIOS, {
      perRouter: (r) => ({
        instances: [
          instance({ name: 'VI_1', priority: PRIOS[r] }),
          instance({ name: 'VI_2', priority: PRIOS[r], interface: 'eth1', vrid: 52, virtualAddresses: [`${NET2_VIP4}/24`] }),
        ],
        extra: { syncGroups: [{ name: 'G1', instances: ['VI_1', 'VI_2'] }] },
      }),
    });
    await expectMaster(lab, VIP4, 'r1');
    await lab.waitHolder(NET2_VIP4, 'r1');
    const cap = await lab.capture('sync');
    const cutAt = nowMs();
    // Only eth1 goes down: VI_1 on eth0 has nothing wrong of its own.
    await lab.cut('r1', 'eth1');
    await lab.waitHolder(NET2_VIP4, 'r2');
    await expectFailover(lab, cap, VIP4, 'r2', { since: cutAt });
    const taken = (await advertsFrom(lab, cap.file, 'r2', { since: cutAt, vrid: 51 }))[0];
    assert.ok(taken, 'r2 advertises VI_1');
    await sleep(500);
    const r1 = await advertsFrom(lab, cap.file, 'r1', { since: taken.t + 150, vrid: 51 });
    assert.deepEqual(r1.map((p) => p.prio), [], 'r1 no longer advertises VI_1');
    await waitFor(async () => (await lab.holders(NET2_VIP4)).length === 1, { what: 'one holder of the second VIP' });
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});
