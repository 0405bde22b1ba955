// Start to BACKUP: from spawning `hacore start` (supervisor + vrrp child) to the vrrp
// child's INIT -> BACKUP (sockets open, VIPs checked, nothing sent yet), median of
// --runs (7), beside keepalived 2.2.7's time to "Entering BACKUP STATE" in the same lab.
// Also the CPU both processes of each had used by then (every thread, from
// /proc/PID/task/*/schedstat): unlike the wall time, it hardly moves with the load that
// other processes put on the machine.
//   node bench/failover/start.mjs [--runs 7] [--root DIR ...] [--clean-env]
// --root: another checkout (built) whose hacore runs too, its runs interleaved with this
// one's (the first root is the reference of the ratios). --clean-env: the daemons start
// without NODE_EXTRA_CA_CERTS, as under the packaged systemd unit (Node reads and parses
// that bundle before any JavaScript runs: 50-100 ms per process on this machine).
// Root, after `npm run build`; on demand only.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, VrrpLab, VIP4, VIP4B, hacoreConfig, median, pluginPathIn } from '../../test/lib/vrrp-lab.mjs';

const { values: o } = parseArgs({ options: { runs: { type: 'string', default: '7' }, root: { type: 'string', multiple: true }, 'clean-env': { type: 'boolean', default: false } } });
const RUNS = Number(o.runs);
const roots = (o.root?.length ? o.root : [ROOT]).map((r) => path.resolve(r));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
if (o['clean-env']) delete process.env.NODE_EXTRA_CA_CERTS;

async function until(d, re, timeoutMs = 10000) {
  const t0 = Date.now();
  for (;;) {
    const m = re.exec(d.output);
    if (m) return m;
    if (Date.now() - t0 > timeoutMs) throw new Error(`no ${re} in ${d.output.slice(-500)}`);
    await sleep(5);
  }
}

/** CPU ms of a process and its direct children, every thread. */
async function treeCpuMs(pid) {
  const kids = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter(Boolean).map(Number);
  let ns = 0;
  for (const p of [pid, ...kids]) {
    for (const t of await readdir(`/proc/${p}/task`).catch(() => [])) ns += Number((await readFile(`/proc/${p}/task/${t}/schedstat`, 'utf8').catch(() => '0')).split(' ')[0]);
  }
  return ns / 1e6;
}

const lab = await VrrpLab.create('hstrt', { routers: 2 });
const times = new Map(roots.map((r) => [r, { wall: [], cpu: [] }]));
const ka = { wall: [], cpu: [] };
try {
  for (let i = 0; i < RUNS; i++) {
    for (const root of roots) {
      const config = hacoreConfig([{ name: 'VI_1', vrid: 71, version: 3, priority: 100, advertInterval: '1s', virtualAddresses: [`${VIP4}/24`] }]);
      config.plugins = [pluginPathIn(root, '@hacore/vrrp')];
      const t = Date.now();
      const h = await lab.startHacore('r1', config, { cli: path.join(root, 'packages/core/dist/src/cli/main.js') });
      const m = await until(h, /"time":(\d+),[^\n]*INIT -> BACKUP/);
      times.get(root).cpu.push(await treeCpuMs(h.pid));
      times.get(root).wall.push(Number(m[1]) - t);
      await lab.stop(h);
    }
    const t = Date.now();
    const k = await lab.startKeepalived('r2', { vrid: 72, version: 3, priority: 100, advertInt: 1, vips: [`${VIP4B}/24`] });
    await until(k, /Entering BACKUP STATE/);
    ka.wall.push(Date.now() - t); // keepalived's console log has no ms timestamps: the poll's time (5 ms steps)
    ka.cpu.push(await treeCpuMs(k.pid));
    await lab.stop(k);
  }
} finally {
  await lab.destroy();
}
const r1 = (x) => +x.toFixed(1);
const out = { bench: 'start-to-backup', runs: RUNS, cleanEnv: o['clean-env'], keepalived: { wallMs: median(ka.wall), cpuMs: r1(median(ka.cpu)), all: ka.wall }, hacore: [] };
const ref = times.get(roots[0]);
for (const root of roots) {
  const x = times.get(root);
  out.hacore.push({
    root: path.relative(ROOT, root) || '.',
    wallMs: median(x.wall),
    cpuMs: r1(median(x.cpu)),
    all: x.wall,
    ratioToKeepalived: +(median(x.wall) / median(ka.wall)).toFixed(2),
    ...(roots.length > 1 ? { wallRatioToFirst: +(median(x.wall) / median(ref.wall)).toFixed(2), cpuRatioToFirst: +(median(x.cpu) / median(ref.cpu)).toFixed(2) } : {}),
  });
}
process.stdout.write(`${JSON.stringify(out)}\n`);
