import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventKinds } from '@hacore/core';
import { VRRP_EVENTS } from '../src/events.js';

function registry(): EventKinds {
  const r = new EventKinds();
  for (const d of VRRP_EVENTS) r.declare('@hacore/vrrp', d);
  return r;
}

test('VRRP events read as keepalived writes them (mail subjects, logs)', () => {
  const r = registry();
  const at = { time: 0, origin: 'vrrp' as const };
  const t = r.describe({ ...at, kind: 'vrrp-transition', instance: 'VI_1', vrid: 1, from: 'MASTER', to: 'BACKUP', priority: 100, reason: 'r' });
  assert.deepEqual([t.title, t.change], ['VRRP Instance VI_1', 'Entering BACKUP state']);
  const g = r.describe({ ...at, kind: 'vrrp-group-transition', group: 'G', from: 'MASTER', to: 'STOP', reason: 'r' });
  assert.deepEqual([g.title, g.change], ['VRRP Group G', 'Stopping']);
});

test('the latest transition of each instance and group is what the supervisor replays', () => {
  const r = registry();
  const at = { time: 0, origin: 'vrrp' as const };
  assert.equal(r.replayKeyOf({ ...at, kind: 'vrrp-transition', instance: 'VI_1', to: 'MASTER' }), 'vrrp-transition:instance=VI_1');
  assert.equal(r.replayKeyOf({ ...at, kind: 'vrrp-group-transition', group: 'G1', to: 'MASTER' }), 'vrrp-group-transition:group=G1');
});
