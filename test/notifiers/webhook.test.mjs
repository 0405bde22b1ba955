// @hacore/notifier-webhook against a receiver the test runs, driven by a real
// daemon core with real TCP checks.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { pluginPath, startDaemon, tempDir, TcpTarget, waitFor, withDomainEvents } from './helpers.mjs';

const TIMING = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/probe-timing.mjs');
const BLOCKING = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/blocking-notifier-plugin.mjs');
const PLUGINS = [pluginPath('checker-tcp'), pluginPath('notifier-webhook')];

/** An HTTP receiver: records every request; `respond` decides the status. */
class Receiver {
  requests = [];
  respond = () => 200;
  server = undefined;
  port = 0;
  async listen(port = 0) {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const rec = { method: req.method, url: req.url, headers: req.headers, body, json: undefined };
        try {
          rec.json = JSON.parse(body);
        } catch {
          // kept as text; the test will fail on it
        }
        this.requests.push(rec);
        const status = this.respond(rec, this.requests.length);
        if (status === 'hang') return; // never answers
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(status === 200 ? 'ok' : 'nope');
      });
    });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    this.port = this.server.address().port;
    return this;
  }
  async close() {
    if (!this.server) return;
    const s = this.server;
    this.server = undefined;
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  docs(kind) {
    return this.requests.map((r) => r.json).filter((j) => j && (!kind || j.event.kind === kind));
  }
}

/** A port with nothing listening: bound once, then released. */
async function deadPort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

