// bench/checks-http/overhead.mjs: CPU per fresh-connection probe of the HTTP
// checker next to the least a Node process can do for the same exchange (raw
// net: connect, write the request, read and hash the answer, close), against
// one server in a second process. 20,000 probes, 50 at a time, each way.
// Prints one JSON line per way: cpuMsPerProbe, wallSec.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import net from 'node:net';
import { schema as s } from '@hacore/core';
import { HttpChecker, httpCheckOptions } from '@hacore/checker-http';

const N = Number(process.env.BENCH_PROBES ?? 20000);
const C = 50;
const page = Buffer.alloc(1024, 'x');
const child = spawn(
  process.execPath,
  ['-e', `const net=require('net');const a=Buffer.concat([Buffer.from('HTTP/1.1 200 OK\\r\\nContent-Length: 1024\\r\\nConnection: close\\r\\n\\r\\n'),Buffer.alloc(1024,'x')]);net.createServer(c=>{c.on('error',()=>{});c.once('data',()=>c.end(a))}).listen(0,'127.0.0.1',function(){console.log(this.address().port)})`],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const port = Number(String(await new Promise((r) => child.stdout.once('data', r))).trim());
const digest = createHash('md5').update(page).digest('hex');

function rawProbe() {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const h = createHash('md5');
    let head = true;
    sock.on('connect', () => sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\n\r\n`));
    sock.on('data', (d) => {
      if (!head) return h.update(d);
      head = false;
      h.update(d.subarray(d.indexOf('\r\n\r\n') + 4));
    });
    sock.on('end', () => {
      h.digest('hex');
      sock.destroy();
      resolve();
    });
    sock.on('error', resolve);
  });
}

const spec = { name: 'h', type: 'http', target: { address: '127.0.0.1', port }, interval: 1000, timeout: 2000, ...s.validate(httpCheckOptions, { urls: [{ path: '/', digest }] }).value };
const checkers = Array.from({ length: C }, () => new HttpChecker(spec));

async function run(way, fn) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let i = 0;
  await Promise.all(Array.from({ length: C }, async (_, k) => { while (i++ < N) await fn(k); }));
  const c = process.cpuUsage(c0);
  process.stdout.write(`${JSON.stringify({ bench: 'checks-http-overhead', way, probes: N, cpuMsPerProbe: Number(((c.user + c.system) / 1000 / N).toFixed(4)), wallSec: Number(((performance.now() - t0) / 1000).toFixed(1)) })}\n`);
}
await run('raw-net', () => rawProbe());
await run('checker', async (k) => {
  const r = await checkers[k].probe(AbortSignal.timeout(2000));
  if (!r.ok) throw new Error(r.reason);
});
await Promise.all(checkers.map((c) => c.close()));
child.kill();
