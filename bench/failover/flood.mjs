// CPU of the VRRP process, keepalived 2.2.7 beside hacore in one lab and run (issue 18):
// idle for 10 s (a Master, v3 100 ms adverts), then a flood of 20,000 adverts of
// other VRIDs (100..199, 5,000 a second) sent to both Masters at once from the client.
// CPU is utime + stime from /proc/PID/stat of keepalived's vrrp child and of
// hacore's vrrp child.
//   node bench/failover/flood.mjs [--runs 3] [--count 20000] [--idle 10]
// Root, after `npm run build`; on demand only (about 30 s a run).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { VrrpLab, VIP4, VIP4B, hacoreConfig, median } from '../../test/lib/vrrp-lab.mjs';
import { vrrpChildPid } from '../../test/lib/vrrp-scenario.mjs';

const { values: o } = parseArgs({ options: { runs: { type: 'string', default: '3' }, count: { type: 'string', default: '20000' }, idle: { type: 'string', default: '10' } } });
const SENDER = fileURLToPath(new URL('./flood-sender.mjs', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const TICK = 100; // USER_HZ: /proc/PID/stat counts in 10 ms ticks
async function cpuMs(pid) {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
}

const lab = await VrrpLab.create('hvfl', { routers: 4 });
try {
  const ka = await lab.startKeepalived('r1', { vrid: 51, version: 3, priority: 150, advertInt: 0.1, vips: [`${VIP4}/24`] });
  const hc = await lab.startHacore('r3', hacoreConfig([{ name: 'VI_1', vrid: 52, version: 3, priority: 150, advertInterval: '100ms', virtualAddresses: [`${VIP4B}/24`] }]));
  await lab.waitHolder(VIP4, 'r1', 20000);
  await lab.waitHolder(VIP4B, 'r3', 20000);
  const pids = { keepalived: await lab.keepalivedVrrpPid(ka), hacore: await vrrpChildPid(lab, hc) };
  await sleep(2000);
  const idle = { keepalived: [], hacore: [] };
  const flood = { keepalived: [], hacore: [] };
  for (let run = 0; run < Number(o.runs); run++) {
    const a = { keepalived: await cpuMs(pids.keepalived), hacore: await cpuMs(pids.hacore) };
    await sleep(Number(o.idle) * 1000);
    const b = { keepalived: await cpuMs(pids.keepalived), hacore: await cpuMs(pids.hacore) };
    await lab.lab.exec(lab.client, process.execPath, [SENDER, '--src', lab.addr4(lab.client), '--count', o.count]);
    await sleep(1000);
    const c = { keepalived: await cpuMs(pids.keepalived), hacore: await cpuMs(pids.hacore) };
    for (const impl of ['keepalived', 'hacore']) {
      idle[impl].push(b[impl] - a[impl]);
      // less the idle rate over the 1 s settle and the send time, roughly: reported raw
      flood[impl].push(c[impl] - b[impl]);
    }
    console.log(JSON.stringify({ run, idle: { keepalived: idle.keepalived[run], hacore: idle.hacore[run] }, flood: { keepalived: flood.keepalived[run], hacore: flood.hacore[run] } }));
  }
  const st = await (lab.hacoreStatus ? lab.hacoreStatus(hc) : Promise.resolve(undefined)).catch(() => undefined);
  const sock = st?.roles?.vrrp?.plugins?.vrrp?.sockets ?? st?.vrrp?.sockets;
  if (sock) console.log('hacore sockets:', JSON.stringify(sock));
  const fmt = (xs) => `${Math.min(...xs)} / ${median(xs)} / ${Math.max(...xs)} ms`;
  for (const impl of ['keepalived', 'hacore']) console.log(`${impl}: idle ${o.idle} s ${fmt(idle[impl])}; flood of ${o.count} other-VRID adverts ${fmt(flood[impl])}`);
  console.log(`ratio hacore / keepalived (medians): flood ${(median(flood.hacore) / Math.max(1, median(flood.keepalived))).toFixed(2)}`);
} finally {
  await lab.destroy();
}
