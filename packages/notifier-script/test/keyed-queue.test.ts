import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedQueue } from '../src/keyed-queue.js';

test('one key runs in order, one job at a time; other keys run beside it', async () => {
  const log: string[] = [];
  let inA = 0;
  let maxInA = 0;
  const q = new KeyedQueue<number>(
    async (key, n) => {
      if (key === 'a') maxInA = Math.max(maxInA, ++inA);
      await new Promise((r) => setTimeout(r, (5 - n) * 2));
      log.push(`${key}${n}`);
      if (key === 'a') inA--;
    },
    { concurrency: 4, maxPending: 100 },
  );
  for (let n = 0; n < 5; n++) q.push('a', n);
  q.push('b', 9);
  await q.idle();
  assert.deepEqual(log.filter((l) => l.startsWith('a')), ['a0', 'a1', 'a2', 'a3', 'a4']);
  assert.equal(maxInA, 1);
  assert.ok(log.indexOf('b9') < log.indexOf('a4'), 'b did not wait for a');
});

test('a full key drops its oldest waiting job and counts it', async () => {
  const ran: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const dropped: number[] = [];
  const q = new KeyedQueue<number>(async (_k, n) => {
    if (n === 0) await gate;
    ran.push(n);
  }, { concurrency: 1, maxPending: 2, onDrop: (_k, n) => dropped.push(n) });
  for (let n = 0; n < 6; n++) q.push('k', n);
  assert.equal(q.size, 2);
  release();
  await q.idle();
  assert.deepEqual(ran, [0, 4, 5]);
  assert.deepEqual(dropped, [1, 2, 3]);
  assert.equal(q.dropped, 3);
});

test('a job that throws does not stop the queue', async () => {
  const ran: number[] = [];
  const q = new KeyedQueue<number>(async (_k, n) => {
    ran.push(n);
    if (n === 1) throw new Error('boom');
  }, { concurrency: 1, maxPending: 10 });
  for (const n of [1, 2]) q.push('k', n);
  await q.idle();
  assert.deepEqual(ran, [1, 2]);
});
