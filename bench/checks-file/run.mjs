// How long a change of a track file takes to be reported by FileWatch, with
// inotify (at the default 50 ms settle and at 1 ms) and by the poll alone, and
// what 1,000 watched files cost at rest. Prints one JSON line.
// Env: BENCH_SAMPLES (default 30).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileChecker, FileWatch, FileWatchPool } from '@hacore/checker-file';

const samples = Number(process.env.BENCH_SAMPLES ?? 30);
const dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-bench-file-'));
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];
const round = (x) => Math.round(x * 100) / 100;

async function latency(name, opts) {
  const f = path.join(dir, name);
  writeFileSync(f, '0');
  let resolveChange;
  const w = new FileWatch(f, opts, () => resolveChange?.());
  await w.start();
  const out = [];
  for (let i = 1; i <= samples; i++) {
    const seen = new Promise((r) => (resolveChange = r));
    // Spread the writes over the poll phase.
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 40));
    const t0 = performance.now();
    writeFileSync(f, String(i));
    await seen;
    out.push(performance.now() - t0);
  }
  w.close();
  return { p50Ms: round(q(out, 0.5)), p90Ms: round(q(out, 0.9)), maxMs: round(Math.max(...out)) };
}

const result = {
  samples,
  inotifySettle50: await latency('a', { watch: true, pollInterval: 3_600_000, settle: 50 }),
  inotifySettle1: await latency('b', { watch: true, pollInterval: 3_600_000, settle: 1 }),
  poll100Settle1: await latency('c', { watch: false, pollInterval: 100, settle: 1 }),
};

// 1,000 files watched (inotify + 1 s poll) for 10 s at rest.
const watches = [];
for (let i = 0; i < 1000; i++) {
  const f = path.join(dir, `many-${i}`);
  writeFileSync(f, '0');
  const w = new FileWatch(f, { watch: true, pollInterval: 1000, settle: 50 });
  watches.push(w);
  await w.start();
}
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, 10_000));
const cpu = process.cpuUsage(cpu0);
result.thousandWatched = { seconds: round((performance.now() - t0) / 1000), cpuSecPerSec: round((cpu.user + cpu.system) / 1e6 / ((performance.now() - t0) / 1000)), rssMiB: Math.round(process.memoryUsage().rss / 1048576) };
watches.forEach((w) => w.close());

// 1,000 checks on one file (a maintenance flag shared by every real server) through the plugin's pool.
const shared = path.join(dir, 'shared');
writeFileSync(shared, '0');
const pool = new FileWatchPool();
const base = { name: 'f', type: 'file', target: { address: '' }, interval: 1000, timeout: 1000, rise: 1, fall: 1, retryDelay: 100, warmup: 0, alpha: false, dynamic: false, reverse: false, watch: true, pollInterval: 1000, settle: 50, path: shared };
const checkers = Array.from({ length: 1000 }, () => new FileChecker(base, pool));
await Promise.all(checkers.map((c) => c.probe(new AbortController().signal)));
const cpu1 = process.cpuUsage();
const t1 = performance.now();
// Each check probed once a second, as the scheduler would.
for (let s = 0; s < 10; s++) {
  await Promise.all(checkers.map((c) => c.probe(new AbortController().signal)));
  await new Promise((r) => setTimeout(r, 1000));
}
const cpuShared = process.cpuUsage(cpu1);
result.thousandChecksOneFile = { watches: pool.size, cpuSecPerSec: round((cpuShared.user + cpuShared.system) / 1e6 / ((performance.now() - t1) / 1000)) };
checkers.forEach((c) => c.close());
rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result)}\n`);
