// Unicast peers: adverts go to the listed peers only (no multicast on the wire), and the
// election and failover work as with multicast.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, expectFailover, expectMaster, nowMs, PRIOS, skipHacore, sleep, startCluster, vrrpPackets } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

test('unicast peers: election and failover without multicast', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vuc');
  try {
    const cap = await lab.capture('unicast', 'vrrp or arp or icmp6');
    await startCluster(lab, PRIOS, {
      perRouter: (r) => ({
        instance: {
          unicastSource: lab.addr4(r),
          unicastPeers: lab.routers.filter((x) => x !== r).map((x) => lab.addr4(x)),
        },
      }),
    });
    await expectMaster(lab, VIP4, 'r1');
    const cutAt = nowMs();
    await lab.cut('r1');
    await expectFailover(lab, cap, VIP4, 'r2', { since: cutAt });
    await sleep(300);
    const seen = await vrrpPackets(cap.file);
    // The client sees adverts only while the bridge floods frames to still unknown MACs.
    for (const p of seen) {
      assert.notEqual(p.dst, '224.0.0.18', `no multicast advert (one from ${p.src})`);
      assert.ok([lab.addr4('r1'), lab.addr4('r2'), lab.addr4('r3')].includes(p.dst), `advert to a peer, not to ${p.dst}`);
    }
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});
