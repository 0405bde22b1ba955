// Advert spread under check load by scheduling setting, keepalived 2.2.7 beside hacore in
// one lab and one run (issue 14). Each is the Master of its own VRID (v3) on one bridge;
// beside each run --checks TCP checks (1 s) against a server in the client namespace:
// hacore's in its own check child, keepalived's (its checker needs IPVS, which this
// kernel lacks) in a check-only hacore in keepalived's namespace, the same CPU pressure.
// keepalived runs for the whole interval; hacore is restarted for each variant of its
// vrrp scheduling, and each window measures both from one capture (tcpdump in the
// client, timestamps by tshark): the gaps between one Master's consecutive adverts,
// p50, p99 and p99 - p50 per window, then medians over the windows of each variant.
//   node bench/failover/sched.mjs [--runs 3] [--seconds 20] [--intervals 100,20] [--checks 5000]
//                                 [--variants default,off,nice-10,nice-20,rt1] [--keepalived-rt 0]
// Root, after `npm run build`; on demand only.
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { VrrpLab, VIP4, VIP4B, hacoreConfig, median, percentile, pluginPath, vrrpPackets } from '../../test/lib/vrrp-lab.mjs';
import { vrrpChildPid } from '../../test/lib/vrrp-scenario.mjs';

const { values: o } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    intervals: { type: 'string', default: '100,20' },
    checks: { type: 'string', default: '5000' },
    variants: { type: 'string', default: 'default,off,nice-10,nice-20,rt1' },
    'keepalived-rt': { type: 'string', default: '0' },
  },
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.log(new Date().toISOString().slice(11, 19), ...a);

/** vrrp section options of each variant ("default": none at all). */
const VARIANTS = {
  default: {},
  off: { realtimePriority: 0 },
  'nice-10': { realtimePriority: 0, nice: -10 },
  'nice-20': { realtimePriority: 0, nice: -20 },
  rt1: { realtimePriority: 1 },
  rt50: { realtimePriority: 50 },
  // Before this change hacore knew no realtimePriority 0: "unset" was off.
  'legacy-off': {},
  'legacy-nice-10': { nice: -10 },
  'legacy-nice-20': { nice: -20 },
};

/** Scheduling of a process as the kernel reports it: policy (0 other, 2 rr), nice, rt priority. */
async function schedOf(pid) {
  const st = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return { policy: Number(f[38]), rtPriority: Number(f[37]), nice: Number(f[16]) };
}

async function cpuMs(pid) {
  const st = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!st) return 0;
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) || 0) + (Number(f[12]) || 0)) * 10;
}

