// Memory of the whole daemon (every process), issue 14's footprint targets:
//   1. VRRP only, one instance: hacore beside keepalived 2.2.7 in one namespace lab;
//   2. hacore with 1,000 and with 10,000 TCP checks (BENCH_CHECKS, comma separated)
//      against loopback listeners, once every check is up.
// Each figure is the sum over the daemon's process tree of RSS and of PSS (shared
// pages split between the processes that map them), read from /proc after the
// daemon has settled (BENCH_SETTLE_MS, 8000). Root, after `npm run build`; on demand.
//   node bench/footprint/run.mjs
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VrrpLab, VIP4, VIP4B, hacoreConfig } from '../../test/lib/vrrp-lab.mjs';
import { loopbackAddress } from '../lib/measure.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HACORE = path.join(ROOT, 'packages/core/bin/hacore.js');
const SETTLE = Number(process.env.BENCH_SETTLE_MS ?? 8000);
const CHECKS = (process.env.BENCH_CHECKS ?? '1000,10000').split(',').map(Number);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The process tree under `pid` (itself included), minus `ip netns exec` wrappers' exec'd selves (same pid). */
function tree(pid) {
  const out = [pid];
  for (const c of children(pid)) out.push(...tree(c));
  return out;
}

function kib(text, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

/** RSS and PSS in MiB of every process under `pid`, and per process by command name. */
function footprint(pid) {
  let rss = 0;
  let pss = 0;
  const procs = [];
  for (const p of tree(pid)) {
    try {
      const name = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').filter(Boolean).slice(0, 6).join(' ');
      const r = kib(readFileSync(`/proc/${p}/status`, 'utf8'), 'VmRSS');
      const s = kib(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'), 'Pss');
      rss += r;
      pss += s;
      procs.push({ pid: p, rssMiB: +(r / 1024).toFixed(1), pssMiB: +(s / 1024).toFixed(1), cmd: name.replace(ROOT, '.') });
    } catch {}
  }
  return { rssMiB: +(rss / 1024).toFixed(1), pssMiB: +(pss / 1024).toFixed(1), processes: procs.filter((x) => x.rssMiB > 0) };
}

const result = { bench: 'footprint', settleMs: SETTLE };

// 1. VRRP only.
{
  const lab = await VrrpLab.create('hfoot', { routers: 2 });
  try {
    const h = await lab.startHacore('r1', hacoreConfig([{ name: 'VI_1', vrid: 61, version: 3, priority: 150, advertInterval: '100ms', virtualAddresses: [`${VIP4}/24`] }]));
    const k = await lab.startKeepalived('r2', { vrid: 62, version: 3, priority: 150, advertInt: 0.1, vips: [`${VIP4B}/24`] });
    await lab.waitHolder(VIP4, 'r1', 20000);
    await lab.waitHolder(VIP4B, 'r2', 20000);
    await sleep(SETTLE);
    result.vrrpOnly = { hacore: footprint(h.pid), keepalived: footprint(k.pid) };
    result.vrrpOnly.pssRatioHacoreToKeepalived = +(result.vrrpOnly.hacore.pssMiB / result.vrrpOnly.keepalived.pssMiB).toFixed(1);
    await Promise.all([lab.stop(h), lab.stop(k)]).catch(() => {});
  } finally {
    await lab.destroy();
  }
}

// 2. TCP checks.
for (const n of CHECKS) {
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const dir = mkdtempSync(path.join(ROOT, '.tmp', 'footprint-'));
  const addrs = 100;
  const ports = Math.ceil(n / addrs);
  const servers = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec node ${path.join(ROOT, 'bench/checks-tcp/servers.mjs')} ${addrs} ${ports} 23000`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((r) => servers.stdout.once('data', r));
  const checks = Array.from({ length: n }, (_, i) => `  - { name: t${i}, type: tcp, address: ${loopbackAddress(i % addrs)}, port: ${23000 + Math.floor(i / addrs)}, interval: 1s, timeout: 900ms, warmup: 1s }`);
  const cfg = path.join(dir, 'hacore.yaml');
  writeFileSync(cfg, `plugins: ["@hacore/checker-tcp"]\ncontrolSocket: ${dir}/s.sock\npidFile: ${dir}/p.pid\nlogLevel: warn\nchecks:\n${checks.join('\n')}\n`, { mode: 0o600 });
  const d = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec ${process.execPath} ${HACORE} start --config ${cfg}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const t0 = Date.now();
    for (;;) {
      await sleep(500);
      let st;
      try {
        const out = await new Promise((res, rej) => {
          const c = spawn(process.execPath, [HACORE, 'status', '--json', '--config', cfg], { stdio: ['ignore', 'pipe', 'ignore'] });
          let s = '';
          c.stdout.on('data', (x) => (s += x));
          c.on('exit', (code) => (code === 0 ? res(s) : rej(new Error(`status ${code}`))));
        });
        st = JSON.parse(out);
      } catch {}
      const up = st?.check?.targets?.filter((t) => t.state === 'up').length ?? 0;
      if (up === n) break;
      if (Date.now() - t0 > 120000) throw new Error(`only ${up} of ${n} checks up after 120 s`);
    }
    await sleep(SETTLE);
    result[`tcp${n}`] = footprint(d.pid);
  } catch (err) {
    result[`tcp${n}`] = { error: err.message };
  } finally {
    d.kill('SIGTERM');
    await new Promise((r) => d.once('exit', r));
    servers.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
process.stdout.write(`${JSON.stringify(result)}\n`);
