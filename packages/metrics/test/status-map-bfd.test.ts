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

it('maps the bfd receive sockets to receiver packet and drop counters by reason', () => {
  const fams = mapStatus({
    bfd: {
      bfd: {
        sessions: [],
        receivers: [{ family: 4, local: '198.51.100.1', port: 3784, counters: { received: 12, unknownSession: 3, droppedDecode: 2, decodeErrors: { short: 4, badVersion: 1 } } }, { port: 3784 }],
      },
    },
  });
  const get = (n: string) => (fams.get(n as never) ?? []).map((s) => [s.labels, s.value]);
  const labels = { local: '198.51.100.1', port: '3784' };
  assert.deepEqual(get('hacore_bfd_receiver_packets_total'), [[labels, 12]]);
  assert.deepEqual(get('hacore_bfd_receiver_drops_total'), [
    [{ ...labels, reason: 'unknownSession' }, 3],
    [{ ...labels, reason: 'short' }, 4],
    [{ ...labels, reason: 'badVersion' }, 1],
  ]);
});
