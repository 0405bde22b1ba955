// The HTTP checker (keepalived HTTP_GET) against real node http servers and
// raw TCP servers on 127.0.0.1 / ::1, port 0.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { schema as s } from '@hacore/core';
import { HttpChecker, httpCheckOptions } from '@hacore/checker-http';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hc-http-'));
const cleanups = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
  rmSync(tmp, { recursive: true, force: true });
});

/** A check spec as the core hands it over: the options go through the real schema. */
function spec(port, options = {}, common = {}) {
  const r = s.validate(httpCheckOptions, options);
  assert.deepEqual(r.issues, [], 'test spec must be valid');
  return { name: 'h', type: 'http', target: { address: '127.0.0.1', port }, interval: 1000, timeout: 1000, rise: 1, fall: 1, retryDelay: 100, warmup: 0, alpha: false, ...common, ...r.value };
}

async function probe(sp) {
  const checker = new HttpChecker(sp);
  try {
    return await checker.probe(AbortSignal.timeout(sp.timeout));
  } finally {
    await checker.close();
  }
}

/** Real md5sum(1) over the bytes, as an oracle independent of node:crypto. */
function md5sum(buf) {
  const f = path.join(tmp, `body-${randomBytes(4).toString('hex')}`);
  writeFileSync(f, buf);
  return execFileSync('md5sum', [f], { encoding: 'utf8' }).split(/\s+/)[0];
}

async function httpServer(handler, host = '127.0.0.1') {
  const srv = http.createServer(handler);
  const sockets = new Set();
  srv.on('connection', (c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
  });
  await new Promise((r) => srv.listen(0, host, r));
  cleanups.push(() => new Promise((r) => { sockets.forEach((c) => c.destroy()); srv.close(r); }));
  srv.stats = { connections: 0 };
  srv.on('connection', () => srv.stats.connections++);
  return srv;
}

async function rawServer(onConnection) {
  const sockets = new Set();
  const srv = net.createServer((c) => {
    sockets.add(c);
    c.on('close', () => sockets.delete(c));
    c.on('error', () => {});
    onConnection(c);
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => { sockets.forEach((c) => c.destroy()); srv.close(r); }));
  return srv;
}

const port = (srv) => srv.address().port;

