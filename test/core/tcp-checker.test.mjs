import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { TcpChecker } from '@hacore/checker-tcp';
import { Lab } from '../lib/lab.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

function spec(over) {
  return { name: 't', type: 'tcp', target: { address: '127.0.0.1', port: 1 }, interval: 1000, timeout: 1000, rise: 1, fall: 1, retryDelay: 100, warmup: 0, alpha: false, maxReplyBytes: 4096, ...over };
}

function listen(handler, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = net.createServer(handler);
    server.listen(0, host, () => resolve(server));
  });
}

function probe(s) {
  return new TcpChecker(s).probe(AbortSignal.timeout(s.timeout));
}

describe('TCP checker against real sockets', () => {
  const servers = [];
  after(() => servers.forEach((s) => s.close()));

  test('a listening server is up', async () => {
    const srv = await listen((c) => c.end());
    servers.push(srv);
    const r = await probe(spec({ target: { address: '127.0.0.1', port: srv.address().port } }));
    assert.equal(r.ok, true);
    assert.equal(r.reason, 'connected');
    assert.ok(r.latencyMs >= 0 && r.latencyMs < 1000);
  });

  test('a closed port (RST) is down with ECONNREFUSED', async () => {
    const srv = await listen(() => {});
    const port = srv.address().port;
    await new Promise((r) => srv.close(r));
    const r = await probe(spec({ target: { address: '127.0.0.1', port } }));
    assert.deepEqual([r.ok, r.reason], [false, 'ECONNREFUSED']);
  });

  test('IPv6 on ::1', async () => {
    const srv = await listen((c) => c.end(), '::1');
    servers.push(srv);
    const r = await probe(spec({ target: { address: '::1', port: srv.address().port } }));
    assert.equal(r.ok, true);
  });

  test('send/expect: prefix and regex match, wrong reply fails', async () => {
    const srv = await listen((c) => c.on('data', (d) => c.write(String(d).startsWith('PING') ? '+PONG\r\n' : '-ERR\r\n')));
    servers.push(srv);
    const port = srv.address().port;
    assert.equal((await probe(spec({ target: { address: '127.0.0.1', port }, send: 'PING\r\n', expect: '+PONG' }))).ok, true);
    assert.equal((await probe(spec({ target: { address: '127.0.0.1', port }, send: 'PING\r\n', expect: '/^\\+P[O]NG/' }))).ok, true);
    const bad = await probe(spec({ target: { address: '127.0.0.1', port }, send: 'HELLO\r\n', expect: '+PONG', maxReplyBytes: 4 }));
    assert.deepEqual([bad.ok, bad.reason], [false, 'expect not matched']);
  });

  test('a banner is matched without sending anything', async () => {
    const srv = await listen((c) => c.write('220 smtp.example ESMTP\r\n'));
    servers.push(srv);
    const r = await probe(spec({ target: { address: '127.0.0.1', port: srv.address().port }, expect: '220 ' }));
    assert.deepEqual([r.ok, r.reason], [true, 'expect matched']);
  });

  test('a server that accepts and never answers the expect string times out', async () => {
    const held = [];
    const srv = await listen((c) => held.push(c));
    servers.push(srv);
    const started = Date.now();
    const r = await probe(spec({ target: { address: '127.0.0.1', port: srv.address().port }, send: 'PING\r\n', expect: '+PONG', timeout: 300 }));
    assert.deepEqual([r.ok, r.reason], [false, 'timeout']);
    assert.ok(Date.now() - started < 1500);
    held.forEach((c) => c.destroy());
  });

  test('no socket or timer is left behind after 1,000 probes', async () => {
    const srv = await listen((c) => c.end());
    servers.push(srv);
    const port = srv.address().port;
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    for (let i = 0; i < 1000; i++) {
      const s = spec({ target: { address: '127.0.0.1', port: i % 2 ? port : 1 }, connectTimeout: 500 });
      await new TcpChecker(s).probe(new AbortController().signal);
    }
    await new Promise((r) => setImmediate(r));
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    assert.ok(after <= before, `resources before ${before}, after ${after}: ${process.getActiveResourcesInfo()}`);
  });
});

describe('TCP checker in network namespaces', () => {
  let lab;
  before(async () => {
    lab = await Lab.create('hctcp', ['srv', 'cli'], { addresses: { srv: ['198.51.100.10/24'], cli: ['198.51.100.20/24'] } });
    await lab.exec('srv', 'sh', ['-c', "nft add table inet hct && nft 'add chain inet hct in { type filter hook input priority 0; }' && nft add rule inet hct in tcp dport 81 drop"]);
  });
  after(() => lab?.destroy());

  test('a host that drops SYNs is down by timeout, a listening one is up', async () => {
    const server = lab.spawn('srv', process.execPath, ['-e', "require('net').createServer(c=>c.end()).listen(80,'198.51.100.10',()=>console.log('ready'))"]);
    await new Promise((r) => server.stdout.once('data', r));
    const run = async (s) => JSON.parse(await lab.exec('cli', process.execPath, [path.join(here, 'tcp-probe-once.mjs'), JSON.stringify(s)]));
    const up = await run(spec({ target: { address: '198.51.100.10', port: 80 } }));
    assert.equal(up.ok, true, JSON.stringify(up));
    const started = Date.now();
    const dropped = await run(spec({ target: { address: '198.51.100.10', port: 81 }, timeout: 400 }));
    assert.deepEqual([dropped.ok, dropped.reason], [false, 'timeout']);
    const viaConnectTimeout = await run(spec({ target: { address: '198.51.100.10', port: 81 }, timeout: 2000, connectTimeout: 300 }));
    assert.deepEqual([viaConnectTimeout.ok, viaConnectTimeout.reason], [false, 'connect timeout']);
    assert.ok(Date.now() - started < 5000);
    await lab.kill(server);
  });
});
