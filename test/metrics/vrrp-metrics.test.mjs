// The metrics plugin against the real VRRP plugin, in the supervisor layout
// (VRRP in its own child): two routers in a namespace lab, the scrape taken
// inside r1's namespace and parsed strictly, values compared with
// `hacore status --json` taken before and after the scrape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, hacoreConfig, instance, skipHacore, waitFor } from '../lib/vrrp-scenario.mjs';
import { parsePrometheus, value } from './prom-parse.mjs';

const skip = skipHacore(['ip']);

async function scrape(lab, router) {
  const js = "fetch('http://127.0.0.1:9650/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))";
  return parsePrometheus(await lab.lab.exec(router, process.execPath, ['-e', js]));
}

const inst = (st) => st.vrrp.instances.find((i) => i.name === 'VI_1');

test('VRRP state, adverts and transitions of the real VRRP child, scraped from the supervisor', { skip, timeout: 60_000 }, async () => {
  const lab = await VrrpLab.create('mtvr', { routers: 2 });
  try {
    const metrics = { plugins: ['@hacore/metrics'], metrics: { listen: '127.0.0.1:9650' } };
    const r1 = await lab.startHacore('r1', hacoreConfig([instance({ priority: 200 })], metrics));
    await lab.startHacore('r2', hacoreConfig([instance({ priority: 100 })]));
    await lab.waitHolder(VIP4, 'r1', 15_000); // two daemons starting on a loaded 2-core machine
    // r2 has seen r1's adverts once it is Backup with r1 as its master.
    await waitFor(async () => inst((await lab.hacoreStatus(r1)).vrrp).state === 'MASTER', { what: 'r1 Master in its status' });

    const before = inst((await lab.hacoreStatus(r1)).vrrp);
    const m = await scrape(lab, 'r1');
    const after = inst((await lab.hacoreStatus(r1)).vrrp);
    assert.equal(value(m, 'hacore_vrrp_state', { instance: 'VI_1', state: 'MASTER' }), 1);
    assert.equal(value(m, 'hacore_vrrp_state', { instance: 'VI_1', state: 'BACKUP' }), 0);
    assert.equal(value(m, 'hacore_vrrp_priority', { instance: 'VI_1' }), 200);
    assert.equal(value(m, 'hacore_vrrp_effective_priority', { instance: 'VI_1' }), after.effectivePriority);
    const sent = value(m, 'hacore_vrrp_adverts_sent_total', { instance: 'VI_1' });
    assert.ok(sent >= before.counters.advertsSent && sent <= after.counters.advertsSent && sent > 0, `adverts sent ${sent} within [${before.counters.advertsSent}, ${after.counters.advertsSent}]`);
    assert.ok(value(m, 'hacore_vrrp_adverts_received_total', { instance: 'VI_1' }) >= 0);
    for (const [reason, n] of Object.entries(after.counters.drops)) {
      assert.ok(value(m, 'hacore_vrrp_drops_total', { instance: 'VI_1', interface: 'eth0', reason }) <= n, `drops ${reason}`);
    }
    // The transition event crossed from the vrrp child to the supervisor.
    assert.equal(value(m, 'hacore_vrrp_transitions_total', { instance: 'VI_1', from: 'BACKUP', to: 'MASTER' }), 1);
    for (const role of ['main', 'vrrp']) assert.equal(value(m, 'hacore_process_up', { role }), 1, role);

    // Cut r1 off: its instance goes to FAULT, and the next scrape says so.
    await lab.cut('r1');
    await waitFor(async () => inst((await lab.hacoreStatus(r1)).vrrp).state === 'FAULT', { what: 'r1 in FAULT' });
    const m2 = await scrape(lab, 'r1');
    assert.equal(value(m2, 'hacore_vrrp_state', { instance: 'VI_1', state: 'FAULT' }), 1);
    assert.equal(value(m2, 'hacore_vrrp_state', { instance: 'VI_1', state: 'MASTER' }), 0);
    assert.equal(value(m2, 'hacore_vrrp_transitions_total', { instance: 'VI_1', from: 'MASTER', to: 'FAULT' }), 1);
  } finally {
    await lab.destroy();
  }
});