describe('HTTP checker: status, digest, regex', () => {
  const body = randomBytes(20000);
  let srv;
  const seen = [];
  test('setup', async () => {
    srv = await httpServer((req, res) => {
      seen.push({ url: req.url, method: req.method, headers: req.headers });
      if (req.url === '/body') return res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length }).end(body);
      if (req.url === '/text') return res.end('status: all good\nversion 1.2.3\n');
      if (req.url === '/503') return res.writeHead(503).end('down for maintenance');
      if (req.url === '/302') return res.writeHead(302, { location: '/text' }).end();
      if (req.url === '/301') return res.writeHead(301, { location: '/text' }).end();
      if (req.url === '/404') return res.writeHead(404).end();
      if (req.url === '/chunked') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('first part, ');
        return setImmediate(() => res.end('second part'));
      }
      res.writeHead(500).end();
    });
  });

  test('200 with the right digest is up (digest from the real md5sum)', async () => {
    const r = await probe(spec(port(srv), { urls: [{ path: '/body', digest: md5sum(body) }] }));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
    assert.ok(r.latencyMs > 0 && r.latencyMs < 1000);
  });

  test('a wrong digest is down with "digest mismatch"', async () => {
    const wrong = md5sum(Buffer.concat([body, Buffer.from('x')]));
    const r = await probe(spec(port(srv), { urls: [{ path: '/body', digest: wrong }] }));
    assert.deepEqual([r.ok, r.reason], [false, 'digest mismatch']);
    // The received digest is in the detail (hacore status), the reason stays stable for events and metrics.
    assert.equal(r.detail, `received ${md5sum(body)}, expected ${wrong}`);
  });

  test('a wrong status is down with "status 503"', async () => {
    const r = await probe(spec(port(srv), { urls: [{ path: '/503' }] }));
    assert.deepEqual([r.ok, r.reason], [false, 'status 503']);
  });

  test('status lists and ranges', async () => {
    const accept = { status: [200, '300-399'] };
    assert.deepEqual(await probe(spec(port(srv), { urls: [{ path: '/302', ...accept }] })).then((r) => [r.ok, r.reason]), [true, 'status 302']);
    assert.deepEqual(await probe(spec(port(srv), { urls: [{ path: '/404', ...accept }] })).then((r) => [r.ok, r.reason]), [false, 'status 404']);
    assert.deepEqual(await probe(spec(port(srv), { urls: [{ path: '/503', status: ['500-503'] }] })).then((r) => r.ok), true);
  });

  test('a 301 is not followed: its status is what counts', async () => {
    const before = seen.filter((x) => x.url === '/text').length;
    const r = await probe(spec(port(srv), { urls: [{ path: '/301' }] }));
    assert.deepEqual([r.ok, r.reason], [false, 'status 301']);
    const ok = await probe(spec(port(srv), { urls: [{ path: '/301', status: [301] }] }));
    assert.deepEqual([ok.ok, ok.reason], [true, 'status 301']);
    assert.equal(seen.filter((x) => x.url === '/text').length, before, 'the Location was never fetched');
  });

  test('regex: matched, not matched, and regexNoMatch', async () => {
    const p = port(srv);
    assert.equal((await probe(spec(p, { urls: [{ path: '/text', regex: 'version \\d+\\.\\d+' }] }))).ok, true);
    assert.equal((await probe(spec(p, { urls: [{ path: '/text', regex: 'ALL GOOD', regexFlags: 'i' }] }))).ok, true);
    const miss = await probe(spec(p, { urls: [{ path: '/text', regex: '^error' }] }));
    assert.deepEqual([miss.ok, miss.reason], [false, 'regex not matched']);
    const neg = await probe(spec(p, { urls: [{ path: '/text', regex: 'all good', regexNoMatch: true }] }));
    assert.deepEqual([neg.ok, neg.reason], [false, 'regex matched']);
    assert.equal((await probe(spec(p, { urls: [{ path: '/text', regex: 'maintenance', regexNoMatch: true }] }))).ok, true);
  });

  test('digest and regex together: both must hold', async () => {
    const text = Buffer.from('status: all good\nversion 1.2.3\n');
    const p = port(srv);
    assert.equal((await probe(spec(p, { urls: [{ path: '/text', digest: md5sum(text), regex: 'good' }] }))).ok, true);
    const r = await probe(spec(p, { urls: [{ path: '/text', digest: md5sum(text), regex: 'bad' }] }));
    assert.deepEqual([r.ok, r.reason], [false, 'regex not matched']);
  });

  test('every URL must pass; the failing one is named', async () => {
    const p = port(srv);
    const ok = await probe(spec(p, { urls: [{ path: '/text' }, { path: '/body', digest: md5sum(body) }] }));
    assert.deepEqual([ok.ok, ok.reason], [true, '2 urls ok']);
    const bad = await probe(spec(p, { urls: [{ path: '/text' }, { path: '/503' }, { path: '/body' }] }));
    assert.deepEqual([bad.ok, bad.reason], [false, '/503: status 503']);
  });

  test('a chunked body is hashed decoded (keepalived would hash the chunk framing)', async () => {
    const decoded = Buffer.from('first part, second part');
    const r = await probe(spec(port(srv), { urls: [{ path: '/chunked', digest: md5sum(decoded) }] }));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
    assert.equal(seen.at(-1).url, '/chunked');
  });

  test('request: GET, Host address:port, User-Agent KeepAliveClient; virtualhost, headers and method', async () => {
    const p = port(srv);
    await probe(spec(p, { urls: [{ path: '/text' }] }));
    const plain = seen.at(-1);
    assert.deepEqual([plain.method, plain.headers.host, plain.headers['user-agent'], plain.headers.connection], ['GET', `127.0.0.1:${p}`, 'KeepAliveClient', 'close']);
    await probe(spec(p, { virtualhost: 'www.example.test', headers: { 'X-Probe': 'yes', 'User-Agent': 'custom/1' }, urls: [{ path: '/text' }] }));
    const v = seen.at(-1);
    assert.deepEqual([v.headers.host, v.headers['x-probe'], v.headers['user-agent']], ['www.example.test', 'yes', 'custom/1']);
    await probe(spec(p, { virtualhost: 'www.example.test', urls: [{ path: '/text', virtualhost: 'api.example.test' }] }));
    assert.equal(seen.at(-1).headers.host, 'api.example.test');
    const head = await probe(spec(p, { method: 'HEAD', urls: [{ path: '/text' }] }));
    assert.deepEqual([head.ok, seen.at(-1).method], [true, 'HEAD']);
  });

  test('a fresh connection per probe by default; reuseConnection keeps one', async () => {
    const c0 = srv.stats.connections;
    for (let i = 0; i < 3; i++) assert.equal((await probe(spec(port(srv), { urls: [{ path: '/text' }] }))).ok, true);
    assert.equal(srv.stats.connections - c0, 3);
    const checker = new HttpChecker(spec(port(srv), { reuseConnection: true, urls: [{ path: '/text' }] }));
    const c1 = srv.stats.connections;
    for (let i = 0; i < 3; i++) assert.equal((await checker.probe(AbortSignal.timeout(1000))).ok, true);
    assert.equal(srv.stats.connections - c1, 1);
    assert.equal(seen.at(-1).headers.connection, 'keep-alive');
    await checker.close();
    const closed = await checker.probe(AbortSignal.timeout(1000));
    assert.deepEqual([closed.ok, closed.reason], [false, 'checker closed']);
  });

  test('reuseConnection still notices a server that went away', async () => {
    const gone = await httpServer((req, res) => res.end('ok'));
    const checker = new HttpChecker(spec(port(gone), { reuseConnection: true }));
    try {
      assert.equal((await checker.probe(AbortSignal.timeout(1000))).ok, true);
      gone.closeAllConnections();
      await new Promise((r) => gone.close(r));
      const r = await checker.probe(AbortSignal.timeout(1000));
      assert.equal(r.ok, false);
      assert.match(r.reason, /^(ECONNREFUSED|ECONNRESET|closed before response)$/);
      assert.equal((await checker.probe(AbortSignal.timeout(1000))).reason, 'ECONNREFUSED');
    } finally {
      await checker.close();
    }
  });

  test('IPv6: ::1', async () => {
    const v6 = await httpServer((req, res) => res.end(`host=${req.headers.host}`), '::1');
    const sp = spec(port(v6), { urls: [{ path: '/', regex: `^host=\\[::1\\]:${port(v6)}$` }] });
    sp.target = { address: '::1', port: port(v6) };
    const r = await probe(sp);
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
  });
});

