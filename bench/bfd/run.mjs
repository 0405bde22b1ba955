// bench/bfd: the hacore daemon (supervisor, bfd and check children) with 100 BFD
// sessions at 50 ms x 3 to FRR's bfdd beside 5,000 TCP checks at 1 s, in one run
// with keepalived 2.2.7's own BFD process (10 sessions to the same bfdd). Counts false
// Downs over BENCH_SECONDS, then cuts sessions one at a time (nftables in bfdd's
// namespace drops everything from and to the session's address) alternating hacore and
// keepalived, and times the cut -> Down log line as each daemon prints it.
// Prints one JSON line. Namespaces hbfb-*, removed at the end.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100);
const KA_SESSIONS = Number(process.env.BENCH_KA_SESSIONS ?? 10);
const CHECKS = Number(process.env.BENCH_CHECKS ?? 5000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const CUTS = Number(process.env.BENCH_CUTS ?? 10);
// SCHED_RR priority for every BFD speaker (hacore's bfd child, keepalived's bfd child, bfdd); 0: none.
const RT = Number(process.env.BENCH_RT ?? 0);
const id = `${process.pid % 10000}`;
const NS = { h: `hbfb-h${id}`, f: `hbfb-f${id}`, k: `hbfb-k${id}` };
const ip = (...a) => execFileSync('ip', a, { encoding: 'utf8' });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// bfdd (user frr) needs a directory it can write; hacore as root refuses a config others can change.
const dir = mkdtempSync(path.join(tmpdir(), 'hbfb-'));
chmodSync(dir, 0o777);
const hdir = mkdtempSync(path.join(tmpdir(), 'hbfb-h-'));
const procs = [];
let bfddPid;

function lines(proc, onLine) {
  createInterface({ input: proc.stdout }).on('line', (l) => onLine(l, performance.now()));
  if (proc.stderr) createInterface({ input: proc.stderr }).on('line', (l) => onLine(l, performance.now()));
}

function waitFor(pred, ms, what) {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const v = pred();
      if (v) return resolve(v);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out: ${what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

// bfdd sends every single-hop packet from its interface's primary address, so the
// sessions differ by the daemons' addresses: one per session, bfdd on .1 of each link.
const hAddr = (i) => `203.0.113.${i + 101}`; // hacore's side, one per session
const kAddr = (i) => `198.51.100.${i + 11}`; // keepalived's side, one per session
const stats = (a) => {
  const s = [...a].sort((x, y) => x - y);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, min: +s[0].toFixed(1), median: +q(0.5).toFixed(1), p90: +q(0.9).toFixed(1), max: +s.at(-1).toFixed(1) };
};

try {
  for (const ns of Object.values(NS)) ip('netns', 'add', ns);
  ip('-n', NS.h, 'link', 'add', 'hf0', 'type', 'veth', 'peer', 'name', 'fh0');
  ip('-n', NS.h, 'link', 'set', 'fh0', 'netns', NS.f);
  ip('-n', NS.k, 'link', 'add', 'kf0', 'type', 'veth', 'peer', 'name', 'fk0');
  ip('-n', NS.k, 'link', 'set', 'fk0', 'netns', NS.f);
  execFileSync('ip', ['-n', NS.f, '-batch', '-'], { input: 'addr add 203.0.113.1/24 dev fh0\naddr add 203.0.113.250/24 dev fh0\naddr add 198.51.100.1/24 dev fk0\n' });
  execFileSync('ip', ['-n', NS.h, '-batch', '-'], { input: `${Array.from({ length: SESSIONS }, (_, i) => `addr add ${hAddr(i)}/24 dev hf0`).join('\n')}\n` });
  execFileSync('ip', ['-n', NS.k, '-batch', '-'], { input: `${Array.from({ length: KA_SESSIONS }, (_, i) => `addr add ${kAddr(i)}/24 dev kf0`).join('\n')}\n` });
  // The cut: bfdd's namespace drops everything from and to one session's address.
  execFileSync('ip', ['netns', 'exec', NS.f, 'nft', '-f', '-'], { input: 'table inet hbfb {\n chain in {\n  type filter hook input priority 0;\n }\n chain out {\n  type filter hook output priority 0;\n }\n}\n' });
  for (const [ns, i] of [[NS.h, 'hf0'], [NS.f, 'fh0'], [NS.f, 'fk0'], [NS.k, 'kf0']]) {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'set', i, 'up');
  }

  // FRR bfdd: one peer per session, each on its own local address.
  const peer = (p, l) => [` peer ${p} local-address ${l}`, '  receive-interval 50', '  transmit-interval 50', '  detect-multiplier 3', ' !'];
  const conf = ['bfd'];
  for (let i = 0; i < SESSIONS; i++) conf.push(...peer(hAddr(i), '203.0.113.1'));
  for (let i = 0; i < KA_SESSIONS; i++) conf.push(...peer(kAddr(i), '198.51.100.1'));
  writeFileSync(path.join(dir, 'bfdd.conf'), `${conf.join('\n')}\n!\n`);
  execFileSync('ip', ['netns', 'exec', NS.f, '/usr/lib/frr/bfdd', '-f', path.join(dir, 'bfdd.conf'), '-N', `hbfb${id}`, '--vty_socket', dir, '--bfdctl', path.join(dir, 'bfdd.sock'),
    '-i', path.join(dir, 'bfdd.pid'), '-u', 'frr', '-g', 'frr', '--log', `file:${path.join(dir, 'bfdd.log')}`, '-d']);
  bfddPid = Number(readFileSync(path.join(dir, 'bfdd.pid'), 'utf8').trim());
  if (RT > 0) execFileSync('chrt', ['-a', '-r', '-p', String(RT), String(bfddPid)]);

  // TCP listeners for the checks, in bfdd's namespace.
  const ports = 50;
  const srv = spawn('ip', ['netns', 'exec', NS.f, process.execPath, '-e', `
    const net = require('node:net');
    for (let p = 0; p < ${ports}; p++) net.createServer((s) => s.destroy()).listen(20000 + p, '203.0.113.250');
    setTimeout(() => console.log('ready'), 200);`], { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(srv);
  await new Promise((r) => srv.stdout.once('data', r));

  // hacore: the whole daemon.
  const cfg = {
    plugins: [path.join(root, 'packages/bfd/dist/src/index.js'), path.join(root, 'packages/checker-tcp/dist/src/index.js')],
    controlSocket: path.join(hdir, 'h.sock'),
    pidFile: path.join(hdir, 'h.pid'),
    stateDir: hdir,
    bfd: { ...(RT > 0 ? { realtimePriority: RT } : {}), instances: Array.from({ length: SESSIONS }, (_, i) => ({ name: `s${i}`, neighbor: '203.0.113.1', source: hAddr(i), minRx: '50ms', minTx: '50ms', multiplier: 3 })) },
    checks: Array.from({ length: CHECKS }, (_, i) => ({ name: `t${i}`, type: 'tcp', address: '203.0.113.250', port: 20000 + (i % ports), interval: '1s', timeout: '900ms', warmup: '1s' })),
  };
  const hFile = path.join(hdir, 'hacore.json');
  writeFileSync(hFile, JSON.stringify(cfg), { mode: 0o600 });
  const hState = new Map();
  const hDown = new Map();
  let hFalse = 0;
  let measuring = false;
  const cut = new Map();
  const h = spawn('ip', ['netns', 'exec', NS.h, process.execPath, path.join(root, 'packages/core/bin/hacore.js'), 'start', '--config', hFile, '--log-level', 'info'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HACORE_LOG_PRETTY: '0' } });
  procs.push(h);
  const hLog = [];
  lines(h, (l, at) => {
    if (hLog.push(l) > 200) hLog.shift();
    let r;
    try {
      r = JSON.parse(l);
    } catch {
      return;
    }
    if (typeof r.bfd !== 'string' || typeof r.to !== 'string') return;
    hState.set(r.bfd, r.to);
    if (r.to === 'Down' && r.from === 'Up') {
      if (cut.has(`h:${r.bfd}`)) hDown.set(r.bfd, at);
      else if (measuring) hFalse++;
    }
  });

  // keepalived 2.2.7: its BFD child only (no vrrp or check config), in its own namespace.
  const ka = ['global_defs {', '  bfd_rt_priority 0', '}'];
  for (let i = 0; i < KA_SESSIONS; i++) ka.push(`bfd_instance k${i} {`, '  neighbor_ip 198.51.100.1', `  source_ip ${kAddr(i)}`, '  min_rx 50', '  min_tx 50', '  multiplier 3', '}');
  writeFileSync(path.join(dir, 'keepalived.conf'), `${(RT > 0 ? ka.map((x) => x.replace('bfd_rt_priority 0', `bfd_rt_priority ${RT}`)) : ka.filter((x) => !x.includes('bfd_rt_priority'))).join('\n')}\n`);
  const kState = new Map();
  const kDown = new Map();
  let kFalse = 0;
  const k = spawn('ip', ['netns', 'exec', NS.k, 'keepalived', '-n', '-l', '-D', '-f', path.join(dir, 'keepalived.conf'), '-p', path.join(dir, 'ka.pid'), '-b', path.join(dir, 'ka-bfd.pid'),
    '-r', path.join(dir, 'ka-vrrp.pid'), '-c', path.join(dir, 'ka-check.pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(k);
  const kLog = [];
  lines(k, (l, at) => {
    kLog.push(l);
    // keepalived 2.2.7's BFD child: "(k0) Entering Up state".
    const m = /\((k\d+)\) Entering (\w+) state/.exec(l);
    if (!m) return;
    const name = m[1];
    const state = m[2].toUpperCase();
    const prev = kState.get(name);
    kState.set(name, state);
    if (state === 'DOWN' && prev === 'UP') {
      if (cut.has(`k:${name}`)) kDown.set(name, at);
      else if (measuring) kFalse++;
    }
  });

  await waitFor(() => [...Array(SESSIONS).keys()].every((i) => hState.get(`s${i}`) === 'Up'), 60_000, 'every hacore session Up').catch((err) => {
    process.stderr.write(`${hLog.slice(-15).join('\n')}\n${JSON.stringify([...hState])}\n`);
    throw err;
  });
  let kaRan = true;
  try {
    await waitFor(() => [...Array(KA_SESSIONS).keys()].every((i) => kState.get(`k${i}`) === 'UP'), 30_000, 'every keepalived session Up');
  } catch (err) {
    kaRan = false;
    process.stderr.write(`keepalived BFD did not come up: ${err.message}\n${kLog.slice(-20).join('\n')}\n`);
  }
  await sleep(3000); // past slow start on both sides
  measuring = true;
  const cpu0 = process.cpuUsage();
  await sleep(SECONDS * 1000);
  measuring = false;

  // Cuts, alternating, one at a time, through one pre-started interactive nft in bfdd's namespace.
  const ipb = spawn('ip', ['netns', 'exec', NS.f, 'nft', '-i'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const drop = (a) => `add rule inet hbfb in ip saddr ${a} drop; add rule inet hbfb out ip daddr ${a} drop\n`;
  procs.push(ipb);
  const hDet = [];
  const kDet = [];
  for (let c = 0; c < CUTS; c++) {
    const hs = `s${c}`;
    cut.set(`h:${hs}`, performance.now());
    ipb.stdin.write(drop(hAddr(c)));
    await waitFor(() => hDown.has(hs), 10_000, `hacore ${hs} Down`).catch(() => {});
    if (hDown.has(hs)) hDet.push(hDown.get(hs) - cut.get(`h:${hs}`));
    await sleep(300);
    if (kaRan && c < KA_SESSIONS) {
      const ks = `k${c}`;
      cut.set(`k:${ks}`, performance.now());
      ipb.stdin.write(drop(kAddr(c)));
      await waitFor(() => kDown.has(ks), 10_000, `keepalived ${ks} Down`).catch(() => {});
      if (kDown.has(ks)) kDet.push(kDown.get(ks) - cut.get(`k:${ks}`));
      await sleep(300);
    }
  }
  ipb.stdin.end();
  const result = {
    bench: 'bfd',
    sessions: SESSIONS,
    tcpChecks: CHECKS,
    seconds: SECONDS,
    realtimePriority: RT,
    hacore: { falseDowns: hFalse, detectionMs: hDet.length ? stats(hDet) : null },
    keepalived: kaRan ? { sessions: KA_SESSIONS, falseDowns: kFalse, detectionMs: kDet.length ? stats(kDet) : null } : 'did not come up (see stderr)',
  };
  if (kaRan && hDet.length && kDet.length) result.medianRatioHacoreToKeepalived = +(result.hacore.detectionMs.median / result.keepalived.detectionMs.median).toFixed(2);
  void cpu0;
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  for (const p of procs.reverse()) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const gone = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await Promise.race([gone, sleep(10_000)]);
    if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
  if (bfddPid) try { process.kill(bfddPid, 'SIGKILL'); } catch {}
  for (const ns of Object.values(NS)) try { ip('netns', 'del', ns); } catch {}
  rmSync(dir, { recursive: true, force: true });
  rmSync(hdir, { recursive: true, force: true });
}
