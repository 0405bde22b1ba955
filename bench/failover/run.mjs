// Failover benchmark: hacore and keepalived side by side in one lab and one run.
//
//   node bench/failover/run.mjs [--runs 5] [--impl keepalived,hacore] [--modes v2-1s,v3-100ms,v3-20ms]
//                               [--no-graceful] [--no-spread] [--checks 5000] [--write]
//
// The lab: one bridge, a client c, a keepalived pair (r1 priority 150, r2 100; VRID 51,
// VIP 198.51.100.200) and a hacore pair (r3 150, r4 100; VRID 52, VIP 198.51.100.201).
// The client pings both VIPs every 10 ms (fping) and tcpdump records everything it sees.
// For each implementation, mode and run:
//   - death: the master's eth0 goes down inside its namespace (LAB.md: a dead box), written
//     to a pre-started `ip -batch` so no process start sits inside the measurement;
//   - "advert": from the death to the backup's first advert seen by the client;
//   - "reply": from the death to the client's first echo reply from the VIP after it;
//   - graceful: SIGTERM to the master's daemon, to the backup's first advert;
// then the master is restored and preempts back before the next run.
// Spread: the inter-advert gaps of a master while N TCP checks run in hacore's check
// child (keepalived: its VRRP process alone, see the README for why).
// --write rewrites the table in bench/failover/README.md.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  ROOT,
  VrrpLab,
  VIP4,
  VIP4B,
  announcements,
  hacoreConfig,
  hacoreMissing,
  median,
  nowMs,
  percentile,
  tsharkFields,
  vrrpPackets,
} from '../../test/lib/vrrp-lab.mjs';

const { values: o } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    impl: { type: 'string', default: 'keepalived,hacore' },
    modes: { type: 'string', default: 'v2-1s,v3-100ms,v3-20ms' },
    graceful: { type: 'boolean', default: true },
    spread: { type: 'boolean', default: true },
    trickle: { type: 'boolean', default: true },
    checks: { type: 'string', default: '5000' },
    'spread-seconds': { type: 'string', default: '20' },
    write: { type: 'boolean', default: false },
  },
  allowNegative: true,
});

const RUNS = Number(o.runs);
const MODES = {
  'v2-1s': { version: 2, intervalMs: 1000 },
  'v3-100ms': { version: 3, intervalMs: 100 },
  'v3-20ms': { version: 3, intervalMs: 20 },
};
const PRIO_MASTER = 150;
const PRIO_BACKUP = 100;

let impls = o.impl.split(',');
if (impls.includes('hacore') && hacoreMissing()) {
  console.error(`hacore left out: ${hacoreMissing()}`);
  impls = impls.filter((i) => i !== 'hacore');
}
const PAIRS = {
  keepalived: { master: 'r1', backup: 'r2', vrid: 51, vip: VIP4 },
  hacore: { master: 'r3', backup: 'r4', vrid: 52, vip: VIP4B },
};

/** RFC bound: Master_Down_Interval = 3 x interval + skew, skew = (256 - prio) x interval / 256. */
function rfcBound(intervalMs, prio = PRIO_BACKUP) {
  return 3 * intervalMs + ((256 - prio) * intervalMs) / 256;
}

const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startDaemon(lab, impl, router, mode, prio, extra = {}) {
  const p = PAIRS[impl];
  if (impl === 'keepalived') {
    return lab.startKeepalived(router, {
      vrid: p.vrid,
      version: mode.version,
      priority: prio,
      advertInt: mode.intervalMs / 1000,
      vips: [`${p.vip}/24`],
    });
  }
  return lab.startHacore(
    router,
    hacoreConfig(
      [
        {
          name: 'VI_1',
          vrid: p.vrid,
          version: mode.version,
          priority: prio,
          advertInterval: `${mode.intervalMs}ms`,
          virtualAddresses: [`${p.vip}/24`],
        },
      ],
      extra,
    ),
  );
}

