// accept: false (RFC 5798 Accept_Mode False): the Master holds the VIPs and
// answers ARP / neighbour solicitations for them, so clients can use it as a
// gateway, but packets addressed to the VIPs are dropped (nftables table
// inet hacore_vrrp). On stop the table goes away.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VIP6, VrrpLab, hacoreConfig, instance, logs, skipHacore, waitFor } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore(['ip', 'nft', 'ping']);

test('accept: false: the Master holds the VIPs and answers ARP/ND for them, but not pings; the table goes on stop', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vac', { routers: 1 });
  try {
    const d = await lab.startHacore(
      'r1',
      hacoreConfig([
        instance({ priority: 150, accept: false }),
        instance({ name: 'VI_6', vrid: 52, priority: 150, accept: false, virtualAddresses: [`${VIP6}/64`] }),
      ]),
    );
    await lab.waitHolder(VIP4, 'r1', 5000);
    await lab.waitHolder(VIP6, 'r1', 5000);
    const table = await lab.lab.exec('r1', 'nft', ['list', 'table', 'inet', 'hacore_vrrp']);
    assert.match(table, new RegExp(`ip daddr ${VIP4.replace(/\./g, '\\.')} counter packets \\d+ bytes \\d+ drop`));
    // The router's own address still answers; the VIPs do not.
    assert.equal(await lab.ping(lab.addr4('r1')), true, 'r1 answers on its own address');
    assert.equal(await lab.ping(VIP4), false, `ping ${VIP4} must be dropped\n${logs(lab)}`);
    assert.equal(await lab.ping(VIP6), false, `ping ${VIP6} must be dropped`);
    // ... yet the client resolved both VIPs to r1's MAC (ARP, and NS let through).
    assert.equal((await lab.neigh(VIP4))?.mac, lab.mac('r1'));
    assert.equal((await lab.neigh(VIP6))?.mac, lab.mac('r1'));
    const after = await lab.lab.exec('r1', 'nft', ['list', 'table', 'inet', 'hacore_vrrp']);
    const dropped = [...after.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
    assert.ok(dropped.every((n) => n >= 1), `both drop rules counted packets: ${after}`);

    await lab.stop(d);
    await waitFor(async () => !(await lab.lab.exec('r1', 'nft', ['list', 'tables'])).includes('hacore_vrrp'), { timeoutMs: 3000, what: 'the nftables table removed on stop' });
    assert.deepEqual(await lab.holders(VIP4), [], 'the VIP is gone too');
  } finally {
    await lab.destroy();
  }
});
