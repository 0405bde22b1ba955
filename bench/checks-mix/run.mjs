// bench/checks-mix: hacore issue 14's load, 20,000 TCP + 10,000 HTTP targets at a
// 1 s interval, run by the same code as the check child (a Hacore core with role
// `check`, forking BENCH_WORKERS check workers as the check child does), against
// raw-net TCP listeners in one process and nginx for HTTP (bench/checks-http/nginx.mjs).
// Prints one JSON line: probesPerSec (both kinds), failures and their reasons,
// cpuSecPer1000 (the check process plus its workers), event-loop delay and RSS of the check process.
// Env: BENCH_TCP (20000), BENCH_HTTP (10000), BENCH_SECONDS (60), BENCH_WORKERS (1).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNginx } from '../checks-http/nginx.mjs';
import { loopbackAddress, measureChecks, writeCheckConfig } from '../lib/measure.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TCP = Number(process.env.BENCH_TCP ?? 20000);
const HTTP = Number(process.env.BENCH_HTTP ?? 10000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const ADDRS = 100;
const TCP_BASE = 20000;
const HTTP_BASE = 21000 + Math.ceil(TCP / ADDRS); // clear of the TCP ports

// One listener process per 5,000 endpoints: 20,000 listening sockets are over a process's file limit here (20,000).
const PORTS_PER_PROC = 50;
const tcpPorts = Math.ceil(TCP / ADDRS);
const tcpServers = [];
for (let from = 0; from < tcpPorts; from += PORTS_PER_PROC) {
  const n = Math.min(PORTS_PER_PROC, tcpPorts - from);
  const p = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec node ${path.join(here, '../checks-tcp/servers.mjs')} ${ADDRS} ${n} ${TCP_BASE + from}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  tcpServers.push(p);
  await new Promise((resolve, reject) => {
    p.stdout.once('data', resolve);
    p.once('exit', (c) => reject(new Error(`tcp servers exited ${c}`)));
  });
}
const stopTcp = () => {
  for (const p of tcpServers) p.kill('SIGTERM');
};
process.once('exit', stopTcp);
const nginx = await startNginx(ADDRS, Math.ceil(HTTP / ADDRS), HTTP_BASE);

const checks = [];
for (let i = 0; i < TCP; i++) checks.push(`  - { name: t${i}, type: tcp, address: ${loopbackAddress(i % ADDRS)}, port: ${TCP_BASE + Math.floor(i / ADDRS)}, interval: 1s, timeout: 900ms, warmup: 1s }`);
for (let i = 0; i < HTTP; i++) {
  checks.push(`  - { name: h${i}, type: http, address: ${loopbackAddress(i % ADDRS)}, port: ${HTTP_BASE + Math.floor(i / ADDRS)}, interval: 1s, timeout: 900ms, warmup: 1s, urls: [{ path: /index.html, digest: ${nginx.digest} }] }`);
}
const config = writeCheckConfig('bench-mix', ['@hacore/checker-tcp', '@hacore/checker-http'], checks);
const { reasons, ...m } = await measureChecks(config.file, SECONDS);
stopTcp();
await nginx.stop();
config.cleanup();
process.stdout.write(`${JSON.stringify({ bench: 'checks-mix', tcp: TCP, http: HTTP, ...m, ...(m.failures > 0 ? { reasons } : {}) })}\n`);
process.exit(0);
