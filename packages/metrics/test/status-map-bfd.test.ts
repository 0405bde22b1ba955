import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mapStatus } from '../src/status-map.js';

it('maps the bfd section of the bfd process to the BFD families', () => {
  const fams = mapStatus({
    bfd: {
      version: '0.1.0',
      pid: 1,
      bfd: { sessions: [{ name: 'b1', state: 'Up', detectionTimeMs: 150, txIntervalMs: 50, transitions: 2, counters: { sent: 10, received: 9, droppedTtl: 1, droppedDecode: 0, droppedSession: 0, droppedOther: 0 } }, { name: 'b2', state: 'Down' }, { state: 'Up' }] },
    },
  });
  const get = (n: string) => (fams.get(n as never) ?? []).map((s) => [s.labels, s.value]);
  assert.deepEqual(get('hacore_bfd_session_up'), [[{ instance: 'b1' }, 1], [{ instance: 'b2' }, 0]]);
  assert.deepEqual(get('hacore_bfd_session_state').filter(([, v]) => v === 1), [[{ instance: 'b1', state: 'Up' }, 1], [{ instance: 'b2', state: 'Down' }, 1]]);
  assert.deepEqual(get('hacore_bfd_detection_time_seconds'), [[{ instance: 'b1' }, 0.15]]);
  assert.deepEqual(get('hacore_bfd_drops_total').find(([l]) => (l as { reason: string }).reason === 'ttl'), [{ instance: 'b1', reason: 'ttl' }, 1]);
  assert.deepEqual(get('hacore_bfd_packets_sent_total'), [[{ instance: 'b1' }, 10]]);
});
