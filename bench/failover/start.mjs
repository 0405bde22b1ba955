// Start to BACKUP: from spawning `hacore start` (supervisor + vrrp child) to the vrrp
// child's INIT -> BACKUP (sockets open, VIPs checked, nothing sent yet), median of
// --runs (7), beside keepalived 2.2.7's time to "Entering BACKUP STATE" in the same lab.
//   node bench/failover/start.mjs [--runs 7]
// Root, after `npm run build`; on demand only.
import { parseArgs } from 'node:util';
import { VrrpLab, VIP4, VIP4B, hacoreConfig, median } from '../../test/lib/vrrp-lab.mjs';

const { values: o } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const RUNS = Number(o.runs);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(d, re, timeoutMs = 10000) {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(d.output);
    if (m) return m;
    if (Date.now() - t0 > timeoutMs) throw new Error(`no ${re} in ${d.output.slice(-500)}`);
    await sleep(5);
  }
}

const lab = await VrrpLab.create('hstrt', { routers: 2 });
const times = { hacore: [], keepalived: [] };
try {
  for (let i = 0; i < RUNS; i++) {
    let t = Date.now();
    const h = await lab.startHacore('r1', hacoreConfig([{ name: 'VI_1', vrid: 71, version: 3, priority: 100, advertInterval: '1s', virtualAddresses: [`${VIP4}/24`] }]));
    const m = await until(h, /"time":(\d+),[^\n]*INIT -> BACKUP/);
    times.hacore.push(Number(m[1]) - t);
    await lab.stop(h);
    t = Date.now();
    const k = await lab.startKeepalived('r2', { vrid: 72, version: 3, priority: 100, advertInt: 1, vips: [`${VIP4B}/24`] });
    await until(k, /Entering BACKUP STATE/);
    times.keepalived.push(Date.now() - t); // keepalived's console log has no ms timestamps: the poll's time (5 ms steps)
    await lab.stop(k);
  }
} finally {
  await lab.destroy();
}
const out = { bench: 'start-to-backup', runs: RUNS, hacoreMs: { all: times.hacore, median: median(times.hacore) }, keepalivedMs: { all: times.keepalived, median: median(times.keepalived) } };
out.ratio = +(out.hacoreMs.median / out.keepalivedMs.median).toFixed(2);
process.stdout.write(`${JSON.stringify(out)}\n`);