describe('HTTP checker: broken servers', () => {
  test('refused: ECONNREFUSED', async () => {
    const srv = net.createServer();
    await new Promise((r) => srv.listen(0, '127.0.0.1', r));
    const p = port(srv);
    await new Promise((r) => srv.close(r));
    const r = await probe(spec(p));
    assert.deepEqual([r.ok, r.reason], [false, 'ECONNREFUSED']);
  });

  test('a server that accepts and never answers: timeout at the check timeout', async () => {
    const srv = await rawServer(() => {});
    const started = performance.now();
    const r = await probe(spec(port(srv), {}, { timeout: 300 }));
    const took = performance.now() - started;
    assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
    assert.ok(took >= 290 && took < 2500, `took ${took} ms`);
  });

  test('headers, then the body stalls: timeout', async () => {
    const srv = await rawServer((c) => c.once('data', () => c.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf a bo')));
    const r = await probe(spec(port(srv), {}, { timeout: 300 }));
    assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
  });

  test('a body over the cap fails, declared (Content-Length) or streamed (chunked)', async () => {
    const big = Buffer.alloc(5000, 'a');
    const srv = await httpServer((req, res) => {
      if (req.url === '/declared') return res.writeHead(200, { 'content-length': big.length }).end(big);
      res.writeHead(200);
      for (let i = 0; i < 5; i++) res.write(big.subarray(0, 1000));
      res.end();
    });
    const declared = await probe(spec(port(srv), { maxBodyBytes: 4999, urls: [{ path: '/declared' }] }));
    assert.deepEqual([declared.ok, declared.reason], [false, 'body over 4999 bytes']);
    const streamed = await probe(spec(port(srv), { maxBodyBytes: 4999, urls: [{ path: '/streamed' }] }));
    assert.deepEqual([streamed.ok, streamed.reason], [false, 'body over 4999 bytes']);
    assert.equal((await probe(spec(port(srv), { maxBodyBytes: 5000, urls: [{ path: '/streamed' }] }))).ok, true);
    const dflt = await httpServer((req, res) => res.end(Buffer.alloc(1_048_577)));
    assert.deepEqual(await probe(spec(port(dflt))).then((r) => [r.ok, r.reason]), [false, 'body over 1048576 bytes']);
  });

  test('connection reset while waiting for the answer: ECONNRESET', async () => {
    const srv = await rawServer((c) => c.once('data', () => c.resetAndDestroy()));
    const r = await probe(spec(port(srv)));
    assert.deepEqual([r.ok, r.reason], [false, 'ECONNRESET']);
  });

  test('closed before any answer, or in the middle of the body', async () => {
    const none = await rawServer((c) => c.once('data', () => c.end()));
    assert.deepEqual(await probe(spec(port(none))).then((r) => [r.ok, r.reason]), [false, 'closed before response']);
    const half = await rawServer((c) => c.once('data', () => c.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc')));
    assert.deepEqual(await probe(spec(port(half))).then((r) => [r.ok, r.reason]), [false, 'body truncated']);
  });

  test('not HTTP at all: invalid HTTP response', async () => {
    const srv = await rawServer((c) => c.once('data', () => c.end('SSH-2.0-OpenSSH_9.6\r\n\r\n')));
    assert.deepEqual(await probe(spec(port(srv))).then((r) => [r.ok, r.reason]), [false, 'invalid HTTP response']);
  });

  test('bytes past Content-Length are not hashed (as keepalived caps at Content-Length)', async () => {
    const srv = await rawServer((c) => c.once('data', () => c.end('HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA')));
    const r = await probe(spec(port(srv), { urls: [{ path: '/', digest: md5sum(Buffer.from('hello')) }] }));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
  });

  test('a close-delimited HTTP/1.0 body (no Content-Length) is hashed whole', async () => {
    const srv = await rawServer((c) => c.once('data', () => c.end('HTTP/1.0 200 OK\r\n\r\nno length here')));
    const r = await probe(spec(port(srv), { urls: [{ path: '/', digest: md5sum(Buffer.from('no length here')) }] }));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
  });
});

describe('HTTP checker: resources', () => {
  function fdCount() {
    return readdirSync('/proc/self/fd').length;
  }
  function handles() {
    return process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
  }
  /** Polls (bounded) until `pred` holds: sockets close asynchronously after destroy(), within
   *  milliseconds; an idle keep-alive socket would stay for seconds and fail this. */
  async function settle(pred, ms = 500) {
    const end = Date.now() + ms;
    while (!pred() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    return pred();
  }

  test('no socket, timer or fd left behind after 1,000 probes (up, down, over cap, timeout)', async () => {
    // The servers live in another process so that only the checker's sockets count here.
    const child = spawn(process.execPath, ['-e', `
      const http = require('http'), net = require('net');
      const ok = http.createServer((q, r) => r.end(q.url === '/big' ? Buffer.alloc(4096) : 'ok')).listen(0, '127.0.0.1', () => {
        const mute = net.createServer(() => {}).listen(0, '127.0.0.1', () => {
          const closed = net.createServer().listen(0, '127.0.0.1', () => {
            const p = closed.address().port;
            closed.close(() => console.log(JSON.stringify({ ok: ok.address().port, mute: mute.address().port, closed: p })));
          });
        });
      });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(() => new Promise((r) => { child.once('exit', r); child.kill(); }));
    const ports = JSON.parse(await new Promise((r) => child.stdout.once('data', r)));
    const baseFds = fdCount();
    const baseHandles = handles().length;
    // Long-lived checkers, as the scheduler keeps them: between two probes of a
    // fresh-connection check nothing may stay open.
    const checkers = {
      up: new HttpChecker(spec(ports.ok, { urls: [{ path: '/' }] })),
      refused: new HttpChecker(spec(ports.closed, {})),
      big: new HttpChecker(spec(ports.ok, { maxBodyBytes: 100, urls: [{ path: '/big' }] })),
      digest: new HttpChecker(spec(ports.ok, { urls: [{ path: '/', digest: '0'.repeat(32) }] })),
      mute: new HttpChecker(spec(ports.mute, {})),
    };
    const outcomes = {};
    for (let i = 0; i < 1000; i++) {
      const which = ['up', 'refused', 'big', i % 100 === 3 ? 'mute' : 'digest'][i % 4];
      const r = await checkers[which].probe(AbortSignal.timeout(which === 'mute' ? 30 : 1000));
      outcomes[r.reason] = (outcomes[r.reason] ?? 0) + 1;
    }
    assert.deepEqual(outcomes, { 'status 200': 250, ECONNREFUSED: 250, 'body over 100 bytes': 250, 'digest mismatch': 240, timeout: 10 });
    const settled = await settle(() => fdCount() <= baseFds && handles().length <= baseHandles);
    assert.ok(settled, `fds ${baseFds} -> ${fdCount()}, handles ${baseHandles} -> ${handles().length}: ${handles()}`);
    await Promise.all(Object.values(checkers).map((c) => c.close()));
  });
});
