// The HTTP checker across a real link, in network namespaces (shared/LAB.md):
// a server host, a host that drops SYNs to one port, and a client host that
// probes from inside its namespace.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Lab } from '../lib/lab.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// Runs in the client namespace: probes with one long-lived checker (as the
// scheduler keeps it), then reports the results and what is left open.
const PROBER = `
import { readdirSync } from 'node:fs';
import { HttpChecker, httpCheckOptions } from '@hacore/checker-http';
import { schema } from '@hacore/core';
const { target, options, timeout, times } = JSON.parse(process.argv[1]);
const v = schema.validate(httpCheckOptions, options);
if (v.issues.length) throw new Error(JSON.stringify(v.issues));
const spec = { name: 'n', type: 'http', target, interval: 1000, timeout, rise: 1, fall: 1, retryDelay: 100, warmup: 0, alpha: false, ...v.value };
const fds = () => readdirSync('/proc/self/fd').length;
const before = fds();
const checker = new HttpChecker(spec);
const results = [];
for (let i = 0; i < times; i++) {
  const t0 = performance.now();
  const r = await checker.probe(AbortSignal.timeout(timeout));
  results.push({ ok: r.ok, reason: r.reason, ms: Math.round(performance.now() - t0) });
}
await new Promise((r) => setTimeout(r, 50));
const left = fds() - before;
await checker.close();
process.stdout.write(JSON.stringify({ results, left, handles: process.getActiveResourcesInfo() }) + '\\n');
`;

describe('HTTP checker in network namespaces', () => {
  let lab;
  let server;
  before(async () => {
    lab = await Lab.create('hchtp', ['srv', 'cli'], { addresses: { srv: ['198.51.100.10/24'], cli: ['198.51.100.20/24'] } });
    await lab.exec('srv', 'sh', ['-c', "nft add table inet hch && nft 'add chain inet hch in { type filter hook input priority 0; }' && nft add rule inet hch in tcp dport 81 drop"]);
    server = lab.spawn('srv', process.execPath, ['-e', "require('http').createServer((q,r)=>r.end('served '+q.headers.host)).listen(80,'198.51.100.10',()=>console.log('ready'))"]);
    await new Promise((r) => server.stdout.once('data', r));
  });
  after(() => lab?.destroy());

  const probe = async (input) => JSON.parse(await lab.exec('cli', process.execPath, ['--input-type=module', '-e', PROBER, JSON.stringify(input)], { cwd: root }));

  test('a server across the link is up, every probe on a new connection, nothing left open', async () => {
    const out = await probe({ target: { address: '198.51.100.10', port: 80 }, options: { urls: [{ path: '/', regex: '^served 198\\.51\\.100\\.10:80$' }] }, timeout: 1000, times: 5 });
    assert.deepEqual(out.results.map((r) => r.reason), Array(5).fill('status 200'));
    assert.equal(out.left, 0);
  });

  test('SYNs dropped: "timeout" at the check timeout, "connect timeout" at connectTimeout; no socket left', async () => {
    const t = await probe({ target: { address: '198.51.100.10', port: 81 }, options: {}, timeout: 300, times: 3 });
    assert.deepEqual(t.results.map((r) => r.reason), ['timeout', 'timeout', 'timeout']);
    assert.ok(t.results.every((r) => r.ms >= 290 && r.ms < 2500), JSON.stringify(t.results));
    assert.equal(t.left, 0, `fds left open: ${t.left} (${t.handles})`);
    // The check timeout (5 s) is far above connectTimeout: only the latter can end these probes early.
    const c = await probe({ target: { address: '198.51.100.10', port: 81 }, options: { connectTimeout: '200ms' }, timeout: 5000, times: 2 });
    assert.deepEqual(c.results.map((r) => r.reason), ['connect timeout', 'connect timeout']);
    assert.ok(c.results.every((r) => r.ms >= 190 && r.ms < 2500), JSON.stringify(c.results));
    assert.equal(c.left, 0);
  });

  test('the server process ends: the next probe sees ECONNREFUSED', async () => {
    await lab.kill(server);
    const out = await probe({ target: { address: '198.51.100.10', port: 80 }, options: {}, timeout: 1000, times: 1 });
    assert.deepEqual(out.results.map((r) => r.reason), ['ECONNREFUSED']);
  });
});
