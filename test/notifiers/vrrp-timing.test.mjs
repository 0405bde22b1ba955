// A dead webhook endpoint (one hung, one refusing) and notify scripts on a
// flapping check must not change VRRP advertisement timing, even with
// everything in one process (--single-process, the worst case: in the
// supervisor layout VRRP has a process of its own). Two routers run at the
// same time, so that both see the same machine load: r1 with the failing
// notifiers, r2 without; each is Master of its own VRID. Adverts are timed from
// a capture on the client.
import assert from 'node:assert/strict';
import { writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { VIP4, VrrpLab, advertGapStats as stats, advertsFrom, bestWindowP90, formatGaps as fmt, hacoreConfig, instance, nowMs, skipHacore, sleep } from '../lib/vrrp-scenario.mjs';
import { VIP4B, waitForLine } from '../lib/vrrp-lab.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const skip = skipHacore();
const [STEADY, FLAP, HANG, REFUSED] = [8101, 8102, 8103, 8104];

test('VRRP advert timing is the same with dead notifier endpoints', { skip, timeout: 60_000 }, async () => {
  const lab = await VrrpLab.create('ntvt', { routers: 2 });
  try {
    const script = path.join(lab.dir, 'notify.sh');
    writeFileSync(script, `#!/bin/sh\necho "$*" >> ${path.join(lab.dir, 'notify.log')}\n`);
    chmodSync(script, 0o755);
    const checks = [
      { name: 'steady', type: 'tcp', address: '127.0.0.1', port: STEADY, interval: '40ms', timeout: '200ms', warmup: '0ms' },
      { name: 'flap', type: 'tcp', address: '127.0.0.1', port: FLAP, interval: '20ms', retryDelay: '20ms', timeout: '200ms', warmup: '0ms' },
    ];
    const dead = (port) => ({ url: `http://127.0.0.1:${port}/`, timeout: '2s', backoff: '50ms', retries: 100, maxQueue: 50 });
    const daemons = {};
    for (const r of ['r1', 'r2']) {
      // The same servers in each router's namespace: the flapping check makes events in both.
      const servers = lab.lab.spawn(r, process.execPath, [path.join(here, 'fixtures/ns-servers.mjs'), STEADY, FLAP, HANG, 40, 30_000].map(String));
      await waitForLine(servers, /ready/, 5000, `namespace servers in ${r}`);
      const withNotifiers = r === 'r1';
      const inst = withNotifiers ? instance({ priority: 200 }) : instance({ name: 'VI_2', vrid: 52, priority: 200, virtualAddresses: [`${VIP4B}/24`] });
      const cfg = hacoreConfig([inst], {
        plugins: ['@hacore/checker-tcp', ...(withNotifiers ? ['@hacore/notifier-webhook', '@hacore/notifier-script'] : [])],
        checks,
        ...(withNotifiers
          ? { webhooks: { shutdownGrace: '0ms', endpoints: [dead(HANG), dead(REFUSED)] }, notify: { checks: { flap: { notify: [script] } } } }
          : {}),
      });
      daemons[r] = await lab.startHacore(r, cfg, { singleProcess: true });
    }
    await lab.waitHolder(VIP4, 'r1');
    await lab.waitHolder(VIP4B, 'r2');
    const cap = await lab.capture('timing');
    const t0 = nowMs();
    await sleep(6000);
    const st = (await lab.hacoreStatus(daemons.r1)).single;
    await cap.stop();
    const r1 = await advertsFrom(lab, cap.file, 'r1', { vrid: 51, since: t0 });
    const r2 = await advertsFrom(lab, cap.file, 'r2', { vrid: 52, since: t0 });
    const [down, base] = [stats(r1), stats(r2)];
    const [downBest, baseBest] = [bestWindowP90(r1, t0), bestWindowP90(r2, t0)];
    process.stdout.write(`# advert gaps, no notifiers (r2):     ${fmt(base)}; best 2 s window p90 ${baseBest.toFixed(1)}ms\n`);
    process.stdout.write(`# advert gaps, notifiers failing (r1): ${fmt(down)}; best 2 s window p90 ${downBest.toFixed(1)}ms; webhook dropped ${st.webhooks.dropped}, queued ${st.webhooks.queued}; scripts run ${st.notify.delivered}\n`);
    // The notifiers really were busy and failing.
    assert.ok(st.notify.delivered >= 10, 'notify scripts ran on the flapping check');
    assert.equal(st.webhooks.delivered, 0);
    assert.ok(st.webhooks.dropped > 0, 'the endpoints were down long enough to overflow their queues');
    // And the adverts kept their 100 ms period, as on the router without notifiers.
    assert.ok(base.n >= 50 && down.n >= base.n - 3, `adverts ${down.n} vs ${base.n}`);
    assert.ok(Math.abs(down.median - base.median) < 5, `median ${down.median} vs ${base.median}`);
    assert.ok(downBest < baseBest + 15, `best-window p90 ${downBest} vs ${baseBest}`);
  } finally {
    await lab.destroy();
  }
});
