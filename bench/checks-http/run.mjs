// bench/checks-http: 10,000 HTTP targets (keepalived HTTP_GET with a digest)
// at a 1 s interval for 60 s, run by the same code as the check child (a Hacore
// core with role `check`), against servers on many loopback addresses and
// ports in a second process. Prints one JSON line: probesPerSec, cpuSecPer1000,
// eldP50Ms, eldP99Ms, rssMiB.
// Env: BENCH_TARGETS (10000), BENCH_SECONDS (60), BENCH_REUSE=1 (reuseConnection).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Hacore } from '@hacore/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = Number(process.env.BENCH_TARGETS ?? 10000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const REUSE = process.env.BENCH_REUSE === '1';
const ADDRS = 100;
const PORTS = Math.ceil(TARGETS / ADDRS);
const BASE_PORT = 21000;

const servers = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec node ${path.join(here, 'servers.mjs')} ${ADDRS} ${PORTS} ${BASE_PORT} ${REUSE ? 1 : 0}`], { stdio: ['ignore', 'pipe', 'inherit'] });
const digest = await new Promise((resolve, reject) => {
  servers.stdout.once('data', (d) => resolve(String(d).trim().split(' ')[1]));
  servers.once('exit', (c) => reject(new Error(`servers exited ${c}`)));
});

/** CPU seconds (user + system) of the servers' process, from /proc (sh exec'd node: same pid). */
function serverCpuSec() {
  const fields = readFileSync(`/proc/${servers.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

const base = path.resolve(here, '../../.tmp');
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(path.join(base, 'bench-http-'));
const checks = [];
for (let i = 0; i < TARGETS; i++) {
  const a = i % ADDRS;
  const host = `127.0.${1 + Math.floor(a / 250)}.${1 + (a % 250)}`;
  checks.push(
    `  - { name: h${i}, type: http, address: ${host}, port: ${BASE_PORT + Math.floor(i / ADDRS)}, interval: 1s, timeout: 900ms, warmup: 1s, reuseConnection: ${REUSE}, urls: [{ path: /index.html, digest: ${digest} }] }`,
  );
}
const file = path.join(dir, 'hacore.config.yaml');
writeFileSync(file, `plugins: ["@hacore/checker-http"]\ncontrolSocket: ${dir}/s.sock\npidFile: ${dir}/p.pid\nchecks:\n${checks.join('\n')}\n`);

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
await core.start();
// Measure after the warm-up spread, over SECONDS.
await new Promise((r) => setTimeout(r, 1500));
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
const p0 = probes;
const f0 = failures;
const c0 = process.cpuUsage();
const s0 = serverCpuSec();
const t0 = performance.now();
let rssMax = 0;
const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 1000);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
const dt = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(c0);
const serverCpu = serverCpuSec() - s0;
eld.disable();
clearInterval(rssTimer);
const n = probes - p0;
const failed = failures - f0;
await core.stop('bench done');
servers.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });
const out = {
  bench: 'checks-http',
  targets: TARGETS,
  reuseConnection: REUSE,
  seconds: Math.round(dt),
  probesPerSec: Math.round(n / dt),
  failures: failed,
  ...(failed > 0 ? { reasons } : {}),
  cpuSecPer1000: Number((((cpu.user + cpu.system) / 1e6 / n) * 1000).toFixed(4)),
  // The histogram includes the 10 ms sampling interval itself: report the delay beyond it.
  serverCpuSecPer1000: Number(((serverCpu / n) * 1000).toFixed(4)),
  eldP50Ms: Number(Math.max(0, eld.percentile(50) / 1e6 - 10).toFixed(2)),
  eldP99Ms: Number(Math.max(0, eld.percentile(99) / 1e6 - 10).toFixed(2)),
  rssMiB: Math.round(rssMax / 1048576),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
