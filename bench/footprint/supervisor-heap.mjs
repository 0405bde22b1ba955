// The supervisor's memory over time under the soak's workload at about ten times its pace (no
// VRRP): 50 flapping HTTP checks (20 transitions/s), each sent by webhook and by notify script,
// a status every second and a reload every ten. Every process samples its own heap
// (heap-sampler.mjs), so RSS can be split into V8 heap and the rest; the summary at the end
// gives, per 2-minute window, the heap floor (after GC), heap committed and RSS.
//   node bench/footprint/supervisor-heap.mjs [MINUTES=10]     (loopback only; no root needed)
import http from 'node:http';
import { spawn, execFile } from 'node:child_process';
import { writeFileSync, mkdirSync, rmSync, chmodSync, readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import os from 'node:os';
const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = `${ROOT}/packages/core/dist/src/cli/main.js`;
const P = (n) => `${ROOT}/packages/${n}/dist/src/index.js`;
const dir = path.join(os.tmpdir(), `hacore-heap-${process.pid}`);
const OUT = path.join(dir, 'heap'); rmSync(dir, { recursive: true, force: true }); mkdirSync(dir, { recursive: true });
const minutes = Number(process.argv[2] ?? 10);
const N = 50; const bad = new Set();
const web = http.createServer((req, res) => { res.writeHead(bad.has(req.url) ? 503 : 200, { connection: 'keep-alive' }); res.end('ok'); });
await new Promise((r) => web.listen(0, '127.0.0.1', r));
let hooks = 0;
const rx = http.createServer((req, res) => { req.resume(); req.on('end', () => { hooks++; res.end('ok'); }); });
await new Promise((r) => rx.listen(0, '127.0.0.1', r));
const script = `${dir}/notify.sh`; writeFileSync(script, '#!/bin/sh\nexit 0\n'); chmodSync(script, 0o755);
const cfgFile = `${dir}/hacore.json`;
let gen = 0;
const config = () => ({
  logLevel: 'info', controlSocket: `${dir}/ctl.sock`, pidFile: `${dir}/pid`, stateDir: `${dir}/state`,
  plugins: ['checker-http', 'notifier-webhook', 'notifier-script'].map((n) => P(n)),
  checks: Array.from({ length: N + (gen % 2) }, (_, i) => ({ name: `c${i}`, type: 'http', address: '127.0.0.1', port: web.address().port, urls: [{ path: `/s${i}` }], interval: '100ms', timeout: '500ms', rise: 1, fall: 1, warmup: '0ms' })),
  webhooks: { host: 'r1', endpoints: [{ name: 'w', url: `http://127.0.0.1:${rx.address().port}/`, events: ['target-state'], retries: 10000, backoff: '50ms', maxBackoff: '500ms', maxQueue: 100000, timeout: '2s' }] },
  notify: { checks: { '*': { notify: [script] } }, maxQueuedPerKey: 10000, timeout: '5s' },
});
writeFileSync(cfgFile, JSON.stringify(config()), { mode: 0o600 });
const d = spawn(process.execPath, [CLI, 'start', '--config', cfgFile], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_OPTIONS: `--import=${ROOT}/bench/footprint/heap-sampler.mjs`, HEAP_OUT: OUT } });
await new Promise((r) => setTimeout(r, 5000));
const end = Date.now() + minutes * 60_000;
const flap = setInterval(() => { const p = `/s${Math.floor(Math.random() * N)}`; if (bad.has(p)) bad.delete(p); else bad.add(p); }, 50);
let reloads = 0, statuses = 0;
while (Date.now() < end) {
  for (let i = 0; i < 10 && Date.now() < end; i++) { await run(process.execPath, [CLI, 'status', '--json', '--config', cfgFile]).catch(() => {}); statuses++; await new Promise((r) => setTimeout(r, 1000)); }
  gen++; writeFileSync(cfgFile, JSON.stringify(config()), { mode: 0o600 });
  await run(process.execPath, [CLI, 'reload', '--config', cfgFile]).catch((e) => console.error('reload', e.stderr)); reloads++;
}
clearInterval(flap);
console.log(JSON.stringify({ reloads, statuses, hooks }));
d.kill('SIGTERM'); await new Promise((r) => d.on('exit', r)); web.close(); rx.close();
for (const role of ['main', 'check']) {
  const file = readdirSync(dir).find((f) => f.startsWith(`heap.${role}.`));
  const L = readFileSync(path.join(dir, file), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const per = Math.max(1, Math.round(120_000 / Number(process.env.HEAP_EVERY_MS ?? 10000)));
  const windows = [];
  for (let i = 0; i < L.length; i += per) {
    const w = L.slice(i, i + per);
    windows.push(`${Math.min(...w.map((x) => x.heapUsed))}/${Math.max(...w.map((x) => x.heapTotal))}/${Math.max(...w.map((x) => x.rss))}`);
  }
  console.log(`${role} per 2 min, heap floor / heap committed / RSS (KiB): ${windows.join('  ')}`);
}
rmSync(dir, { recursive: true, force: true });
