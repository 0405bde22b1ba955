import assert from 'node:assert/strict';
import { it } from 'node:test';
import { schema as s, type GenericEvent, type HacoreConfig } from '@hacore/core';
import { parseVrrpSection } from '../src/config-schema.js';
import { BfdTracking, bfdTrackIssues, trackBfdRefSchema } from '../src/tracking-bfd.js';
import { TrackingSet, type TrackItemState, type TrackKind } from '../src/tracking.js';

const ev = (instance: string, to: string): GenericEvent => ({ kind: 'bfd-state', time: 0, origin: 'bfd', instance, to, from: 'Down', neighbor: '198.51.100.2', local: '', diag: 0, diagText: '' });

function instance(name: string, bfd: { name: string; weight: number; reverse: boolean }[]) {
  const tracking = new TrackingSet({ interfaces: [], checks: [], scripts: [], bfd });
  return {
    config: { name, track: { bfd } },
    tracking,
    setTracked(kind: TrackKind, n: string, st: TrackItemState) {
      tracking.set(kind, n, st);
    },
    eval: () => tracking.evaluate(100, { name: 'eth0', up: true }),
  };
}

it('track.bfd: weight 0 is Fault while not Up, weights add or subtract, reverse swaps; states seen before the instances exist are handed on attach', () => {
  const t = new BfdTracking();
  t.observe(ev('b1', 'Down'));
  const fault = instance('VI_1', [{ name: 'b1', weight: 0, reverse: false }]);
  const plus = instance('VI_2', [{ name: 'b1', weight: 20, reverse: false }]);
  const minus = instance('VI_3', [{ name: 'b1', weight: -30, reverse: false }]);
  const rev = instance('VI_4', [{ name: 'b1', weight: 0, reverse: true }]);
  const other = instance('VI_5', [{ name: 'b2', weight: 0, reverse: false }]);
  assert.equal(fault.eval().fault, false, 'unknown before attach: neither up nor down');
  t.attach(() => [fault, plus, minus, rev, other]);
  assert.deepEqual([fault.eval().fault, fault.eval().faultReason], [true, 'bfd b1 down']);
  assert.equal(plus.eval().effective, 100);
  assert.equal(minus.eval().effective, 70);
  assert.equal(rev.eval().fault, false);
  assert.equal(other.eval().fault, false);
  t.observe(ev('b1', 'Up'));
  assert.equal(fault.eval().fault, false);
  assert.equal(plus.eval().effective, 120);
  assert.equal(minus.eval().effective, 100);
  assert.equal(rev.eval().fault, true, 'weight 0 reverse: Fault while Up');
  t.observe(ev('b1', 'Init'));
  assert.equal(fault.eval().fault, true, 'Init is not Up');
  t.observe({ ...ev('b1', 'Up'), kind: 'vrrp-transition' });
  assert.equal(fault.eval().fault, true, 'other kinds are ignored');
});

it('track.bfd in the vrrp section, and names checked against the bfd section', () => {
  const r = parseVrrpSection({ instances: [{ name: 'VI_1', interface: 'eth0', vrid: 1, virtualAddresses: ['198.51.100.200/24'], track: { bfd: ['b1', { name: 'b2', weight: -20, reverse: true }] } }] });
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value!.instances[0]!.track.bfd, [{ name: 'b1', weight: 0, reverse: false }, { name: 'b2', weight: -20, reverse: true }]);
  assert.equal(parseVrrpSection({ instances: [{ name: 'VI_1', interface: 'eth0', vrid: 1, virtualAddresses: ['198.51.100.200/24'] }] }).value!.instances[0]!.track.bfd, undefined);
  assert.ok(s.validate(trackBfdRefSchema, { name: 'b1', weight: 254 }).issues.length > 0);
  const cfg = { checks: [], vrrp: r.value, bfd: { instances: [{ name: 'b1' }, { name: 'b3' }] } } as unknown as HacoreConfig;
  const issues = bfdTrackIssues(cfg);
  assert.deepEqual(issues.map((i) => i.path), ['vrrp.instances[0].track.bfd[1]']);
  assert.match(issues[0]!.expected, /b1, b3/);
  assert.match(bfdTrackIssues({ ...cfg, bfd: undefined } as unknown as HacoreConfig)[0]!.expected, /is @hacore\/bfd listed under plugins/);
});
