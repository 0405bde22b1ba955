// Priority-0 advert after SIGTERM, keepalived 2.2.7 beside hacore in one lab and run
// (issue 18, "stop at once"). Also the first GARP after the new master's first advert.
//   node bench/failover/stop.mjs [--runs 7] [--interval 100]
// Root, after `npm run build`; on demand only (about 20 s per 5 runs).
import { parseArgs } from 'node:util';
import { VrrpLab, VIP4, VIP4B, announcements, hacoreConfig, median, nowMs, vrrpPackets } from '../../test/lib/vrrp-lab.mjs';

const { values: o } = parseArgs({ options: { runs: { type: 'string', default: '7' }, interval: { type: 'string', default: '100' } } });
const RUNS = Number(o.runs);
const IV = Number(o.interval);
const PAIRS = {
  keepalived: { master: 'r1', backup: 'r2', vrid: 51, vip: VIP4 },
  hacore: { master: 'r3', backup: 'r4', vrid: 52, vip: VIP4B },
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(lab, impl, router, prio) {
  const p = PAIRS[impl];
  if (impl === 'keepalived') return lab.startKeepalived(router, { vrid: p.vrid, version: 3, priority: prio, advertInt: IV / 1000, vips: [`${p.vip}/24`] });
  return lab.startHacore(router, hacoreConfig([{ name: 'VI_1', vrid: p.vrid, version: 3, priority: prio, advertInterval: `${IV}ms`, virtualAddresses: [`${p.vip}/24`] }]));
}

const lab = await VrrpLab.create('hvrp', { routers: 4 });
const fmt = (xs) => (xs.length ? `${Math.min(...xs).toFixed(2)} / ${median(xs).toFixed(2)} / ${Math.max(...xs).toFixed(2)} ms (n=${xs.length})` : 'none');
try {
  const d = {};
  for (const impl of Object.keys(PAIRS)) {
    const p = PAIRS[impl];
    d[impl] = { backup: await start(lab, impl, p.backup, 100), master: await start(lab, impl, p.master, 150) };
    await lab.waitHolder(p.vip, p.master, 20000);
  }
  const cap = await lab.capture('stop', 'vrrp or arp');
  await sleep(500);
  const marks = { keepalived: [], hacore: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const impl of Object.keys(PAIRS)) {
      const p = PAIRS[impl];
      const t = nowMs();
      await lab.stop(d[impl].master, 'SIGTERM');
      marks[impl].push(t);
      await lab.waitHolder(p.vip, p.backup, 15000);
      d[impl].master = await start(lab, impl, p.master, 150);
      await lab.waitHolder(p.vip, p.master, 20000);
      await sleep(4 * IV + 300);
    }
  }
  const file = await cap.stop();
  const ads = await vrrpPackets(file);
  const garps = await announcements(file);
  for (const impl of Object.keys(PAIRS)) {
    const p = PAIRS[impl];
    const zero = [];
    const garp = [];
    for (const t of marks[impl]) {
      const z = ads.find((a) => a.vrid === p.vrid && a.src === lab.addr4(p.master) && a.prio === 0 && a.t >= t);
      if (z) zero.push(z.t - t);
      const first = ads.find((a) => a.vrid === p.vrid && a.src === lab.addr4(p.backup) && a.prio > 0 && a.t >= t);
      const g = first && garps.find((x) => x.addr === p.vip && x.mac === lab.mac(p.backup) && x.t >= first.t - 50);
      if (first && g) garp.push(g.t - first.t);
    }
    console.log(`${impl}: priority 0 after SIGTERM ${fmt(zero)}; first GARP after the new master's first advert ${fmt(garp)}`);
  }
  for (const impl of Object.keys(PAIRS)) await Promise.all([lab.stop(d[impl].master), lab.stop(d[impl].backup)]).catch(() => {});
} finally {
  await lab.destroy();
}
