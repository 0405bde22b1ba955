// Runs the checker benchmarks one after another in one invocation, so their
// figures are side by side from the same machine state, and prints a table.
// Env: BENCH_TARGETS, BENCH_SECONDS (passed through), BENCH_ONLY=tcp,http,...
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const benches = [
  { name: 'tcp', script: 'checks-tcp/run.mjs', env: {} },
  { name: 'http (fresh connection)', key: 'http', script: 'checks-http/run.mjs', env: {} },
  { name: 'http (reuseConnection)', key: 'http', script: 'checks-http/run.mjs', env: { BENCH_REUSE: '1' } },
  { name: 'icmp', script: 'checks-icmp/run.mjs', env: {} },
  { name: 'dns', script: 'checks-dns/run.mjs', env: {} },
  { name: 'udp', script: 'checks-udp/run.mjs', env: {} },
];
const only = process.env.BENCH_ONLY?.split(',');

function run(b) {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(here, b.script)], { env: { ...process.env, ...b.env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', () => {
      const line = out.trim().split('\n').reverse().find((l) => l.startsWith('{'));
      resolve(line ? JSON.parse(line) : { error: `no result from ${b.script}` });
    });
  });
}

const rows = [];
for (const b of benches) {
  if (only && !only.includes(b.key ?? b.name)) continue;
  process.stderr.write(`running ${b.name} ...\n`);
  const r = await run(b);
  process.stdout.write(`${JSON.stringify({ bench: b.name, ...r })}\n`);
  rows.push([b.name, r.probesPerSec, r.cpuSecPer1000, r.eldP50Ms, r.eldP99Ms, r.rssMiB, r.failures ?? '']);
}
process.stdout.write('\n| checker | probes/s | CPU s / 1,000 probes | ELD p50 ms | ELD p99 ms | RSS MiB | failures |\n|---|---|---|---|---|---|---|\n');
for (const r of rows) process.stdout.write(`| ${r.join(' | ')} |\n`);