/** Starts the pair of an implementation and waits until its master holds the VIP. */
async function startPair(lab, impl, mode, extra) {
  const p = PAIRS[impl];
  const backup = await startDaemon(lab, impl, p.backup, mode, PRIO_BACKUP);
  const master = await startDaemon(lab, impl, p.master, mode, PRIO_MASTER, extra);
  await lab.waitHolder(p.vip, p.master, 20000);
  return { master, backup };
}

async function measureFailovers(lab, impl, mode, name) {
  const p = PAIRS[impl];
  const daemons = await startPair(lab, impl, mode);
  const shell = lab.ipShell(p.master);
  const runs = [];
  const graceful = [];
  try {
    await sleep(4 * mode.intervalMs + 300);
    for (let i = 0; i < RUNS; i++) {
      const t = nowMs();
      shell.run('link set eth0 down');
      await lab.waitHolder(p.vip, p.backup, 15000);
      // Let the client's first replies through, then bring the master back.
      await sleep(Math.max(300, 2 * mode.intervalMs));
      shell.run('link set eth0 up');
      await lab.waitHolder(p.vip, p.master, 20000);
      runs.push({ t });
      await sleep(4 * mode.intervalMs + 300);
      log(`${impl} ${name} cut run ${i + 1}/${RUNS}`);
    }
    if (o.graceful) {
      for (let i = 0; i < RUNS; i++) {
        const t = nowMs();
        await lab.stop(daemons.master, 'SIGTERM');
        await lab.waitHolder(p.vip, p.backup, 15000);
        daemons.master = await startDaemon(lab, impl, p.master, mode, PRIO_MASTER);
        await lab.waitHolder(p.vip, p.master, 20000);
        graceful.push({ t });
        await sleep(4 * mode.intervalMs + 300);
        log(`${impl} ${name} graceful run ${i + 1}/${RUNS}`);
      }
    }
  } finally {
    await shell.close();
    await lab.stop(daemons.master, 'SIGTERM').catch(() => {});
    await lab.stop(daemons.backup, 'SIGTERM').catch(() => {});
  }
  return { runs, graceful };
}

function analyse(impl, mode, meas, adverts, replies) {
  const p = PAIRS[impl];
  const fromBackup = adverts.filter((a) => a.vrid === p.vrid && a.src === addrOf(p.backup) && a.prio > 0);
  // A reply counts once it comes from the backup's MAC: a reply to a ping sent just before
  // the death, still in flight, is not the client getting the VIP back.
  const replyTimes = replies.filter((r) => r.src === p.vip && r.ethSrc === labRef.mac(p.backup)).map((r) => r.t);
  const firstAfter = (xs, t) => xs.find((x) => x > t);
  const fromMaster = adverts.filter((a) => a.vrid === p.vrid && a.src === addrOf(p.master) && a.prio > 0).map((x) => x.t);
  const adv = [];
  const rep = [];
  const silence = [];
  for (const r of meas.runs) {
    const a = firstAfter(fromBackup.map((x) => x.t), r.t);
    const y = firstAfter(replyTimes, r.t);
    if (a !== undefined) adv.push(a - r.t);
    if (y !== undefined) rep.push(y - r.t);
    // The Backup's own Master_Down timer: from the last advert it heard to its first one.
    const last = fromMaster.filter((x) => x <= r.t + 1).at(-1);
    if (a !== undefined && last !== undefined) silence.push(a - last);
  }
  const gr = [];
  for (const r of meas.graceful) {
    const a = firstAfter(fromBackup.map((x) => x.t), r.t);
    if (a !== undefined) gr.push(a - r.t);
  }
  return { adv, rep, gr, silence };
}

let labRef;
function addrOf(router) {
  return labRef.addr4(router);
}

/** Process CPU time (user + system, ms) of a PID and of its descendants, from /proc. */
async function cpuMs(lab, pid) {
  const { readFile } = await import('node:fs/promises');
  const one = async (p) => {
    const st = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) || 0) + (Number(f[12]) || 0)) * 10; // clock ticks of 10 ms
  };
  let total = await one(pid);
  for (const c of await lab.childPids(pid)) total += await cpuMs(lab, c);
  return total;
}

