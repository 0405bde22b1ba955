#!/usr/bin/env node
// bench/checks-vm: boots the test VM once and runs bench/checks-vm/in-vm.mjs there
// (keepalived's checker and hacore's on the same keepalived.conf, same kernel, same run).
// Build first: npm run build. Env BENCH_HTTP, BENCH_TCP, BENCH_SECONDS pass through.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const env = ['BENCH_HTTP', 'BENCH_TCP', 'BENCH_SECONDS', 'BENCH_WARMUP_MS'].filter((k) => process.env[k]).map((k) => `${k}=${process.env[k]}`).join(' ');
const r = spawnSync(process.execPath, [join(root, 'test/vm/run.mjs'), '--timeout', '900', '--exec', `${env} node bench/checks-vm/in-vm.mjs`], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
