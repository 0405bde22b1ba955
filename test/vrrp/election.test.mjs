// Master election among three hacore routers (VRRPv3, 100 ms adverts): by priority,
// and on a tie by the higher primary address (RFC 5798 6.4.3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, expectMaster, advertsFrom, nowMs, skipHacore, sleep, startCluster, vrrpPackets, waitFor } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

test('the highest priority wins the election, whatever the start order', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vel');
  try {
    const cap = await lab.capture('elect', 'vrrp');
    // The lowest priority starts first and becomes Master alone; the others must take over.
    await startCluster(lab, { r1: 150, r2: 120, r3: 100 }, { order: ['r3', 'r2', 'r1'] });
    await expectMaster(lab, VIP4, 'r1');
    const t = nowMs();
    await sleep(600);
    const all = (await vrrpPackets(cap.file)).filter((p) => p.t >= t);
    assert.ok(all.length >= 4, `r1 advertises every 100 ms (saw ${all.length} adverts in 600 ms)`);
    for (const p of all) {
      assert.equal(p.ethSrc, lab.mac('r1'), 'only the master advertises');
      assert.deepEqual(
        { src: p.src, version: p.version, vrid: p.vrid, prio: p.prio, interval: p.interval, ttl: p.ttl, checksum: p.checksumStatus, malformed: p.malformed },
        { src: lab.addr4('r1'), version: 3, vrid: 51, prio: 150, interval: 100, ttl: 255, checksum: '1', malformed: false },
      );
    }
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

test('on equal priorities the higher primary address wins between masters', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vti');
  try {
    // RFC 5798 6.4.3: the tie is broken between Masters (a Backup accepts an equal priority).
    // Isolate the routers from each other at the bridge so that each becomes Master, then
    // let them hear each other again.
    for (const r of lab.routers) await lab.isolate(r, true);
    await startCluster(lab, { r1: 100, r2: 100, r3: 100 });
    await waitFor(async () => (await lab.holders(VIP4)).length === 3, { timeoutMs: 5000, what: 'three masters while isolated' });
    const cap = await lab.capture('tie', 'vrrp or arp');
    await sleep(250);
    for (const r of lab.routers) await lab.isolate(r, false);
    // r3 has 198.51.100.13, the highest of the three.
    await expectMaster(lab, VIP4, 'r3');
    await sleep(300);
    const t = nowMs();
    await sleep(500);
    const others = [...(await advertsFrom(lab, cap.file, 'r1', { since: t })), ...(await advertsFrom(lab, cap.file, 'r2', { since: t }))];
    assert.equal(others.length, 0, 'r1 and r2 went Backup and stay silent');
    assert.ok((await advertsFrom(lab, cap.file, 'r3', { since: t })).length >= 3, 'r3 advertises');
    assert.ok((await advertsFrom(lab, cap.file, 'r1')).length > 0, 'r1 was a master before the isolation ended');
    assert.ok((await advertsFrom(lab, cap.file, 'r2')).length > 0, 'r2 was a master before the isolation ended');
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});
