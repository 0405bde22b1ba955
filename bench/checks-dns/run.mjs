// bench/checks-dns: 10,000 DNS targets at a 1 s interval, run by the same code
// as the check child (a Hacore core with role `check`), against UDP responders
// on 100 loopback addresses in a second process (bench/checks-dns/servers.mjs).
// Prints one JSON line: probesPerSec, cpuSecPer1000, eldP50Ms, eldP99Ms, rssMiB.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackAddress, measureChecks, writeCheckConfig } from '../lib/measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = Number(process.env.BENCH_TARGETS ?? 10000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ADDRS = 100;
const servers = spawn(process.execPath, [path.join(here, '../checks-dns/servers.mjs'), String(ADDRS), '5300', '5301'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  servers.stdout.once('data', resolve);
  servers.once('exit', (c) => reject(new Error(`servers exited ${c}`)));
});
const checks = [];
for (let i = 0; i < TARGETS; i++) {
  checks.push(`  - { name: t${i}, type: dns, address: ${loopbackAddress(i % ADDRS)}, port: 5300, query: example.test, queryType: A, interval: 1s, timeout: 900ms, warmup: 1s }`);
}
const config = writeCheckConfig('bench-dns', '@hacore/checker-dns', checks);
const { reasons, ...m } = await measureChecks(config.file, SECONDS);
servers.kill('SIGTERM');
config.cleanup();
process.stdout.write(`${JSON.stringify({ bench: 'checks-dns', targets: TARGETS, ...m, failureReasons: reasons })}\n`);
process.exit(0);
