// The measured side of bench/checks-icmp, run inside the prober's namespace:
// reads the target list on stdin, runs them as `type: icmp` checks in a Hacore
// core with role `check`, and prints the figures as one JSON line.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Hacore } from '@hacore/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const targets = JSON.parse(await new Promise((resolve) => {
  let s = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => (s += d));
  process.stdin.on('end', () => resolve(s));
}));

const base = path.resolve(here, '../../.tmp');
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(path.join(base, 'bench-icmp-'));
const plugin = path.resolve(here, '../../packages/checker-icmp/dist/src/index.js');
const checks = targets.map((a, i) => `  - { name: t${i}, type: icmp, address: "${a}", interval: 1s, timeout: 900ms, warmup: 1s }`);
const file = path.join(dir, 'hacore.config.yaml');
writeFileSync(file, `plugins: ["${plugin}"]\ncontrolSocket: ${dir}/s.sock\npidFile: ${dir}/p.pid\nchecks:\n${checks.join('\n')}\n`);

const core = await Hacore.load({ configFile: file, role: 'check' });
let probes = 0;
let failures = 0;
const reasons = {};
core.hooks.checkResult.tap('bench', (_t, r) => {
  probes++;
  if (!r.ok) {
    failures++;
    reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  }
});
// Seconds the main thread (the event loop) spent runnable but waiting for a CPU
// (/proc/self/schedstat, second field): how much a loaded machine starved the prober.
const runqueueWait = () => Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]) / 1e9;
const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
await core.start();
await new Promise((r) => setTimeout(r, 1500));
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const p0 = probes;
const f0 = failures;
const c0 = process.cpuUsage();
const w0 = runqueueWait();
const l0 = loadavg();
const t0 = performance.now();
let rssMax = 0;
const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 1000);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const dt = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const waited = runqueueWait() - w0;
eld.disable();
clearInterval(rssTimer);
const n = probes - p0;
const sockets = core.status().icmp?.sockets ?? {};
await core.stop('bench done');
rmSync(dir, { recursive: true, force: true });
const out = {
  bench: 'checks-icmp',
  targets: targets.length,
  seconds: Math.round(dt),
  probesPerSec: Math.round(n / dt),
  failures: failures - f0,
  cpuSecPer1000: Number((((cpu.user + cpu.system) / 1e6 / n) * 1000).toFixed(4)),
  // The histogram includes the 10 ms sampling interval itself: report the delay beyond it.
  eldP50Ms: Number(Math.max(0, eld.percentile(50) / 1e6 - 10).toFixed(2)),
  eldP99Ms: Number(Math.max(0, eld.percentile(99) / 1e6 - 10).toFixed(2)),
  rssMiB: Math.round(rssMax / 1048576),
  failureReasons: reasons,
  runqueueWaitSec: Number(waited.toFixed(1)),
  loadavg1: [l0, loadavg()],
  late: Object.values(sockets).reduce((a, s) => a + s.late, 0),
  sockets: process.env.BENCH_VERBOSE ? sockets : undefined,
};
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
