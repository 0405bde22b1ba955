import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { mapStatus } from '../src/status-map.js';
import { ProbeStats } from '../src/probe-stats.js';
import { parseListen } from '../src/config.js';

test('any JSON in any section maps without throwing, to finite numbers only', () => {
  const section = fc.jsonValue({ maxDepth: 4 });
  fc.assert(
    fc.property(
      fc.dictionary(fc.constantFrom('single', 'main', 'check', 'vrrp'), fc.record({ targets: section, vrrp: section, ipvs: section, probes: section, notify: section, webhooks: section, smtp: section, pluginErrors: section }, { requiredKeys: [] })),
      (all) => {
        for (const samples of mapStatus(all).values()) for (const s of samples) assert.ok(Number.isFinite(s.value));
      },
    ),
    { numRuns: 300 },
  );
  assert.equal(mapStatus(null).size, 0);
  assert.equal(mapStatus('x').size, 0);
});

test('the documented VRRP fields, as an array or a map, at top level or under stats', () => {
  const asArray = mapStatus({ vrrp: { vrrp: { instances: [{ name: 'A', state: 'master', advertsSent: 3 }] } } });
  const asMap = mapStatus({ vrrp: { vrrp: { instances: { A: { state: 'MASTER', stats: { advertsSent: 3 } } } } } });
  for (const m of [asArray, asMap]) {
    assert.deepEqual(m.get('hacore_vrrp_adverts_sent_total'), [{ labels: { instance: 'A' }, value: 3 }]);
    assert.equal(m.get('hacore_vrrp_state')?.find((s) => s.labels.state === 'MASTER')?.value, 1);
  }
});

test('VRRP state from events only for instances no section reports', () => {
  const m = mapStatus({ vrrp: { vrrp: { instances: [{ name: 'A', state: 'BACKUP' }] } } }, { vrrp: new Map([['A', 'MASTER'], ['B', 'FAULT']]) });
  const one = (i: string) => m.get('hacore_vrrp_state')?.filter((s) => s.labels.instance === i && s.value === 1).map((s) => s.labels.state);
  assert.deepEqual(one('A'), ['BACKUP']);
  assert.deepEqual(one('B'), ['FAULT']);
});

test('probe stats: cumulative buckets, bounded reasons', () => {
  const p = new ProbeStats(2);
  p.record('c', { ok: true, latencyMs: 3, reason: 'connected' });
  p.record('c', { ok: false, latencyMs: 700, reason: 'ECONNREFUSED' });
  p.record('c', { ok: false, latencyMs: 1, reason: 'timeout' });
  p.record('c', { ok: false, latencyMs: 1, reason: 'status 503' });
  p.record('c', { ok: false, latencyMs: 1, reason: 'ECONNREFUSED' });
  const s = p.snapshot().c!;
  assert.deepEqual(s.failures, { ECONNREFUSED: 2, timeout: 1, other: 1 });
  assert.equal(s.probes, 5);
  assert.equal(s.latency.count, 5);
  const at = (le: number) => s.latency.counts[s.latency.le.indexOf(le)];
  assert.equal(at(0.001), 3);
  assert.equal(at(0.005), 4);
  assert.equal(at(1), 5);
});

test('listen addresses', () => {
  assert.deepEqual(parseListen('127.0.0.1:9650'), { host: '127.0.0.1', port: 9650 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseListen(':9650'), { host: '127.0.0.1', port: 9650 });
  assert.equal(parseListen('localhost:9650'), undefined);
  assert.equal(parseListen('127.0.0.1:70000'), undefined);
  assert.equal(parseListen('127.0.0.1'), undefined);
});

test('a child that did not answer shows as down, with no other series', () => {
  const m = mapStatus({ main: { version: '0.1.0', pid: 1, targets: [] }, check: { error: 'timeout' } });
  assert.deepEqual(m.get('hacore_process_up'), [{ labels: { role: 'main' }, value: 1 }, { labels: { role: 'check' }, value: 0 }]);
  assert.deepEqual(m.get('hacore_info')?.map((s) => s.labels.role), ['main']);
});

test('IPVS destinations: the kernel counters with service and destination labels', () => {
  const d = { virtualServer: 'web', service: '203.0.113.100:80/tcp', destination: '198.51.100.21:80', activeConnections: 10, inactiveConnections: 2, connections: 12, inPackets: 500, outPackets: 480, inBytes: 9000, outBytes: 8000, cps: 1, inPps: 40, outPps: 39, inBps: 700, outBps: 650 };
  const m = mapStatus({ check: { ipvs: { destinations: [d, 'junk'] } } });
  const l = { virtual_server: 'web', service: '203.0.113.100:80/tcp', destination: '198.51.100.21:80' };
  assert.deepEqual(m.get('hacore_ipvs_destination_active_connections'), [{ labels: l, value: 10 }]);
  assert.deepEqual(m.get('hacore_ipvs_destination_bytes_total'), [{ labels: { ...l, direction: 'in' }, value: 9000 }, { labels: { ...l, direction: 'out' }, value: 8000 }]);
  assert.deepEqual(m.get('hacore_ipvs_destination_packet_rate')?.map((s) => s.value), [40, 39]);
});
