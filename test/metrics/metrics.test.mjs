// @hacore/metrics: scraped over HTTP from a real daemon core with real TCP
// checks, parsed by a strict Prometheus text-format parser, compared with the
// daemon's own status document.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { httpGet as get, nextEvent, pluginPath, startDaemon, tempDir, TcpTarget, waitFor } from '../notifiers/helpers.mjs';
import { parsePrometheus, value } from './prom-parse.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const FAKE = path.join(here, 'fake-sections-plugin.mjs');


describe('metrics', () => {
  let tmp;
  before(() => (tmp = tempDir('metrics')));
  after(() => {
    delete globalThis.hacoreFakeSections;
    tmp.cleanup();
  });

  test('scraped values match the daemon state; /status equals statusAll()', async () => {
    const web = new TcpTarget();
    await web.up();
    const closed = new TcpTarget();
    await closed.up();
    const closedPort = closed.port;
    await closed.down();
    globalThis.hacoreFakeSections = {
      vrrp: {
        instances: [
          // The shape @hacore/vrrp writes (docs/vrrp.md, "Status").
          { name: 'VI_9', interface: 'eth0', state: 'BACKUP', priority: 100, effectivePriority: 90, counters: { advertsSent: 7, advertsReceived: 42, transitions: 3, drops: { ttl: 2, checksum: 1 } } },
        ],
        syncGroups: [{ name: 'G1', state: 'BACKUP', instances: ['VI_9'] }],
        sockets: [{ interface: 'eth0', family: 4, received: 50, sent: 7, drops: { unknownVrid: 5 } }],
      },
      ipvs: {
        opsApplied: 12, opsFailed: 1, passes: 4, errors: [{ at: 1, message: 'x' }],
        virtualServers: [{ name: 'web', quorum: { up: true, liveWeight: 3, quorum: 1 }, realServers: [{ id: '198.51.100.11:80', up: true, weight: 3 }, { id: '198.51.100.12:80', up: false, weight: 0 }] }],
      },
    };
    const hour = '1h';
    const core = await startDaemon(tmp.dir, {
      plugins: [pluginPath('checker-tcp'), pluginPath('metrics'), pluginPath('notifier-webhook'), FAKE],
      checks: [
        { name: 'web', type: 'tcp', address: '127.0.0.1', port: web.port, interval: hour, timeout: '500ms', warmup: '0ms', weight: 5 },
        { name: 'db', type: 'tcp', address: '127.0.0.1', port: closedPort, interval: hour, timeout: '500ms', warmup: '0ms' },
      ],
      // A webhook that cannot deliver, so that notifier counters show up.
      webhooks: { shutdownGrace: '0ms', endpoints: [{ name: 'nowhere', url: `http://127.0.0.1:${closedPort}/`, retries: 0, events: ['target-state'] }] },
      metrics: { listen: '127.0.0.1:0' },
    }, { start: false });
    const downEvent = nextEvent(core, (e) => e.kind === 'target-state' && e.check === 'db');
    const upEvent = nextEvent(core, (e) => e.kind === 'target-state' && e.check === 'web');
    await core.start();
    try {
      await Promise.all([downEvent, upEvent]);
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_1', vrid: 1, from: 'INIT', to: 'BACKUP', priority: 100, reason: 'test' });
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_1', vrid: 1, from: 'BACKUP', to: 'MASTER', priority: 100, reason: 'test' });
      await core.emit({ kind: 'quorum', virtualServer: 'web', up: false, liveWeight: 0, quorum: 1 });
      await waitFor(() => core.status().webhooks.failed === 2, { what: 'both webhook deliveries to fail' });
      const listen = core.status().metrics.listen;
      assert.match(listen, /^127\.0\.0\.1:\d+$/);
      const res = await get(`http://${listen}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
      const m = parsePrometheus(res.body);
      const status = core.status();
      const tWeb = status.targets.find((t) => t.check === 'web');
      const tDb = status.targets.find((t) => t.check === 'db');

      // Target state, from the status document of the process running the checks.
      assert.equal(value(m, 'hacore_target_up', { check: 'web' }), 1);
      assert.equal(value(m, 'hacore_target_up', { check: 'db' }), 0);
      assert.equal(m.get('hacore_target_up').samples.find((s) => s.labels.check === 'web').labels.target, `127.0.0.1:${web.port}`);
      assert.equal(value(m, 'hacore_target_state', { check: 'db', state: 'down' }), 1);
      assert.equal(value(m, 'hacore_target_state', { check: 'db', state: 'up' }), 0);
      assert.equal(value(m, 'hacore_target_weight', { check: 'web' }), 5);
      assert.equal(value(m, 'hacore_target_last_latency_seconds', { check: 'web' }), tWeb.lastResult.latencyMs / 1000);
      assert.equal(value(m, 'hacore_target_state_since_seconds', { check: 'db' }), tDb.since / 1000);
      // Probes and failures by reason: one probe each (the interval is an hour).
      assert.equal(value(m, 'hacore_probes_total', { check: 'web', result: 'ok' }), 1);
      assert.equal(value(m, 'hacore_probes_total', { check: 'db', result: 'failed' }), 1);
      assert.equal(value(m, 'hacore_probe_failures_total', { check: 'db', reason: tDb.lastResult.reason }), 1);
      assert.equal(m.get('hacore_probe_failures_total').samples.filter((s) => s.labels.check === 'db').length, 1);
      // The latency histogram holds the one probe in the right bucket.
      const lat = tWeb.lastResult.latencyMs / 1000;
      assert.equal(value(m, 'hacore_probe_latency_seconds', { check: 'web' }, 'hacore_probe_latency_seconds_count'), 1);
      assert.equal(value(m, 'hacore_probe_latency_seconds', { check: 'web' }, 'hacore_probe_latency_seconds_sum'), lat);
      for (const s of m.get('hacore_probe_latency_seconds').samples.filter((x) => x.name.endsWith('_bucket') && x.labels.check === 'web')) {
        assert.equal(s.value, lat <= (s.labels.le === '+Inf' ? Infinity : Number(s.labels.le)) ? 1 : 0, `bucket le=${s.labels.le}`);
      }
      // Event-derived counters.
      assert.equal(value(m, 'hacore_target_transitions_total', { check: 'web', to: 'up' }), 1);
      assert.equal(value(m, 'hacore_target_transitions_total', { check: 'db', to: 'down' }), 1);
      assert.equal(value(m, 'hacore_vrrp_transitions_total', { instance: 'VI_1', from: 'BACKUP', to: 'MASTER' }), 1);
      assert.equal(value(m, 'hacore_quorum_transitions_total', { virtual_server: 'web', to: 'down' }), 1);
      assert.equal(value(m, 'hacore_events_total', { kind: 'target-state' }), 2);
      assert.equal(value(m, 'hacore_daemon_events_total', { what: 'start' }), 1);
      // VRRP state: VI_1 from events (no status section reports it), VI_9 from the vrrp section.
      assert.equal(value(m, 'hacore_vrrp_state', { instance: 'VI_1', state: 'MASTER' }), 1);
      assert.equal(value(m, 'hacore_vrrp_state', { instance: 'VI_1', state: 'BACKUP' }), 0);
      assert.equal(value(m, 'hacore_vrrp_state', { instance: 'VI_9', state: 'BACKUP' }), 1);
      assert.equal(value(m, 'hacore_vrrp_effective_priority', { instance: 'VI_9' }), 90);
      assert.equal(value(m, 'hacore_vrrp_adverts_sent_total', { instance: 'VI_9' }), 7);
      assert.equal(value(m, 'hacore_vrrp_adverts_received_total', { instance: 'VI_9' }), 42);
      assert.equal(value(m, 'hacore_vrrp_drops_total', { instance: 'VI_9', interface: 'eth0', reason: 'ttl' }), 2);
      assert.equal(value(m, 'hacore_vrrp_drops_total', { instance: '', interface: 'eth0', reason: 'unknownVrid' }), 5);
      assert.equal(value(m, 'hacore_vrrp_instance_transitions_total', { instance: 'VI_9' }), 3);
      assert.equal(value(m, 'hacore_vrrp_group_state', { group: 'G1', state: 'BACKUP' }), 1);
      // IPVS.
      assert.equal(value(m, 'hacore_ipvs_operations_total', { result: 'applied' }), 12);
      assert.equal(value(m, 'hacore_ipvs_operations_total', { result: 'failed' }), 1);
      assert.equal(value(m, 'hacore_real_server_up', { virtual_server: 'web', real_server: '198.51.100.12:80' }), 0);
      assert.equal(value(m, 'hacore_virtual_server_live_weight', { virtual_server: 'web' }), 3);
      // Notifiers: the webhook endpoint's counters as in its status section.
      const ep = status.webhooks.endpoints[0];
      assert.equal(value(m, 'hacore_notifier_failures_total', { notifier: 'webhook', endpoint: 'nowhere' }), ep.failed);
      assert.equal(value(m, 'hacore_notifier_deliveries_total', { notifier: 'webhook', endpoint: 'nowhere' }), 0);
      // Process metrics and the daemon's own.
      assert.ok(value(m, 'process_cpu_user_seconds_total') > 0);
      assert.ok(m.has('nodejs_heap_size_used_bytes'));
      assert.equal(value(m, 'hacore_info', { role: 'single' }), 1);
      assert.equal(value(m, 'hacore_plugin_errors_total', { role: 'single' }), undefined, 'no plugin errors, no series');

      // /status is the statusAll() document, as `hacore status --json` prints it.
      const st = await get(`http://${listen}/status`);
      assert.equal(st.status, 200);
      assert.match(st.headers['content-type'], /^application\/json/);
      const json = JSON.parse(st.body);
      assert.deepEqual(json, JSON.parse(JSON.stringify(await core.statusAll())));
      assert.deepEqual(Object.keys(json), ['single']);
      assert.equal(json.single.probes.web.ok, 1);
      assert.equal((await get(`http://${listen}/nope`)).status, 404);
      assert.equal((await get(`http://${listen}/metrics`, 'POST')).status, 405);
    } finally {
      await core.stop();
      await web.down();
    }
  });

  test('state changes show in the next scrape; malformed plugin sections are harmless', async () => {
    const web = new TcpTarget();
    await web.up();
    globalThis.hacoreFakeSections = {
      vrrp: { instances: 'not a list', drops: [1, 2] },
      ipvs: { virtualServers: { web: { quorum: 'yes', realServers: [null, 3, { id: 'x', up: 'maybe', weight: 'heavy' }] } }, opsApplied: '12' },
      webhooks: { endpoints: 7 },
    };
    const core = await startDaemon(tmp.dir, {
      plugins: [pluginPath('checker-tcp'), pluginPath('metrics'), FAKE],
      checks: [{ name: 'web', type: 'tcp', address: '127.0.0.1', port: web.port, interval: '50ms', timeout: '200ms', warmup: '0ms' }],
      metrics: { listen: '127.0.0.1:0', processMetrics: false },
    }, { start: false });
    const up = nextEvent(core, (e) => e.kind === 'target-state' && e.to === 'up');
    await core.start();
    try {
      await up;
      const listen = core.status().metrics.listen;
      let m = parsePrometheus((await get(`http://${listen}/metrics`)).body);
      assert.equal(value(m, 'hacore_target_up', { check: 'web' }), 1);
      assert.equal(m.has('process_cpu_user_seconds_total'), false, 'process metrics off');
      assert.equal(m.get('hacore_vrrp_state').samples.length, 0);
      assert.equal(m.get('hacore_ipvs_operations_total').samples.length, 0);
      assert.equal(m.get('hacore_real_server_up').samples.length, 0);
      const down = nextEvent(core, (e) => e.kind === 'target-state' && e.to === 'down');
      await web.down();
      await down;
      m = parsePrometheus((await get(`http://${listen}/metrics`)).body);
      assert.equal(value(m, 'hacore_target_up', { check: 'web' }), 0);
      assert.equal(value(m, 'hacore_target_transitions_total', { check: 'web', to: 'down' }), 1);
      const probes = value(m, 'hacore_probes_total', { check: 'web', result: 'failed' });
      assert.ok(probes >= 1);
      assert.equal(value(m, 'hacore_probe_latency_seconds', { check: 'web' }, 'hacore_probe_latency_seconds_count'), value(m, 'hacore_probes_total', { check: 'web', result: 'ok' }) + probes);
    } finally {
      await core.stop();
    }
  });

  test('a port in use stops the start with a clear error', async () => {
    const busy = http.createServer();
    await new Promise((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const core = await startDaemon(tmp.dir, { plugins: [pluginPath('metrics')], metrics: { listen: `127.0.0.1:${busy.address().port}` } }, { start: false });
      await assert.rejects(core.start(), (err) => {
        assert.equal(err.code, 'HACORE_ERR_METRICS_LISTEN');
        assert.match(err.message, new RegExp(`metrics\\.listen: cannot listen on 127\\.0\\.0\\.1:${busy.address().port}: EADDRINUSE`));
        return true;
      });
      await core.stop();
    } finally {
      busy.close();
    }
  });

  test('a request target that URL cannot parse gets 400, and the listener keeps serving', { timeout: 10_000 }, async () => {
    const core = await startDaemon(tmp.dir, { plugins: [pluginPath('metrics')], metrics: { listen: '127.0.0.1:0', processMetrics: false } });
    try {
      const [host, port] = core.status().metrics.listen.split(':');
      // node's HTTP parser accepts this target; new URL() throws on it.
      const head = await new Promise((resolve, reject) => {
        const c = net.connect(Number(port), host, () => c.write('GET http://[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
        let got = '';
        c.setEncoding('utf8');
        c.on('data', (d) => (got += d));
        c.on('end', () => resolve(got.split('\r\n')[0]));
        c.on('error', reject);
      });
      assert.equal(head, 'HTTP/1.1 400 Bad Request');
      assert.equal((await get(`http://${host}:${port}/metrics`)).status, 200);
    } finally {
      await core.stop();
    }
  });

  test('no metrics section: nothing listens', async () => {
    const core = await startDaemon(tmp.dir, { plugins: [pluginPath('metrics')] });
    try {
      assert.equal(core.status().metrics, undefined);
      assert.equal(core.status().probes, undefined);
    } finally {
      await core.stop();
    }
  });
});
