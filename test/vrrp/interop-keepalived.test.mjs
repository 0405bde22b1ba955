// Interop with real keepalived 2.2.7 on one bridge, same VRID: r1 hacore (200),
// r2 keepalived (150), r3 hacore (50). Each implementation elects the other by
// priority and takes over when the other dies; tshark's VRRP dissector decodes every
// hacore advert with a good checksum, nothing malformed and no expert note at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VIP6, VrrpLab, expectFailover, expectMaster, hacoreConfig, instance, nowMs, skipHacore, sleep, vrrpPackets } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore(['ip', 'tcpdump', 'tshark', 'keepalived']);

const CASES = [
  { name: 'v2 IPv4, 1 s', version: 2, intervalMs: 1000, vip: VIP4, prefix: 24, timeoutMs: 9000 },
  { name: 'v3 IPv4, 100 ms', version: 3, intervalMs: 100, vip: VIP4, prefix: 24, timeoutMs: 5000 },
  { name: 'v3 IPv6, 100 ms', version: 3, intervalMs: 100, vip: VIP6, prefix: 64, timeoutMs: 5000 },
];

for (const c of CASES) {
  test(`interop with keepalived: ${c.name}`, { skip, timeout: 60000 }, async () => {
    const lab = await VrrpLab.create('vka');
    try {
      const cap = await lab.capture(`interop-${c.version}-${c.vip.includes(':') ? 6 : 4}`);
      const vipCidr = `${c.vip}/${c.prefix}`;
      for (const r of lab.routers) await lab.startEchoServer(r, [c.vip]);
      const hacore = (r, priority) =>
        lab.startHacore(r, hacoreConfig([instance({ priority, version: c.version, advertInterval: `${c.intervalMs}ms`, virtualAddresses: [vipCidr], garpMasterDelay: '5s' })]));

      // keepalived (150) against hacore (50): keepalived wins, hacore follows it.
      await hacore('r3', 50);
      await lab.startKeepalived('r2', { vrid: 51, version: c.version, priority: 150, advertInt: c.intervalMs / 1000, vips: [vipCidr] });
      await expectMaster(lab, c.vip, 'r2', { timeoutMs: c.timeoutMs });

      // hacore (200) starts late and preempts keepalived.
      const upAt = nowMs();
      await hacore('r1', 200);
      await expectFailover(lab, cap, c.vip, 'r1', { since: upAt, timeoutMs: c.timeoutMs });

      // hacore dies: keepalived takes over, and hacore r3 stays Backup.
      const cut1 = nowMs();
      await lab.cut('r1');
      await expectFailover(lab, cap, c.vip, 'r2', { since: cut1, timeoutMs: c.timeoutMs });

      // keepalived dies: hacore r3 takes over.
      const cut2 = nowMs();
      await lab.cut('r2');
      await expectFailover(lab, cap, c.vip, 'r3', { since: cut2, timeoutMs: c.timeoutMs });

      await sleep(3 * c.intervalMs);
      await cap.stop();
      const all = await vrrpPackets(cap.file);
      const ours = all.filter((p) => p.ethSrc === lab.mac('r1') || p.ethSrc === lab.mac('r3'));
      const theirs = all.filter((p) => p.ethSrc === lab.mac('r2'));
      assert.ok(ours.length >= 3 && theirs.length >= 3, `adverts from both (hacore ${ours.length}, keepalived ${theirs.length})`);
      for (const p of ours) {
        assert.deepEqual(
          { checksum: p.checksumStatus, malformed: p.malformed, expert: p.expert, version: p.version, vrid: p.vrid, ttl: p.ttl, interval: p.interval, addrCount: p.addrCount },
          { checksum: '1', malformed: false, expert: '', version: c.version, vrid: 51, ttl: 255, interval: c.intervalMs, addrCount: 1 },
          `hacore advert from ${p.src} at ${p.t}`,
        );
        if (!c.vip.includes(':')) assert.equal(p.tos, '0xc0', 'IPv4 TOS 0xc0 as keepalived sends');
      }
    } finally {
      await lab.destroy();
    }
  });
}
