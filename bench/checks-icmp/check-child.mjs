// The measured side of bench/checks-icmp, run inside the prober's namespace:
// reads the target list on stdin, runs them as `type: icmp` checks in a Hacore
// core with role `check`, and prints the figures as one JSON line.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureChecks, writeCheckConfig } from '../lib/measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const targets = JSON.parse(await new Promise((resolve) => {
  let s = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => (s += d));
  process.stdin.on('end', () => resolve(s));
}));

const plugin = path.resolve(here, '../../packages/checker-icmp/dist/src/index.js');
const config = writeCheckConfig('bench-icmp', plugin, targets.map((a, i) => `  - { name: t${i}, type: icmp, address: "${a}", interval: 1s, timeout: 900ms, warmup: 1s }`));
// Seconds the main thread (the event loop) spent runnable but waiting for a CPU
// (/proc/self/schedstat, second field): how much a loaded machine starved the prober.
const runqueueWait = () => Number(readFileSync('/proc/self/schedstat', 'utf8').split(' ')[1]) / 1e9;
const loadavg = () => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
let w0 = 0;
let l0 = 0;
const { reasons: failureReasons, ...m } = await measureChecks(config.file, SECONDS, {
  start: () => {
    w0 = runqueueWait();
    l0 = loadavg();
  },
  end: ({ core }) => {
    const sockets = core.status().icmp?.sockets ?? {};
    return {
      runqueueWaitSec: Number((runqueueWait() - w0).toFixed(1)),
      loadavg1: [l0, loadavg()],
      late: Object.values(sockets).reduce((a, s) => a + s.late, 0),
      sockets: process.env.BENCH_VERBOSE ? sockets : undefined,
    };
  },
});
config.cleanup();
process.stdout.write(`${JSON.stringify({ bench: 'checks-icmp', targets: targets.length, ...m, failureReasons })}\n`);
process.exit(0);