const nChecks = Number(o.checks);
const checks = Array.from({ length: nChecks }, (_, i) => ({ name: `load-${i}`, type: 'tcp', address: '', port: 9100, interval: '1s', timeout: '500ms' }));
const lab = await VrrpLab.create('hvsc', { routers: 2 });
process.once('SIGINT', () => void lab.destroy().then(() => process.exit(130)));
const rows = [];
try {
  for (const c of checks) c.address = lab.addr4('c');
  if (nChecks > 0) await lab.startEchoServer('c', [lab.addr4('c')], 9100);
  const kaLoad = nChecks > 0 ? await lab.startHacore('r1', { plugins: [pluginPath('@hacore/checker-tcp')], checks, logLevel: 'warn' }, { tag: 'load' }) : undefined;
  for (const interval of o.intervals.split(',').map(Number)) {
    const krt = Number(o['keepalived-rt']);
    const ka = await lab.startKeepalived('r1', { vrid: 51, version: 3, priority: 150, advertInt: interval / 1000, vips: [`${VIP4}/24`] }, krt > 0 ? { vrrp_rt_priority: krt } : {});
    await lab.waitHolder(VIP4, 'r1', 20000);
    const kaPid = await lab.keepalivedVrrpPid(ka);
    for (let run = 0; run < Number(o.runs); run++) {
      for (const variant of o.variants.split(',')) {
        const vrrpOptions = VARIANTS[variant];
        if (!vrrpOptions) throw new Error(`unknown variant ${variant}`);
        const hc = await lab.startHacore(
          'r2',
          hacoreConfig([{ name: 'VI_1', vrid: 52, version: 3, priority: 150, advertInterval: `${interval}ms`, virtualAddresses: [`${VIP4B}/24`] }], {
            vrrpOptions,
            ...(nChecks > 0 ? { plugins: ['@hacore/checker-tcp'], checks } : {}),
            logLevel: 'warn',
          }),
        );
        await lab.waitHolder(VIP4B, 'r2', 60000);
        const vpid = await vrrpChildPid(lab, hc);
        await sleep(4000);
        const checkPid = (await lab.childPids(hc.pid)).find((p) => p !== vpid);
        const sched = { vrrp: await schedOf(vpid), check: checkPid ? await schedOf(checkPid) : undefined, keepalived: await schedOf(kaPid) };
        const c0 = (checkPid ? await cpuMs(checkPid) : 0) + (kaLoad ? await cpuMs((await lab.childPids(kaLoad.pid))[0] ?? kaLoad.pid) : 0);
        const t0 = Date.now();
        const cap = await lab.capture(`sched-${interval}-${run}-${variant}`, 'proto 112');
        await sleep(Number(o.seconds) * 1000);
        const file = await cap.stop();
        const c1 = (checkPid ? await cpuMs(checkPid) : 0) + (kaLoad ? await cpuMs((await lab.childPids(kaLoad.pid))[0] ?? kaLoad.pid) : 0);
        const loadCores = (c1 - c0) / (Date.now() - t0);
        await lab.stop(hc, 'SIGTERM');
        const ads = (await vrrpPackets(file)).filter((a) => a.prio > 0);
        const row = { interval, run, variant, sched, loadCores: +loadCores.toFixed(2) };
        for (const [impl, mac] of [['keepalived', lab.mac('r1')], ['hacore', lab.mac('r2')]]) {
          const ts = ads.filter((a) => a.ethSrc === mac).map((a) => a.t);
          // The first and last second may hold the start or stop of a daemon.
          const inner = ts.filter((t) => t >= ts[0] + 1000 && t <= ts.at(-1) - 1000);
          const gaps = inner.slice(1).map((t, i) => t - inner[i]);
          const p50 = percentile(gaps, 50);
          const p99 = percentile(gaps, 99);
          row[impl] = { gaps: gaps.length, p50: +p50.toFixed(3), p99: +p99.toFixed(3), spread: +(p99 - p50).toFixed(3), max: +Math.max(...gaps).toFixed(3) };
        }
        rows.push(row);
        log(JSON.stringify(row));
      }
    }
    await lab.stop(ka, 'SIGTERM');
  }
} finally {
  await lab.destroy();
}
const f = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(2));
console.log(`\n| interval | hacore vrrp setting | windows | keepalived p99 - p50 (median) | hacore p99 - p50 (median) | ratio | keepalived p99 | hacore p99 | hacore max | load (cores) | hacore vrrp child policy / nice / rt prio |`);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const interval of [...new Set(rows.map((r) => r.interval))]) {
  for (const variant of [...new Set(rows.map((r) => r.variant))]) {
    const rs = rows.filter((r) => r.interval === interval && r.variant === variant);
    const m = (impl, k) => median(rs.map((r) => r[impl][k]));
    const s = rs[0].sched.vrrp;
    console.log(
      `| ${interval} ms | ${variant} | ${rs.length} | ${f(m('keepalived', 'spread'))} | ${f(m('hacore', 'spread'))} | ${(m('hacore', 'spread') / m('keepalived', 'spread')).toFixed(2)} | ${f(m('keepalived', 'p99'))} | ${f(m('hacore', 'p99'))} | ${f(Math.max(...rs.map((r) => r.hacore.max)))} | ${median(rs.map((r) => r.loadCores)).toFixed(2)} | ${s.policy === 2 ? 'SCHED_RR' : s.policy === 0 ? 'SCHED_OTHER' : s.policy} / ${s.nice} / ${s.rtPriority} |`,
    );
  }
}
