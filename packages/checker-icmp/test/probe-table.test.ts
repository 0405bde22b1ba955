import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { makePayload } from '../src/payload.js';
import { ProbeTable, idOf, keyOf, seqOf, type ProbeOutcome } from '../src/probe-table.js';

const cookie = Buffer.from('cookie!!');

function probe(table: ProbeTable, address: string, outcomes: Map<number, ProbeOutcome>) {
  const key = table.allocate();
  const payload = makePayload(cookie, key, 24);
  table.add({ key, address, payload, settle: (o) => outcomes.set(key, o) });
  return { key, payload };
}

test('key <-> (id, seq)', () => {
  assert.equal(keyOf(0xabcd, 0x1234), 0xabcd1234);
  assert.equal(idOf(0xabcd1234), 0xabcd);
  assert.equal(seqOf(0xabcd1234), 0x1234);
});

test('a reply settles only the probe with its id AND seq, and only with the right payload and source', () => {
  const t = new ProbeTable({ firstKey: 100 });
  const out = new Map<number, ProbeOutcome>();
  const a = probe(t, '198.51.100.1', out);
  const b = probe(t, '198.51.100.2', out);
  // Same id, other seq: unknown.
  assert.equal(t.onReply(idOf(a.key), seqOf(a.key) + 7, '198.51.100.1', a.payload), 'unknown');
  // Right id/seq, payload of another probe: ignored, still waiting.
  assert.equal(t.onReply(idOf(a.key), seqOf(a.key), '198.51.100.1', b.payload), 'payload-mismatch');
  // Right id/seq/payload but from another host: ignored.
  assert.equal(t.onReply(idOf(a.key), seqOf(a.key), '198.51.100.2', a.payload), 'source-mismatch');
  assert.equal(out.size, 0);
  assert.equal(t.onReply(idOf(b.key), seqOf(b.key), '198.51.100.2', b.payload), 'matched');
  assert.deepEqual([...out.keys()], [b.key]);
  assert.equal(t.onReply(idOf(a.key), seqOf(a.key), '198.51.100.1', a.payload), 'matched');
  assert.equal(t.size, 0);
  assert.deepEqual(t.counters, { matched: 2, late: 0, unknown: 1, payloadMismatch: 1, sourceMismatch: 1, errors: 0 });
});

test('a reply after expiry is counted late and settles nothing; after the window it is unknown', () => {
  let now = 1000;
  const t = new ProbeTable({ firstKey: 5, lateWindowMs: 100, now: () => now });
  const out = new Map<number, ProbeOutcome>();
  const a = probe(t, '198.51.100.1', out);
  const b = probe(t, '198.51.100.1', out);
  assert.equal(t.expire(a.key), true);
  assert.equal(t.expire(a.key), false);
  assert.equal(t.onReply(idOf(a.key), seqOf(a.key), '198.51.100.1', a.payload), 'late');
  assert.equal(t.onReply(idOf(a.key), seqOf(a.key), '198.51.100.1', a.payload), 'unknown', 'a duplicate is not counted twice');
  t.expire(b.key);
  now += 101;
  assert.equal(t.onReply(idOf(b.key), seqOf(b.key), '198.51.100.1', b.payload), 'unknown');
  assert.equal(out.size, 0);
  assert.equal(t.counters.late, 1);
});

test('allocate skips keys in flight or remembered, and wraps at 2^32', () => {
  const t = new ProbeTable({ firstKey: 0xffffffff });
  const out = new Map<number, ProbeOutcome>();
  const a = probe(t, '198.51.100.1', out);
  assert.equal(a.key, 0xffffffff);
  const b = probe(t, '198.51.100.1', out);
  assert.equal(b.key, 0);
  t.expire(b.key);
  // Force the counter back over both keys.
  const t2 = new ProbeTable({ firstKey: 0 });
  const x = probe(t2, '198.51.100.1', out);
  t2.expire(x.key);
  (t2 as unknown as { next: number }).next = 0;
  assert.equal(t2.allocate(), 1);
});

test('the expired set is bounded', () => {
  const t = new ProbeTable({ firstKey: 0, maxExpired: 10, lateWindowMs: 1e9 });
  const out = new Map<number, ProbeOutcome>();
  for (let i = 0; i < 50; i++) t.expire(probe(t, '198.51.100.1', out).key);
  assert.ok(t.expiredSize <= 11, `expired ${t.expiredSize}`);
});

test('an ICMP error settles the probe it quotes, if the quoted destination is the target', () => {
  const t = new ProbeTable({ firstKey: 9 });
  const out = new Map<number, ProbeOutcome>();
  const a = probe(t, '198.51.100.1', out);
  assert.equal(t.onError(idOf(a.key), seqOf(a.key), '198.51.100.2', 'host unreachable'), 'source-mismatch');
  assert.equal(t.onError(idOf(a.key), seqOf(a.key), '198.51.100.1', 'host unreachable'), 'matched');
  assert.deepEqual(out.get(a.key), { kind: 'error', reason: 'host unreachable' });
});

test('drain settles everything in flight', () => {
  const t = new ProbeTable();
  const out = new Map<number, ProbeOutcome>();
  for (let i = 0; i < 5; i++) probe(t, '198.51.100.1', out);
  t.drain('socket closed');
  assert.equal(out.size, 5);
  assert.equal(t.size, 0);
});

test('property: replies in any order, with strays and duplicates, each settle exactly their own probe', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 0xffffffff }), fc.array(fc.nat(), { minLength: 1, maxLength: 400 }), (n, firstKey, shuffle) => {
      const t = new ProbeTable({ firstKey });
      const out = new Map<number, ProbeOutcome>();
      const probes = Array.from({ length: n }, (_, i) => ({ ...probe(t, `198.51.100.${i % 250}`, out), address: `198.51.100.${i % 250}` }));
      // Replies in a shuffled order, each sent twice, with a stray copy of each payload to the wrong host.
      const order = probes.map((p, i) => ({ p, r: shuffle[i % shuffle.length]! + i })).sort((a, b) => a.r - b.r).map((x) => x.p);
      for (const p of order) {
        t.onReply(idOf(p.key), seqOf(p.key), '203.0.113.1', p.payload);
        assert.equal(out.has(p.key), false);
        assert.equal(t.onReply(idOf(p.key), seqOf(p.key), p.address, p.payload), 'matched');
        assert.equal(t.onReply(idOf(p.key), seqOf(p.key), p.address, p.payload), 'unknown');
      }
      assert.equal(out.size, n);
      assert.equal(t.counters.matched, n);
    }),
    { numRuns: 50 },
  );
});
