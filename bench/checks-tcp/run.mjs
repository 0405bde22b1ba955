// bench/checks-tcp: 10,000 TCP targets at a 1 s interval for 60 s, run by the
// same code as the check child (a Hacore core with role `check`), against
// listeners on many loopback addresses and ports in a second process.
// Prints one JSON line: probesPerSec, cpuSecPer1000, eldP50Ms, eldP99Ms, rssMiB.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackAddress, measureChecks, writeCheckConfig } from '../lib/measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = Number(process.env.BENCH_TARGETS ?? 10000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ADDRS = 100;
const PORTS = Math.ceil(TARGETS / ADDRS);
const BASE_PORT = 20000;

const servers = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec node ${path.join(here, 'servers.mjs')} ${ADDRS} ${PORTS} ${BASE_PORT}`], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  servers.stdout.once('data', resolve);
  servers.once('exit', (c) => reject(new Error(`servers exited ${c}`)));
});

const checks = [];
for (let i = 0; i < TARGETS; i++) {
  checks.push(`  - { name: t${i}, type: tcp, address: ${loopbackAddress(i % ADDRS)}, port: ${BASE_PORT + Math.floor(i / ADDRS)}, interval: 1s, timeout: 900ms, warmup: 1s }`);
}
const config = writeCheckConfig('bench-tcp', '@hacore/checker-tcp', checks);
const { reasons, ...m } = await measureChecks(config.file, SECONDS);
servers.kill('SIGTERM');
config.cleanup();
process.stdout.write(`${JSON.stringify({ bench: 'checks-tcp', targets: TARGETS, ...m })}\n`);
process.exit(0);
