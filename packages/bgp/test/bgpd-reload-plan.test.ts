import assert from 'node:assert/strict';
import { test } from 'node:test';
import { networkCommands, planBgpdReload, routeMapName } from '../src/bgpd-config.js';
import { bgpSectionSchema, type BgpSectionConfig } from '../src/config-schema.js';

const base = {
  localAs: 65001,
  routerId: '198.51.100.11',
  neighbors: [
    { address: '198.51.100.1', remoteAs: 65000 },
    { address: '198.51.100.2', remoteAs: 65000 },
  ],
  prefixes: [
    { prefix: '203.0.113.10/32', when: 'web', communities: ['65001:100'] },
    { prefix: '203.0.113.11/32', when: 'web' },
  ],
};
const parse = (v: unknown): BgpSectionConfig => bgpSectionSchema.parse(v);

test('reload plan: an unchanged section sends nothing', () => {
  assert.deepEqual(planBgpdReload(parse(base), parse(base)), { before: [], after: [], resetNeighbors: [] });
});

test('reload plan: adding a prefix creates only its route-maps; the others keep their names', () => {
  const prev = parse(base);
  const next = parse({ ...base, prefixes: [...base.prefixes, { prefix: '2001:db8:10::11/128', when: 'web', med: 5 }] });
  const plan = planBgpdReload(prev, next);
  const maps = plan.before.filter((l) => l.startsWith('route-map '));
  assert.deepEqual(maps, ['NORMAL', 'DEGRADED', 'GSHUT'].map((f) => `route-map HACORE-2001_db8_10__11_128-${routeMapName(65001, next.prefixes[2]!, 'normal').split('-')[2]}-${f} permit 10`));
  assert.ok(plan.before.includes(' set metric 5'));
  assert.deepEqual(plan.after, []);
  assert.equal(routeMapName(65001, prev.prefixes[0]!, 'normal'), routeMapName(65001, next.prefixes[0]!, 'normal'));
});

test('reload plan: a changed community gives the prefix new route-maps and removes the old ones', () => {
  const prev = parse(base);
  const next = parse({ ...base, prefixes: [{ ...base.prefixes[0], communities: ['65001:200'] }, base.prefixes[1]] });
  const plan = planBgpdReload(prev, next);
  const oldNames = ['normal', 'degraded', 'gshut'].map((f) => routeMapName(65001, prev.prefixes[0]!, f as 'normal'));
  assert.deepEqual(plan.after, ['configure terminal', ...oldNames.map((n) => `no route-map ${n}`), 'end']);
  assert.ok(plan.before.includes(' set community 65001:200'));
  assert.ok(plan.before.includes(' set community 65001:200 graceful-shutdown'));
  assert.deepEqual(networkCommands(next, next.prefixes[0]!, 'normal')[3], `network 203.0.113.10/32 route-map ${routeMapName(65001, next.prefixes[0]!, 'normal')}`);
});

test('reload plan: a removed neighbour is removed, a changed one reset alone, a new one added and activated', () => {
  const prev = parse(base);
  const next = parse({ ...base, neighbors: [{ address: '198.51.100.2', remoteAs: 65000, holdTime: 30 }, { address: '2001:db8::1', remoteAs: 65000 }] });
  const plan = planBgpdReload(prev, next);
  assert.deepEqual(plan.resetNeighbors, ['198.51.100.2']);
  const router = plan.before.slice(plan.before.indexOf('router bgp 65001'));
  assert.deepEqual(router, [
    'router bgp 65001',
    'no neighbor 198.51.100.1',
    'no neighbor 198.51.100.2',
    'neighbor 198.51.100.2 remote-as 65000',
    'neighbor 198.51.100.2 timers 3 30',
    'neighbor 198.51.100.2 timers connect 1',
    'neighbor 198.51.100.2 advertisement-interval 0',
    'address-family ipv4 unicast',
    'neighbor 198.51.100.2 activate',
    'exit-address-family',
    'neighbor 2001:db8::1 remote-as 65000',
    'neighbor 2001:db8::1 timers 3 9',
    'neighbor 2001:db8::1 timers connect 1',
    'neighbor 2001:db8::1 advertisement-interval 0',
    'address-family ipv6 unicast',
    'neighbor 2001:db8::1 activate',
    'exit-address-family',
    'exit',
    'end',
  ]);
});

test('reload plan: a new local AS or bgpd setting needs a restart', () => {
  assert.match(planBgpdReload(parse(base), parse({ ...base, localAs: 65002 })).restart ?? '', /localAs 65001 -> 65002/);
  assert.match(planBgpdReload(parse(base), parse({ ...base, bgpd: { runDir: '/run/x' } })).restart ?? '', /bgpd/);
});

test('schema: a prefix or a neighbour listed twice is refused with its path', () => {
  const r = bgpSectionSchema.safeParse({ ...base, neighbors: [...base.neighbors, { address: '198.51.100.1', remoteAs: 65000 }], prefixes: [...base.prefixes, { prefix: '203.0.113.10/32', when: 'web' }] });
  assert.equal(r.success, false);
  const issues = r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.ok(issues.some((i) => i.startsWith('prefixes.2.prefix: ') && i.includes('first at prefixes[0]')), issues.join('\n'));
  assert.ok(issues.some((i) => i.startsWith('neighbors.2.address: ') && i.includes('first at neighbors[0]')), issues.join('\n'));
});
