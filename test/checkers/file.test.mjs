// The file checker and its watch on a real file system: writes, editor-style
// replaces (rename over, rename away + re-create), deletions, bad content,
// inotify and the poll fallback, and the 1,000-probe leak test.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileChecker, FileWatch, FileWatchPool } from '@hacore/checker-file';

let dir;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-file-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
const fresh = (content) => {
  const f = path.join(dir, `track-${++seq}`);
  if (content !== undefined) writeFileSync(f, content);
  return f;
};

/** A FileWatch whose changes can be awaited one by one. */
function watched(file, opts) {
  const changes = [];
  const waiters = [];
  const w = new FileWatch(file, { watch: true, pollInterval: 3_600_000, settle: 30, ...opts }, (r) => {
    const waiter = waiters.shift();
    if (waiter) waiter(r);
    else changes.push(r);
  });
  w.next = (ms = 3000) =>
    changes.length > 0
      ? Promise.resolve(changes.shift())
      : new Promise((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no change of ${file} within ${ms} ms (reads ${w.counters.reads}, events ${w.counters.events})`)), ms);
          waiters.push((r) => {
            clearTimeout(t);
            resolve(r);
          });
        });
  w.pending = () => changes.slice();
  return w;
}

const spec = (over) => ({ name: 'f', type: 'file', target: { address: '' }, interval: 1000, timeout: 1000, rise: 1, fall: 1, retryDelay: 100, warmup: 0, alpha: false, dynamic: false, reverse: false, watch: true, pollInterval: 1000, settle: 30, ...over });

describe('FileWatch with inotify (poll an hour apart, so only inotify can see the changes)', () => {
  test('writes, a replace by rename, a deletion, a re-creation and bad content are each reported once', async () => {
    const f = fresh('0\n');
    const w = watched(f);
    try {
      assert.deepEqual(await w.start(), { value: 0 });
      assert.deepEqual(await w.next(), { value: 0 }); // the first reading is a change too
      writeFileSync(f, '1\n');
      assert.deepEqual(await w.next(), { value: 1 });
      // An atomic replace: write elsewhere in the directory, rename over.
      writeFileSync(`${f}.tmp`, '7\n');
      renameSync(`${f}.tmp`, f);
      assert.deepEqual(await w.next(), { value: 7 });
      unlinkSync(f);
      assert.deepEqual(await w.next(), { value: 0, missing: true });
      writeFileSync(f, '-3');
      assert.deepEqual(await w.next(), { value: -3 });
      writeFileSync(f, 'maintenance');
      assert.deepEqual(await w.next(), { invalid: 'bad content "maintenance"' });
      assert.ok(w.watching);
      assert.ok(w.counters.events >= 6, `inotify events: ${w.counters.events}`);
    } finally {
      w.close();
    }
  });

  test('an editor that renames the file away, writes a new one and removes the backup: only the final value, no passing "missing"', async () => {
    const f = fresh('1\n');
    const w = watched(f, { settle: 60 });
    try {
      await w.start();
      await w.next();
      // vim with backupcopy=no: rename to the backup, create the file empty, write, remove the backup.
      renameSync(f, `${f}~`);
      writeFileSync(f, '');
      writeFileSync(f, '2\n');
      unlinkSync(`${f}~`);
      assert.deepEqual(await w.next(), { value: 2 });
      // The same file rewritten with the same value is no change at all.
      renameSync(f, `${f}~`);
      writeFileSync(f, '2\n');
      unlinkSync(`${f}~`);
      writeFileSync(f, '3\n');
      assert.deepEqual(await w.next(), { value: 3 });
      await new Promise((r) => setTimeout(r, 150));
      assert.deepEqual(w.pending(), [], 'no transient reading was reported');
    } finally {
      w.close();
    }
  });
});

describe('FileWatch poll fallback', () => {
  test('watch: false sees every change by polling, with no inotify event', async () => {
    const f = fresh('0');
    const w = watched(f, { watch: false, pollInterval: 25 });
    try {
      await w.start();
      await w.next();
      writeFileSync(f, '5');
      assert.deepEqual(await w.next(), { value: 5 });
      unlinkSync(f);
      assert.deepEqual(await w.next(), { value: 0, missing: true });
      writeFileSync(`${f}.new`, '9');
      renameSync(`${f}.new`, f);
      assert.deepEqual(await w.next(), { value: 9 });
      assert.equal(w.watching, false);
      assert.equal(w.counters.events, 0);
    } finally {
      w.close();
    }
  });

  test('a directory that does not exist yet: polled, then watched once it exists', async () => {
    const sub = path.join(dir, `later-${++seq}`);
    const f = path.join(sub, 'state');
    const w = watched(f, { pollInterval: 25 });
    try {
      assert.deepEqual(await w.start(), { value: 0, missing: true });
      await w.next();
      assert.equal(w.watchError, 'ENOENT');
      mkdirSync(sub);
      writeFileSync(f, '4');
      assert.deepEqual(await w.next(), { value: 4 });
      assert.ok(w.watching, 'the poll re-established the watch');
    } finally {
      w.close();
    }
  });

  test('what is not a small regular file is invalid, never a hang', async () => {
    const d = fresh();
    mkdirSync(d);
    const w1 = watched(d);
    const w2 = watched('/dev/zero', { watch: false });
    const big = fresh('1'.repeat(5000));
    const w3 = watched(big);
    try {
      assert.deepEqual(await w1.start(), { invalid: 'not a regular file' });
      assert.deepEqual(await w2.start(), { invalid: 'not a regular file' });
      assert.deepEqual(await w3.start(), { invalid: 'over 4096 bytes' });
    } finally {
      [w1, w2, w3].forEach((w) => w.close());
    }
  });

  test('initFile creates a missing file, and with overwrite replaces an existing one', async () => {
    const f = fresh();
    const w1 = watched(f, { initFile: { value: 3, overwrite: false } });
    assert.deepEqual(await w1.start(), { value: 3 });
    w1.close();
    const w2 = watched(f, { initFile: { value: 8, overwrite: false } });
    assert.deepEqual(await w2.start(), { value: 3 }, 'an existing file is kept');
    w2.close();
    const w3 = watched(f, { initFile: { value: 8, overwrite: true } });
    assert.deepEqual(await w3.start(), { value: 8 });
    w3.close();
  });
});

describe('FileChecker', () => {
  test('a probe answers from the watched reading: up/down, reverse, dynamic weight, bad content', async () => {
    const f = fresh('0\n');
    const plain = new FileChecker(spec({ path: f }));
    const reverse = new FileChecker(spec({ path: f, reverse: true }));
    const dynamic = new FileChecker(spec({ path: f, dynamic: true, multiplier: 10, weight: 50 }));
    try {
      const probe = (c) => c.probe(new AbortController().signal);
      assert.deepEqual([(await probe(plain)).ok, (await probe(reverse)).ok, (await probe(dynamic)).weight], [true, false, 50]);
      writeFileSync(f, '2\n');
      // The watch picks the change up within the settle time; the probe does no I/O of its own.
      const deadline = Date.now() + 3000;
      while ((await probe(plain)).ok && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      const down = await probe(plain);
      assert.deepEqual([down.ok, down.reason], [false, 'value 2']);
      assert.ok(down.latencyMs < 5, `a probe without I/O: ${down.latencyMs} ms`);
      // Each checker has its own watch: wait for the other two to see the change as well.
      while (!(await probe(reverse)).ok && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      while ((await probe(dynamic)).weight !== 70 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal((await probe(reverse)).ok, true);
      assert.deepEqual([(await probe(dynamic)).reason, (await probe(dynamic)).weight], ['value 2: weight 70', 70]);
      writeFileSync(f, 'oops');
      while ((await probe(plain)).reason === 'value 2' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual([(await probe(plain)).ok, (await probe(plain)).reason], [false, 'bad content "oops"']);
    } finally {
      [plain, reverse, dynamic].forEach((c) => c.close());
    }
  });

  test('checks on one file share one watch through the pool; the last one closed closes it', async () => {
    const f = fresh('1');
    const pool = new FileWatchPool();
    const checkers = Array.from({ length: 200 }, () => new FileChecker(spec({ path: f }), pool));
    const results = await Promise.all(checkers.map((c) => c.probe(new AbortController().signal)));
    assert.ok(results.every((r) => r.reason === 'value 1'));
    assert.equal(pool.size, 1);
    // Other options are another watch.
    const other = new FileChecker(spec({ path: f, watch: false }), pool);
    await other.probe(new AbortController().signal);
    assert.equal(pool.size, 2);
    other.close();
    checkers.slice(1).forEach((c) => c.close());
    assert.equal(pool.size, 1);
    checkers[0].close();
    checkers[0].close(); // twice is harmless
    assert.equal(pool.size, 0);
  });

  test('an aborted first probe reports a timeout and leaves nothing behind once closed', async () => {
    const c = new FileChecker(spec({ path: fresh('0') }));
    const ctrl = new AbortController();
    ctrl.abort();
    assert.deepEqual((await c.probe(ctrl.signal)).reason, 'timeout');
    c.close();
  });

  test('no watcher, poll timer or file handle is left behind after 1,000 probes', async () => {
    const files = Array.from({ length: 10 }, (_, i) => fresh(String(i % 3)));
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const counts = {};
    // 900 probes by 900 checkers that are each closed (what a reload does), 100 by one long-lived checker.
    for (let i = 0; i < 900; i++) {
      const c = new FileChecker(spec({ path: files[i % files.length], watch: i % 2 === 0, pollInterval: 1000 }));
      const r = await c.probe(new AbortController().signal);
      counts[r.reason] = (counts[r.reason] ?? 0) + 1;
      c.close();
    }
    const pool = new FileWatchPool();
    const long = new FileChecker(spec({ path: files[1] }), pool);
    for (let i = 0; i < 100; i++) await long.probe(new AbortController().signal);
    long.close();
    assert.equal(pool.size, 0);
    assert.deepEqual(counts, { 'value 0': 360, 'value 1': 270, 'value 2': 270 });
    await new Promise((r) => setImmediate(r));
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    assert.ok(after <= before, `resources before ${before}, after ${after}: ${process.getActiveResourcesInfo()}`);
  });
});
