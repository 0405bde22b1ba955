import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PrefixGate } from '../src/prefix-gate.js';
import { evaluate, emptyWorld } from '../src/condition.js';
import { bgpSectionSchema } from '../src/config-schema.js';
import { renderBgpdConfig } from '../src/bgpd-config.js';

test('rise/fall delays and the hold-down: a check flapping every 200 ms changes the announcement at most once per minAnnounceInterval', () => {
  const g = new PrefixGate({ riseDelay: 0, fallDelay: 0, minAnnounceInterval: 5000 });
  const changes: number[] = [];
  let wake: number | undefined;
  for (let t = 0; t <= 60_000; t += 100) {
    if (wake !== undefined && t >= wake) {
      const d = g.tick(t);
      wake = d.wakeAt;
      if (d.change) changes.push(t);
    }
    if (t % 200 === 0) {
      const d = g.update((t / 200) % 2 === 0, t);
      wake = d.wakeAt;
      if (d.change) changes.push(t);
    }
  }
  assert.ok(changes.length >= 2);
  for (let i = 1; i < changes.length; i++) assert.ok(changes[i]! - changes[i - 1]! >= 5000, `changes ${changes[i - 1]} and ${changes[i]} closer than 5 s`);
  assert.ok(changes.length <= 13);
});

test('riseDelay holds an announcement until the condition held that long', () => {
  const g = new PrefixGate({ riseDelay: 1000, fallDelay: 0, minAnnounceInterval: 0 });
  assert.deepEqual(g.update(true, 0), { wakeAt: 1000 });
  assert.deepEqual(g.tick(999), { wakeAt: 1000 });
  assert.deepEqual(g.tick(1000), { change: 'announce' });
  assert.deepEqual(g.update(false, 1500), { change: 'withdraw' });
});

test('conditions: all / any / not / atLeast / quorum / vrrpMaster', () => {
  const w = emptyWorld();
  w.checks.set('a', true).set('b', false);
  w.quorum.set('vs', true);
  w.vrrpMaster.set('vi', false);
  assert.equal(evaluate({ all: [{ check: 'a' }, { quorum: 'vs' }] }, w), true);
  assert.equal(evaluate({ all: [{ check: 'a' }, { check: 'b' }] }, w), false);
  assert.equal(evaluate({ any: [{ check: 'b' }, { not: { vrrpMaster: 'vi' } }] }, w), true);
  assert.equal(evaluate({ atLeast: 2, of: [{ check: 'a' }, { check: 'b' }, { check: 'unknown' }] }, w), false);
  assert.equal(evaluate({ check: 'never-heard' }, w), false);
});

test('schema: bad community, prefix not covering the VIP, bad prefix are refused with a path', () => {
  const r = bgpSectionSchema.safeParse({
    localAs: 65001,
    routerId: '198.51.100.11',
    neighbors: [{ address: '198.51.100.1', remoteAs: 65000 }],
    prefixes: [
      { prefix: '203.0.113.0/28', vip: '203.0.113.200', when: 'web', communities: ['65000:99999'] },
      { prefix: '203.0.113.300/32', when: 'web' },
    ],
  });
  assert.equal(r.success, false);
  const paths = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.ok(paths.some((p) => p.startsWith('prefixes.0.communities.0') && p.includes('65000:99999')), paths.join('\n'));
  assert.ok(paths.some((p) => p.startsWith('prefixes.1.prefix')), paths.join('\n'));
});

test('schema: a VIP outside its prefix is refused; the bgpd config carries route-maps with attributes', () => {
  const bad = bgpSectionSchema.safeParse({ localAs: 65001, routerId: '198.51.100.11', neighbors: [{ address: '198.51.100.1', remoteAs: 65000 }], prefixes: [{ prefix: '203.0.113.0/28', vip: '203.0.113.200', when: 'web' }] });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0]!.message, /inside 203\.0\.113\.0\/28/);
  const ok = bgpSectionSchema.parse({
    localAs: 65001,
    routerId: '198.51.100.11',
    neighbors: [{ address: '198.51.100.1', remoteAs: 65000 }, { address: '2001:db8::1', remoteAs: 65000 }],
    prefixes: [{ prefix: '203.0.113.10/32', when: { all: ['web', { not: { vrrpMaster: 'x' } }] }, communities: ['65000:100'], largeCommunities: ['65000:1:2'], med: 20, degraded: { when: 'half', prepend: 2 } }],
  });
  const conf = renderBgpdConfig(ok);
  assert.match(conf, /route-map HACORE-203_0_113_10_32-[0-9a-f]{8}-NORMAL permit 10\n set community 65000:100\n set large-community 65000:1:2\n set metric 20/);
  assert.match(conf, /route-map HACORE-203_0_113_10_32-[0-9a-f]{8}-DEGRADED[\s\S]* set as-path prepend 65001 65001/);
  assert.match(conf, /route-map HACORE-203_0_113_10_32-[0-9a-f]{8}-GSHUT permit 10\n set community 65000:100 graceful-shutdown/);
  assert.match(conf, /address-family ipv6 unicast\n  neighbor 2001:db8::1 activate/);
});
