// VRRPv3 over IPv6: adverts from the link-local address with hop limit 255, and a failover
// announced with unsolicited neighbour advertisements (Override flag).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP6, VrrpLab, advertsFrom, expectFailover, expectMaster, nowMs, PRIOS, skipHacore, startCluster } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

test('v3 over IPv6: election, failover with unsolicited NA', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('v6f');
  try {
    const cap = await lab.capture('v6');
    await startCluster(lab, PRIOS, { vips: [VIP6] });
    await expectMaster(lab, VIP6, 'r1');
    const ads = await advertsFrom(lab, cap.file, 'r1');
    const ll = await lab.link6('r1');
    assert.ok(ads.length > 0);
    for (const p of ads) {
      assert.deepEqual(
        { src: p.src, dst: p.dst, hop: p.ttl, version: p.version, vrid: p.vrid, checksum: p.checksumStatus, malformed: p.malformed },
        { src: ll, dst: 'ff02::12', hop: 255, version: 3, vrid: 51, checksum: '1', malformed: false },
      );
    }
    const cutAt = nowMs();
    await lab.cut('r1');
    await expectFailover(lab, cap, VIP6, 'r2', { since: cutAt });
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});
