// 200 live console pages and 5,000 checks must not change VRRP advertisement
// timing (the console runs in the supervisor, the checks in the check child,
// VRRP in a process of its own). Two routers run at the same time so that both
// see the same machine load: r1 with the checks, the console and 200 pages
// connected to it (browser-like SSE clients in four processes, in r1's
// namespace), r2 with VRRP alone; each is Master of its own VRID. Adverts are
// timed from a capture on the client, as in test/notifiers/vrrp-timing.test.mjs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { VIP4, VrrpLab, advertGapStats as stats, advertsFrom, bestWindowP90, formatGaps as fmt, hacoreConfig, instance, nowMs, skipHacore, sleep } from '../lib/vrrp-scenario.mjs';
import { VIP4B, waitForLine } from '../lib/vrrp-lab.mjs';
import { waitLine } from '../lib/lab.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const skip = skipHacore();
const [TARGET, WEB] = [8201, 8301];
const CHECKS = 5000;
const PAGES = 200;

test('VRRP advert timing is the same with 5,000 checks and 200 live console pages', { skip, timeout: 120_000 }, async () => {
  const lab = await VrrpLab.create('wsvt', { routers: 2 });
  const pages = [];
  try {
    const target = lab.lab.spawn('r1', process.execPath, ['-e', `require('node:net').createServer((c) => c.destroy()).listen(${TARGET}, '127.0.0.1', () => console.log('ready'))`]);
    await waitForLine(target, /ready/, 5000, 'the check target in r1');
    const checks = Array.from({ length: CHECKS }, (_, i) => ({ name: `c${i}`, type: 'tcp', address: '127.0.0.1', port: TARGET, interval: '5s', timeout: '1s' }));
    const loaded = await lab.startHacore('r1', hacoreConfig([instance({ priority: 200 })], { plugins: ['@hacore/checker-tcp', '@hacore/web'], checks, web: { listen: `127.0.0.1:${WEB}` } }));
    const alone = await lab.startHacore('r2', hacoreConfig([instance({ name: 'VI_2', vrid: 52, priority: 200, virtualAddresses: [`${VIP4B}/24`] })]));
    await lab.waitHolder(VIP4, 'r1', 30000);
    await lab.waitHolder(VIP4B, 'r2', 30000);
    for (let i = 0; i < 4; i++) {
      pages.push(lab.lab.spawn('r1', process.execPath, [path.join(here, '../lib/sse-clients.mjs'), `http://127.0.0.1:${WEB}/api/stream`, String(PAGES / 4), 'none'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    }
    await Promise.all(pages.map((p) => waitLine(p, /^ready/, 60_000, 'live pages')));
    // Every check has had its random start offset (up to one interval) before measuring.
    await sleep(5500);
    const cap = await lab.capture('timing');
    const t0 = nowMs();
    await sleep(6000);
    const st = await lab.hacoreStatus(loaded);
    await cap.stop();
    const r1 = await advertsFrom(lab, cap.file, 'r1', { vrid: 51, since: t0 });
    const r2 = await advertsFrom(lab, cap.file, 'r2', { vrid: 52, since: t0 });
    const [busy, base] = [stats(r1), stats(r2)];
    const [busyBest, baseBest] = [bestWindowP90(r1, t0), bestWindowP90(r2, t0)];
    process.stdout.write(`# advert gaps, VRRP alone (r2):                 ${fmt(base)}; best 2 s window p90 ${baseBest.toFixed(1)}ms\n`);
    process.stdout.write(`# advert gaps, ${CHECKS} checks + ${PAGES} pages (r1): ${fmt(busy)}; best 2 s window p90 ${busyBest.toFixed(1)}ms\n`);
    // The load was really there: the pages connected, the checks running.
    assert.equal(st.main?.web?.clients, PAGES, `the console counts ${PAGES} live pages`);
    assert.equal(st.check?.targets?.length, CHECKS);
    // And the adverts kept their 100 ms period, as on the router with VRRP alone.
    assert.ok(base.n >= 50 && busy.n >= base.n - 3, `adverts ${busy.n} vs ${base.n}`);
    assert.ok(Math.abs(busy.median - base.median) < 5, `median ${busy.median} vs ${base.median}`);
    assert.ok(busyBest < baseBest + 15, `best-window p90 ${busyBest} vs ${baseBest}`);
  } finally {
    for (const p of pages) p.kill('SIGTERM');
    await lab.destroy();
  }
});
