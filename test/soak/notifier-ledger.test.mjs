// The soak's notifier ledger: which deliveries answer which logged changes (pure logic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NotifierLedger } from './notifier-ledger.mjs';

const killedAt = (t0) => (router, t) => router === 'r2' && t >= t0 - 3000 && t <= t0 + 200;

test('a change lost with a killed daemon and logged again by its successor is excused, not paired with the successor delivery', () => {
  const l = new NotifierLedger(['webhook'], killedAt(1000));
  l.logged('r2', 'http-4', 'up', 1000); // the daemon killed at this instant: never delivered
  l.logged('r2', 'http-4', 'up', 4300); // the restarted daemon
  l.received('webhook', 'r2', 'http-4', 'up', 4300, 'a');
  assert.deepEqual(l.reconcile(10000, 0), []);
  assert.equal(l.stats.matched.webhook, 1);
  assert.equal(l.stats.excused.webhook, 1);
});

test('the same two lines with both delivered match both', () => {
  const l = new NotifierLedger(['webhook'], killedAt(1000));
  l.logged('r2', 'http-4', 'up', 1000);
  l.logged('r2', 'http-4', 'up', 4300);
  l.received('webhook', 'r2', 'http-4', 'up', 1001, 'a');
  l.received('webhook', 'r2', 'http-4', 'up', 4300, 'b');
  assert.deepEqual(l.reconcile(10000, 0), []);
  assert.equal(l.stats.matched.webhook, 2);
  assert.equal(l.stats.excused.webhook, 0);
});

test('outside a kill window the successor line without a delivery is a breach', () => {
  const l = new NotifierLedger(['webhook'], () => false);
  l.logged('r1', 'tcp-1', 'up', 1000);
  l.logged('r1', 'tcp-1', 'up', 4300);
  l.received('webhook', 'r1', 'tcp-1', 'up', 4300, 'a');
  const b = l.reconcile(10000, 0);
  assert.equal(b.length, 1);
  assert.match(b[0].what, /never received: r1 check tcp-1 -> up/);
});

test('a change out of order is a breach; a retried delivery (same id) is counted once', () => {
  const l = new NotifierLedger(['webhook'], () => false);
  l.logged('r1', 'tcp-1', 'down', 1000);
  l.logged('r1', 'tcp-1', 'up', 2000);
  l.received('webhook', 'r1', 'tcp-1', 'up', 2001, 'x');
  l.received('webhook', 'r1', 'tcp-1', 'up', 2001, 'x');
  l.received('webhook', 'r1', 'tcp-1', 'down', 2002, 'y');
  const b = l.reconcile(10000, 0);
  assert.ok(b.some((x) => /out of order/.test(x.what)), JSON.stringify(b));
  assert.equal(l.stats.duplicates, 1);
});
