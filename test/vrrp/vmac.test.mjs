// vmac (keepalived use_vmac): the VIP lives on a macvlan with the virtual MAC
// 00:00:5e:00:01:VRID, and the Master's GARPs carry it, so the client's neighbour
// entry for the VIP never changes across a failover. Adverts use the parents'
// MACs (keepalived vmac_xmit_base). Backups keep the macvlan silent (no IPv6 on
// it); the parent does not answer ARP for the VIP with its own MAC. On stop the
// macvlan goes and the arp settings come back.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, announcements, logs, skipHacore, startCluster, vrrpPackets, waitFor } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();
const VMAC = '00:00:5e:00:01:33'; // VRID 51

test('vmac: the VIP and its GARPs use the virtual MAC; a failover leaves the client neighbour entry unchanged', { skip, timeout: 40000 }, async () => {
  const lab = await VrrpLab.create('vvm', { routers: 2 });
  try {
    const arpIgnoreBefore = (await lab.lab.exec('r1', 'cat', ['/proc/sys/net/ipv4/conf/eth0/arp_ignore'])).trim();
    const d = await startCluster(lab, { r1: 150, r2: 100 }, { perRouter: () => ({ instance: { vmac: true } }) });
    await lab.waitHolder(VIP4, 'r1', 8000).catch((err) => {
      err.message += `\n${logs(lab)}`;
      throw err;
    });
    for (const r of ['r1', 'r2']) {
      // Both daemons run; r2's may still be creating its vmac.
      await waitFor(async () => (await lab.lab.ip(r, ['link'])).includes('vrrp.51@eth0') && (await lab.lab.exec(r, 'cat', ['/proc/sys/net/ipv4/conf/eth0/arp_announce'])).trim() === '2', { timeoutMs: 5000, what: `${r}: vrrp.51 set up` });
      const link = JSON.parse(await lab.lab.ip(r, ['-j', '-d', 'link', 'show', 'vrrp.51']))[0];
      assert.equal(link.address, VMAC, `${r}: vrrp.51 has the virtual MAC`);
      assert.equal(link.linkinfo?.info_kind, 'macvlan');
      assert.equal((await lab.lab.exec(r, 'cat', ['/proc/sys/net/ipv6/conf/vrrp.51/disable_ipv6'])).trim(), '1');
      assert.equal((await lab.lab.exec(r, 'cat', ['/proc/sys/net/ipv4/conf/eth0/arp_ignore'])).trim(), '1');
      assert.equal((await lab.lab.exec(r, 'cat', ['/proc/sys/net/ipv4/conf/eth0/arp_announce'])).trim(), '2');
    }
    const onVmac = JSON.parse(await lab.lab.ip('r1', ['-j', 'addr', 'show', 'dev', 'vrrp.51']))[0].addr_info.map((a) => a.local);
    assert.deepEqual(onVmac, [VIP4], 'the VIP is on the vmac');

    const cap = await lab.capture('vmac', 'vrrp or arp');
    const who = await waitFor(() => lab.whoAnswers(VIP4), { timeoutMs: 3000, everyMs: 50, what: 'client reaching the VIP' });
    assert.equal(who, 'r1');
    assert.equal((await lab.neigh(VIP4))?.mac, VMAC, 'the client resolved the VIP to the virtual MAC');

    await lab.cut('r1');
    await lab.waitHolder(VIP4, 'r2', 5000);
    const who2 = await waitFor(async () => ((await lab.whoAnswers(VIP4)) === 'r2' ? 'r2' : false), { timeoutMs: 3000, everyMs: 50, what: 'client reaching r2' });
    assert.equal(who2, 'r2');
    assert.equal((await lab.neigh(VIP4))?.mac, VMAC, 'same neighbour entry after the failover');
    await cap.stop();
    // Adverts from the parents' own MACs (vmac_xmit_base); the virtual MAC appears on the
    // wire only in the Masters' ARP traffic (GARP, replies).
    const adverts = await vrrpPackets(cap.file);
    assert.ok(adverts.length > 0);
    assert.ok(adverts.every((p) => p.ethSrc === lab.mac('r1') || p.ethSrc === lab.mac('r2')), `adverts from the routers' own MACs: ${[...new Set(adverts.map((p) => p.ethSrc))]}`);
    const garps = await announcements(cap.file);
    assert.ok(garps.length > 0, 'r2 announced the VIP');
    assert.ok(garps.every((a) => a.mac === VMAC), `GARPs carry the virtual MAC: ${[...new Set(garps.map((a) => a.mac))]}`);

    await lab.restore('r1');
    await lab.stop(d.r1);
    await waitFor(async () => !(await lab.lab.ip('r1', ['link'])).includes('vrrp.51'), { timeoutMs: 3000, what: 'vrrp.51 removed on stop' });
    assert.equal((await lab.lab.exec('r1', 'cat', ['/proc/sys/net/ipv4/conf/eth0/arp_ignore'])).trim(), arpIgnoreBefore, 'arp_ignore restored');
  } finally {
    await lab.destroy();
  }
});
