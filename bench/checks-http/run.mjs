// bench/checks-http: 10,000 HTTP targets (keepalived HTTP_GET with a digest)
// at a 1 s interval for 60 s, run by the same code as the check child (a Hacore
// core with role `check`), against servers on many loopback addresses and
// ports in a second process. Prints one JSON line: probesPerSec, cpuSecPer1000,
// eldP50Ms, eldP99Ms, rssMiB.
// Env: BENCH_TARGETS (10000), BENCH_SECONDS (60), BENCH_REUSE=1 (reuseConnection),
// BENCH_SERVER=nginx (the targets served by Debian's nginx instead of raw-net node servers).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackAddress, measureChecks, writeCheckConfig } from '../lib/measure.mjs';
import { startNginx } from './nginx.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = Number(process.env.BENCH_TARGETS ?? 10000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const REUSE = process.env.BENCH_REUSE === '1';
const ADDRS = 100;
const PORTS = Math.ceil(TARGETS / ADDRS);
const BASE_PORT = 21000;

const SERVER = process.env.BENCH_SERVER === 'nginx' ? 'nginx' : 'node';

/** The targets: raw-net servers in a node process (servers.mjs), or nginx (nginx.mjs). */
async function startServers() {
  if (SERVER === 'nginx') return startNginx(ADDRS, PORTS, BASE_PORT);
  const servers = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec node ${path.join(here, 'servers.mjs')} ${ADDRS} ${PORTS} ${BASE_PORT} ${REUSE ? 1 : 0}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const digest = await new Promise((resolve, reject) => {
    servers.stdout.once('data', (d) => resolve(String(d).trim().split(' ')[1]));
    servers.once('exit', (c) => reject(new Error(`servers exited ${c}`)));
  });
  return {
    digest,
    // CPU seconds (user + system) of the servers' process, from /proc (sh exec'd node: same pid); clock ticks at USER_HZ 100.
    cpuSec: () => {
      const fields = readFileSync(`/proc/${servers.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    stop: async () => servers.kill('SIGTERM'),
  };
}
const srv = await startServers();
const { digest } = srv;
const serverCpuSec = srv.cpuSec;

const checks = [];
for (let i = 0; i < TARGETS; i++) {
  checks.push(
    `  - { name: h${i}, type: http, address: ${loopbackAddress(i % ADDRS)}, port: ${BASE_PORT + Math.floor(i / ADDRS)}, interval: 1s, timeout: 900ms, warmup: 1s, reuseConnection: ${REUSE}, urls: [{ path: /index.html, digest: ${digest} }] }`,
  );
}
const config = writeCheckConfig('bench-http', '@hacore/checker-http', checks);
let s0 = 0;
const { reasons, ...m } = await measureChecks(config.file, SECONDS, {
  start: () => (s0 = serverCpuSec()),
  end: ({ probes }) => ({ serverCpuSecPer1000: Number((((serverCpuSec() - s0) / probes) * 1000).toFixed(4)) }),
});
await srv.stop();
config.cleanup();
const out = { bench: 'checks-http', targets: TARGETS, reuseConnection: REUSE, server: SERVER, ...m, ...(m.failures > 0 ? { reasons } : {}) };
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