describe('notifier-webhook', () => {
  let tmp;
  before(() => (tmp = tempDir('webhook')));
  after(() => tmp.cleanup());

  test('POSTs the documented JSON for a real check transition, with custom headers and kind filters', async () => {
    const rx = await new Receiver().listen();
    const server = new TcpTarget();
    await server.up();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      checks: [{ name: 'web1', type: 'tcp', address: '127.0.0.1', port: server.port, interval: '50ms', timeout: '200ms', warmup: '0ms' }],
      webhooks: {
        host: 'lb1.example',
        endpoints: [
          { name: 'ops', url: `http://127.0.0.1:${rx.port}/hook?token=secret`, events: ['target-state'], headers: { Authorization: 'Bearer t0k3n' }, secret: 'a-shared-secret-of-some-length' },
          { name: 'all', url: `http://127.0.0.1:${rx.port}/all` },
        ],
      },
    });
    try {
      await waitFor(() => rx.requests.some((r) => r.url.startsWith('/hook')), { what: 'the webhook POST' });
      const req = rx.requests.find((r) => r.url.startsWith('/hook'));
      assert.equal(req.method, 'POST');
      assert.equal(req.headers['content-type'], 'application/json');
      assert.equal(req.headers.authorization, 'Bearer t0k3n');
      assert.equal(req.headers['x-hacore-signature'], `sha256=${createHmac('sha256', 'a-shared-secret-of-some-length').update(req.body).digest('hex')}`);
      assert.equal(rx.requests.find((r) => r.url === '/all').headers['x-hacore-signature'], undefined, 'no secret, no signature');
      const doc = req.json;
      assert.deepEqual(Object.keys(doc).sort(), ['event', 'host', 'id', 'schema', 'sentAt']);
      assert.equal(doc.schema, 'hacore.event/v1');
      assert.equal(doc.host, 'lb1.example');
      assert.match(doc.id, /^[0-9a-f-]{36}$/);
      assert.ok(Math.abs(Date.parse(doc.sentAt) - Date.now()) < 5000);
      assert.equal(doc.event.kind, 'target-state');
      assert.equal(doc.event.check, 'web1');
      assert.equal(doc.event.to, 'up');
      assert.deepEqual(doc.event.target, { address: '127.0.0.1', port: server.port });
      assert.equal(doc.event.origin, 'single');
      // The filtered endpoint got only target-state events; the other also got the daemon start.
      await waitFor(() => rx.requests.some((r) => r.url === '/all' && r.json.event.kind === 'daemon'), { what: 'the daemon start event' });
      assert.ok(rx.requests.filter((r) => r.url.startsWith('/hook')).every((r) => r.json.event.kind === 'target-state'));
      const st = await waitFor(() => (core.status().webhooks.delivered >= 3 ? core.status().webhooks : undefined), { what: 'three deliveries' });
      assert.equal(st.endpoints[0].url, `http://127.0.0.1:${rx.port}/hook`, 'the status hides the query (tokens)');
      assert.equal(st.failed, 0);
    } finally {
      await core.stop();
      await server.down();
      await rx.close();
    }
  });

  test('retries after a 500 and after a refused connection; the same id is resent', async () => {
    const rx = await new Receiver().listen();
    let failFirst = 2;
    rx.respond = () => (failFirst-- > 0 ? 500 : 200);
    const port = await deadPort();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      webhooks: {
        endpoints: [
          { name: 'flaky', url: `http://127.0.0.1:${rx.port}/`, events: ['vrrp-transition'], backoff: '20ms', retries: 5 },
          { name: 'late', url: `http://127.0.0.1:${port}/`, events: ['vrrp-transition'], backoff: '20ms', maxBackoff: '100ms', retries: 50 },
        ],
      },
    });
    let late;
    try {
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_1', vrid: 1, from: 'BACKUP', to: 'MASTER', priority: 100, reason: 'test' });
      await waitFor(() => rx.requests.length >= 3, { what: 'two failures and a success' });
      const ids = rx.requests.map((r) => r.json.id);
      assert.equal(new Set(ids).size, 1, 'one event, resent');
      assert.equal(rx.requests.length, 3);
      // The refused endpoint keeps trying; a receiver appearing on its port gets the event.
      await waitFor(() => core.status().webhooks.endpoints[1].retries >= 2, { what: 'retries against the refused port' });
      assert.equal(core.status().webhooks.endpoints[1].lastError, 'ECONNREFUSED');
      late = await new Receiver().listen(port);
      await waitFor(() => late.requests.length >= 1, { what: 'delivery once the port listens' });
      assert.equal(late.requests[0].json.event.instance, 'VI_1');
      assert.equal(late.requests[0].json.id === ids[0], false, 'each endpoint has its own document id');
      // A receiver has the request before the sender has read the response: wait for the counts.
      await waitFor(() => core.status().webhooks.delivered === 2, { what: 'both deliveries counted' });
      const [flaky, lateSt] = core.status().webhooks.endpoints;
      assert.equal(flaky.delivered, 1);
      assert.equal(flaky.retries, 2);
      assert.equal(flaky.failed, 0);
      assert.equal(lateSt.delivered, 1);
    } finally {
      await core.stop();
      await rx.close();
      await late?.close();
    }
  });

  test('the queue bound holds while the receiver is down: oldest dropped and counted, newest delivered', async () => {
    const port = await deadPort();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      webhooks: { shutdownGrace: '0ms', endpoints: [{ url: `http://127.0.0.1:${port}/`, events: ['quorum'], maxQueue: 5, backoff: '30ms', maxBackoff: '60ms', retries: 1000 }] },
    });
    let rx;
    try {
      for (let i = 0; i < 50; i++) await core.emit({ kind: 'quorum', virtualServer: `vs${i}`, up: i % 2 === 0, liveWeight: i, quorum: 1 });
      const ep = core.status().webhooks.endpoints[0];
      assert.ok(ep.queued <= 5, `queued ${ep.queued}`);
      // The first event is in flight (retrying); of the 49 behind it, 5 stay.
      assert.equal(ep.queued, 5);
      assert.equal(ep.dropped, 44);
      rx = await new Receiver().listen(port);
      await waitFor(() => rx.requests.length >= 6, { what: 'the queued events' });
      await waitFor(() => core.status().webhooks.queued === 0 && !core.status().webhooks.endpoints[0].inFlight, { what: 'an empty queue' });
      assert.deepEqual(rx.docs().map((d) => d.event.virtualServer), ['vs0', 'vs45', 'vs46', 'vs47', 'vs48', 'vs49']);
    } finally {
      await core.stop();
      await rx?.close();
    }
  });

  test('a reload that keeps an endpoint\'s URL keeps its undelivered events, in order, and sends them with the new settings', async () => {
    const port = await deadPort();
    const file = path.join(tmp.dir, 'reload.config.json');
    const config = (token) => ({
      plugins: PLUGINS,
      webhooks: { shutdownGrace: '0ms', endpoints: [{ url: `http://127.0.0.1:${port}/`, events: ['quorum'], headers: { authorization: `Bearer ${token}` }, backoff: '20ms', maxBackoff: '40ms', retries: 1000 }] },
    });
    const core = await startDaemon(tmp.dir, config('old'), { file });
    let rx;
    try {
      for (let i = 0; i < 3; i++) await core.emit({ kind: 'quorum', virtualServer: `vs${i}`, up: true, liveWeight: 1, quorum: 1 });
      await waitFor(() => core.status().webhooks.retries >= 1, { what: 'the first event to be retrying' });
      writeFileSync(file, JSON.stringify(withDomainEvents(config('new'))));
      await core.reload();
      await core.emit({ kind: 'quorum', virtualServer: 'vs3', up: true, liveWeight: 1, quorum: 1 });
      assert.equal(core.status().webhooks.endpoints[0].queued + (core.status().webhooks.endpoints[0].inFlight ? 1 : 0), 4);
      rx = await new Receiver().listen(port);
      await waitFor(() => core.status().webhooks.delivered === 4, { what: 'the four events' });
      assert.deepEqual(rx.docs().map((d) => d.event.virtualServer), ['vs0', 'vs1', 'vs2', 'vs3']);
      assert.ok(rx.requests.every((r) => r.headers.authorization === 'Bearer new'));
    } finally {
      await core.stop();
      await rx?.close();
    }
  });

  test('an answer whose body never ends does not hold the queue: a 200 counts once its headers and first bytes are in', async () => {
    const sent = [];
    const endless = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        sent.push(req.url);
        res.writeHead(200, { 'content-type': 'text/plain' });
        // Writes without end, well past what is kept for the log, until the client goes.
        const pump = () => {
          while (!res.destroyed && res.write(Buffer.alloc(16 * 1024, 'x')));
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      });
    });
    await new Promise((r) => endless.listen(0, '127.0.0.1', r));
    // Far longer than the test waits: without a bounded read each event takes the whole timeout.
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      webhooks: { shutdownGrace: '0ms', endpoints: [{ url: `http://127.0.0.1:${endless.address().port}/`, events: ['quorum'], timeout: '60s', retries: 0 }] },
    });
    try {
      for (let i = 0; i < 3; i++) await core.emit({ kind: 'quorum', virtualServer: `vs${i}`, up: true, liveWeight: 1, quorum: 1 });
      await waitFor(() => core.status().webhooks.delivered === 3, { what: 'three deliveries to an endless body' });
      assert.equal(sent.length, 3);
      assert.equal(core.status().webhooks.failed, 0);
    } finally {
      await core.stop();
      endless.closeAllConnections();
      await new Promise((r) => endless.close(r));
    }
  });

  test('the check schedule does not change while an endpoint is down (hanging or refusing)', async () => {
    const hang = await new Receiver().listen();
    hang.respond = () => 'hang';
    const refused = await deadPort();
    const endpoint = (url) => ({ url, timeout: '2s', backoff: '50ms', retries: 100, maxQueue: 100 });
    const webhooks = { shutdownGrace: '0ms', endpoints: [endpoint(`http://127.0.0.1:${hang.port}/`), endpoint(`http://127.0.0.1:${refused}/`)] };
    // The daemons run at the same time, in processes of their own, so that all see the same
    // machine load: without notifier, with the dead endpoints, and (the negative control,
    // to show that the measurement can see a notifier that waits) with one that waits
    // 100 ms in the event hook.
    const measure = (wh, extra = '') =>
      new Promise((resolve, reject) => {
        execFile(process.execPath, [TIMING, tmp.dir, wh ? JSON.stringify(wh) : '', '3000', extra], { timeout: 30_000 }, (err, stdout, stderr) => {
          if (err) reject(new Error(`${err.message}\n${stderr}`));
          else resolve(JSON.parse(stdout.trim().split('\n').pop()));
        });
      });
    try {
      const [base, down, blocking] = await Promise.all([measure(undefined), measure(webhooks), measure(undefined, BLOCKING)]);
      const wh = down.webhooks;
      const fmt = (s) => `median ${s.median.toFixed(1)}ms p90 ${s.p90.toFixed(1)}ms (best 1 s window ${s.bestP90.toFixed(1)}ms) max ${s.max.toFixed(1)}ms, ${s.n} gaps`;
      for (const [name, r] of [['no notifier', base], ['endpoints down', down], ['control: a notifier waiting 100 ms', blocking]]) {
        process.stdout.write(`# ${name}: steady check ${fmt(r.steady)}; changing check ${fmt(r.flap)}; ${r.events} events, CPU ${r.cpuMs.toFixed(0)}ms\n`);
      }
      process.stdout.write(`# dead endpoints: dropped ${wh.dropped}, queued ${wh.queued}\n`);
      assert.ok(down.events > 500, 'events flowed while the endpoints were down');
      assert.ok(wh.dropped > 0 && wh.delivered === 0, 'the endpoints were really down and their queues overflowed');
      assert.ok(wh.endpoints.every((e) => e.queued <= 100));
      // The control shows what waiting in the event hook does to the check that changes state.
      assert.ok(blocking.flap.bestP90 > base.flap.bestP90 + 50, `control: ${blocking.flap.bestP90} vs ${base.flap.bestP90}`);
      assert.ok(blocking.flap.n < base.flap.n * 0.75, `control: ${blocking.flap.n} probes vs ${base.flap.n}`);
      // The webhook notifier does none of that: same schedule for both checks.
      for (const check of ['steady', 'flap']) {
        const [b, d] = [base[check], down[check]];
        assert.ok(Math.abs(d.median - b.median) < 5, `${check}: median ${d.median} vs ${b.median}`);
        assert.ok(d.bestP90 < b.bestP90 + 25, `${check}: best 1 s window p90 ${d.bestP90} vs ${b.bestP90}`);
        assert.ok(d.n >= b.n * 0.75, `${check}: probes ${d.n} vs ${b.n}`);
      }
    } finally {
      await hang.close();
    }
  });
});