/**
 * Inter-advert gaps of a master (v3, 100 ms) while `nChecks` TCP checks run every second
 * against a server in the client namespace. hacore: in its own check child. keepalived has
 * no checker without IPVS (this kernel has none), so the same load runs beside it as a
 * check-only hacore in the master's namespace: the same CPU pressure on the same box.
 */
async function spreadRun(lab, impl, nChecks, seconds, vrrpOptions) {
  const p = PAIRS[impl];
  const mode = MODES['v3-100ms'];
  let extra = {};
  let server;
  let loadDaemon;
  const load =
    nChecks > 0
      ? {
          plugins: ['@hacore/checker-tcp'],
          checks: Array.from({ length: nChecks }, (_, i) => ({
            name: `load-${i}`,
            type: 'tcp',
            address: lab.addr4('c'),
            port: 9100,
            interval: '1s',
            timeout: '500ms',
          })),
        }
      : undefined;
  if (load) server = await lab.startEchoServer('c', [lab.addr4('c')], 9100);
  if (load && impl === 'hacore') extra = load;
  if (vrrpOptions) extra = { ...extra, vrrpOptions };
  const cap = await lab.capture(`spread-${impl}-${nChecks}`, 'vrrp');
  const d = await startPair(lab, impl, mode, extra);
  if (load && impl === 'keepalived') {
    const { pluginPath } = await import('../../test/lib/vrrp-lab.mjs');
    loadDaemon = await lab.startHacore(p.master, { plugins: load.plugins.map(pluginPath), checks: load.checks, logLevel: 'warn' }, { tag: 'load' });
  }
  await sleep(3000);
  const loadPid = load ? (impl === 'hacore' ? d.master.pid : loadDaemon.pid) : undefined;
  const c0 = loadPid ? await cpuMs(lab, loadPid) : 0;
  const t0 = nowMs();
  await sleep(seconds * 1000);
  const t1 = nowMs();
  const c1 = loadPid ? await cpuMs(lab, loadPid) : 0;
  const file = await cap.stop();
  const changes = load ? ((impl === 'hacore' ? d.master : loadDaemon).output.match(/"msg":"check load-\d+ is/g) ?? []).length : 0;
  if (loadDaemon) await lab.stop(loadDaemon, 'SIGTERM').catch(() => {});
  await lab.stop(d.master, 'SIGTERM').catch(() => {});
  await lab.stop(d.backup, 'SIGTERM').catch(() => {});
  if (server) await lab.lab.kill(server);
  const ads = (await vrrpPackets(file)).filter((a) => a.vrid === p.vrid && a.src === lab.addr4(p.master) && a.t >= t0 && a.t <= t1 && a.prio > 0);
  const gaps = ads.slice(1).map((a, i) => a.t - ads[i].t);
  const backupAdverts = (await vrrpPackets(file)).filter((a) => a.vrid === p.vrid && a.src === lab.addr4(p.backup) && a.t >= t0 && a.t <= t1 && a.prio > 0).length;
  return {
    backupAdverts,
    n: gaps.length,
    p50: percentile(gaps, 50),
    p99: percentile(gaps, 99),
    max: Math.max(...gaps),
    loadCores: loadPid ? (c1 - c0) / (t1 - t0) : 0,
    stateChanges: changes,
  };
}

/**
 * The invalid-advert trickle of issue 5: v2, 1 s adverts, 2 invalid packets a second for the
 * VRID (one bad checksum, one TTL 1) from the client for `seconds`. Counts the backup's
 * adverts (it should send none) and the moments the client's VIP holder was not the master.
 */
async function trickleRun(lab, impl, seconds) {
  const p = PAIRS[impl];
  const mode = MODES['v2-1s'];
  const d = await startPair(lab, impl, mode);
  await sleep(1500);
  const cap = await lab.capture(`trickle-${impl}`, 'vrrp or arp');
  const { fileURLToPath } = await import('node:url');
  const inj = fileURLToPath(new URL('../../test/lib/vrrp-inject.mjs', import.meta.url));
  const args = (bad) => [inj, '--src', lab.addr4('c'), '--vrid', String(p.vrid), '--prio', '200', '--version', '2', '--interval', '1000', '--vips', p.vip, '--count', String(seconds), '--every', '1000', '--bad', bad];
  const t0 = nowMs();
  await Promise.all([lab.lab.exec('c', process.execPath, args('checksum')), sleep(500).then(() => lab.lab.exec('c', process.execPath, args('ttl')))]);
  const t1 = nowMs();
  await cap.stop();
  await lab.stop(d.master, 'SIGTERM').catch(() => {});
  await lab.stop(d.backup, 'SIGTERM').catch(() => {});
  const ads = (await vrrpPackets(cap.file)).filter((a) => a.vrid === p.vrid && a.t >= t0 && a.t <= t1 && a.ttl === 255 && a.checksumStatus === '1');
  const backupAdverts = ads.filter((a) => a.src === lab.addr4(p.backup)).length;
  const masterAds = ads.filter((a) => a.src === lab.addr4(p.master));
  const gaps = masterAds.slice(1).map((a, i) => a.t - masterAds[i].t);
  // Each GARP from the backup points the clients at a box that drops the VIP a moment later.
  const backupGarps = (await announcements(cap.file)).filter((a) => a.t >= t0 && a.mac === lab.mac(p.backup)).length;
  return { seconds: (t1 - t0) / 1000, backupAdverts, backupGarps, masterMaxGap: Math.max(...gaps) };
}

const fmt = (x) => (x === undefined || Number.isNaN(x) ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

async function main() {
  const lab = await VrrpLab.create('bfo', { routers: 4 });
  labRef = lab;
  const results = [];
  const spreads = [];
  const trickles = [];
  const cleanup = async () => {
    await lab.destroy();
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    // The client needs a neighbour entry for each VIP and a constant trickle of pings.
    for (const [name, mode] of Object.entries(MODES).filter(([n]) => o.modes.split(',').includes(n))) {
      const cap = await lab.capture(`failover-${name}`, 'vrrp or icmp');
      const pingers = [VIP4, VIP4B].map((v) => {
        const c = lab.lab.spawn('c', 'fping', ['-q', '-p', '10', '-t', '500', '-c', '200000', v]);
        return c;
      });
      const meas = {};
      for (const impl of impls) {
        log(`${impl} ${name}: start`);
        meas[impl] = await measureFailovers(lab, impl, mode, name);
      }
      await Promise.all(pingers.map((c) => lab.lab.kill(c, 'SIGTERM', 1000)));
      const file = await cap.stop();
      const adverts = await vrrpPackets(file);
      const replies = (await tsharkFields(file, 'icmp.type == 0', ['frame.time_epoch', 'ip.src', 'eth.src'])).map((r) => ({
        t: Number(r['frame.time_epoch']) * 1000,
        src: r['ip.src'],
        ethSrc: r['eth.src'],
      }));
      for (const impl of impls) {
        const a = analyse(impl, mode, meas[impl], adverts, replies);
        const row = {
          impl,
          mode: name,
          bound: rfcBound(mode.intervalMs),
          advert: median(a.adv),
          silence: median(a.silence),
          reply: median(a.rep),
          graceful: a.gr.length ? median(a.gr) : NaN,
          n: a.adv.length,
          raw: a,
        };
        results.push(row);
        log(`${impl} ${name}: advert ${fmt(row.advert)} ms, last master advert -> backup advert ${fmt(row.silence)} ms, reply ${fmt(row.reply)} ms, graceful ${fmt(row.graceful)} ms (RFC ${fmt(row.bound)} ms) raw ${JSON.stringify(a)}`);
      }
    }
    if (o.trickle) {
      for (const impl of impls) {
        const r = await trickleRun(lab, impl, 15);
        trickles.push({ impl, ...r });
        log(`${impl} invalid-advert trickle: backup adverts ${r.backupAdverts}, backup GARPs ${r.backupGarps}, master's longest gap ${fmt(r.masterMaxGap)} ms`);
      }
    }
    if (o.spread) {
      const variants = [
        ...[0, Number(o.checks)].flatMap((n) => impls.map((impl) => ({ impl, n, label: impl }))),
        ...(impls.includes('hacore')
          ? [
              // The plain "hacore" rows run the default (SCHED_RR 1 in the vrrp process, docs/vrrp.md).
              { impl: 'hacore', n: Number(o.checks), label: 'hacore, vrrp.realtimePriority 0', opts: { realtimePriority: 0 } },
              { impl: 'hacore', n: Number(o.checks), label: 'hacore, vrrp.realtimePriority 0, nice -10', opts: { realtimePriority: 0, nice: -10 } },
              { impl: 'hacore', n: Number(o.checks), label: 'hacore, vrrp.realtimePriority 50', opts: { realtimePriority: 50 } },
            ]
          : []),
      ];
      for (const { impl, n, label, opts } of variants) {
        {
          const s = await spreadRun(lab, impl, n, Number(o['spread-seconds']), opts);
          spreads.push({ impl: label, checks: n, ...s });
          log(`${label} spread with ${n} checks: p50 ${fmt(s.p50)} p99 ${fmt(s.p99)} max ${fmt(s.max)} over ${s.n} gaps; load ${s.loadCores.toFixed(2)} cores, ${s.stateChanges} check state changes`);
        }
      }
    }
  } finally {
    await cleanup();
  }
  const table = render(results, spreads, trickles);
  console.log('\n' + table);
  if (o.write) {
    const readme = path.join(ROOT, 'bench/failover/README.md');
    const text = await readFile(readme, 'utf8').catch(() => '');
    const begin = '<!-- results:begin -->';
    const end = '<!-- results:end -->';
    const block = `${begin}\n${table}\n${end}`;
    const next = text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), block) : `${text}\n${block}\n`;
    await writeFile(readme, next);
  }
}

function render(results, spreads, trickles = []) {
  const lines = [];
  lines.push(`Measured ${new Date().toISOString().slice(0, 16)}Z, ${RUNS} runs each, medians in ms (priorities 150/100).`);
  lines.push('');
  lines.push('| mode | RFC bound (3 x interval + skew) | implementation | death -> backup first advert | last master advert -> backup first advert | death -> client first reply | graceful stop -> backup first advert |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const r of results) lines.push(`| ${r.mode} | ${fmt(r.bound)} | ${r.impl} | ${fmt(r.advert)} | ${fmt(r.silence)} | ${fmt(r.reply)} | ${fmt(r.graceful)} |`);
  if (spreads.length) {
    lines.push('');
    lines.push('| advert interval 100 ms | TCP checks (1 s) on the master | CPU of the check load (cores) | gaps | p50 | p99 | p99 - p50 | max | backup adverts |');
    lines.push('|---|---|---|---|---|---|---|---|---|');
    for (const s of spreads) lines.push(`| ${s.impl} | ${s.checks} | ${s.loadCores.toFixed(2)} | ${s.n} | ${fmt(s.p50)} | ${fmt(s.p99)} | ${fmt(s.p99 - s.p50)} | ${fmt(s.max)} | ${s.backupAdverts} |`);
  }
  if (trickles.length) {
    lines.push('');
    lines.push('| invalid-advert trickle (v2, 1 s; 1 bad checksum + 1 TTL-1 packet a second) | seconds | backup adverts | backup GARPs | master longest advert gap |');
    lines.push('|---|---|---|---|---|');
    for (const t of trickles) lines.push(`| ${t.impl} | ${t.seconds.toFixed(0)} | ${t.backupAdverts} | ${t.backupGarps} | ${fmt(t.masterMaxGap)} ms |`);
  }
  return lines.join('\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
