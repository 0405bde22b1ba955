// What the checker benches share: a check-role config written under .tmp, and
// the measurement of a Hacore core with role `check` running it (the same code
// as the check child): probes/s, CPU seconds per 1,000 probes, event-loop delay
// p50/p99 and peak RSS over a window that starts after the warm-up spread.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Hacore } from '@hacore/core';

const tmpBase = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.tmp');
/** BENCH_WORKERS: `checkWorkers` of the measured check process (1: the checks run in it, as before the workers existed). */
export const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Writes `plugins: [plugin, ...]`, `checkWorkers` and one YAML flow line per check into a fresh directory; returns the file and a cleanup. */
export function writeCheckConfig(prefix, plugin, checkLines) {
  mkdirSync(tmpBase, { recursive: true });
  const dir = mkdtempSync(path.join(tmpBase, `${prefix}-`));
  const file = path.join(dir, 'hacore.config.yaml');
  const plugins = (Array.isArray(plugin) ? plugin : [plugin]).map((p) => `"${p}"`).join(', ');
  writeFileSync(file, `plugins: [${plugins}]\ncontrolSocket: ${dir}/s.sock\npidFile: ${dir}/p.pid\ncheckWorkers: ${WORKERS}\nchecks:\n${checkLines.join('\n')}\n`);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Loads `file` as a check-role core, starts it, waits 1.5 s (the warm-up spread
 * of `warmup: 1s`), then measures for `seconds` and stops the core. `extra.start()`
 * runs when the window opens; `extra.end({ probes, core })` when it closes, before
 * the stop, and returns more fields for the result.
 */
export async function measureChecks(file, seconds, extra = {}) {
  // As the supervisor's check child: with BENCH_WORKERS > 1 it forks its check workers (child-main --worker N).
  const workers = WORKERS > 1 ? { workers: { args: ['--role', 'check', '--config', file, '--log-level', process.env.BENCH_LOG ?? 'warn'], execArgv: process.env.BENCH_SEMI ? [`--max-semi-space-size=${process.env.BENCH_SEMI}`] : [] } } : {};
  const core = await Hacore.load({ configFile: file, role: 'check', ...workers });
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
  await sleep(1500);
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const p0 = probes;
  const f0 = failures;
  const pids = core.checkWorkerPids();
  const w0 = pids.map(cpuSecOf);
  const c0 = process.cpuUsage();
  extra.start?.();
  const t0 = performance.now();
  let rssMax = 0;
  const rssTimer = setInterval(() => {
    try {
      rssMax = Math.max(rssMax, process.memoryUsage().rss);
    } catch {
      // EMFILE: every descriptor is a probe's socket (counted as its failure); try again next second
    }
  }, 1000);
  await sleep(seconds * 1000);
  const dt = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const workerCpu = pids.map((p, i) => cpuSecOf(p) - w0[i]);
  eld.disable();
  clearInterval(rssTimer);
  const n = probes - p0;
  const more = extra.end?.({ probes: n, core }) ?? {};
  await core.stop('bench done');
  const mainCpu = (cpu.user + cpu.system) / 1e6;
  const totalCpu = mainCpu + workerCpu.reduce((a, b) => a + b, 0);
  const per1000 = (sec) => Number(((sec / n) * 1000).toFixed(4));
  return {
    seconds: Math.round(dt),
    workers: WORKERS,
    probesPerSec: Math.round(n / dt),
    failures: failures - f0,
    reasons,
    // Every process of the check role: the check process and its workers.
    cpuSecPer1000: per1000(totalCpu),
    ...(pids.length > 0 ? { mainCpuSecPer1000: per1000(mainCpu), workerCpuSecPer1000: workerCpu.map(per1000), coresBusy: Number((totalCpu / dt).toFixed(2)) } : {}),
    // The histogram includes the 10 ms sampling interval itself: report the delay beyond it.
    eldP50Ms: Number(Math.max(0, eld.percentile(50) / 1e6 - 10).toFixed(2)),
    eldP99Ms: Number(Math.max(0, eld.percentile(99) / 1e6 - 10).toFixed(2)),
    rssMiB: Math.round(rssMax / 1048576),
    ...more,
  };
}

/** User + system CPU seconds of a process, from /proc (clock ticks at USER_HZ 100). */
function cpuSecOf(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** `127.0.x.y` for the a-th of the loopback addresses the servers listen on. */
export function loopbackAddress(a) {
  return `127.0.${1 + Math.floor(a / 250)}.${1 + (a % 250)}`;
}
