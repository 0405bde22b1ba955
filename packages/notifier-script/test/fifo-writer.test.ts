import assert from 'node:assert/strict';
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FifoWriter } from '../src/fifo-writer.js';

test('lines wait in the pipe for a reader; a full pipe drops and counts, and never blocks', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-fifo-'));
  try {
    const w = new FifoWriter(path.join(dir, 'f'));
    await w.prepare();
    // No reader at all: the first lines are kept in the pipe.
    assert.equal(w.write('INSTANCE "VI_1" MASTER 100'), true);
    const line = 'INSTANCE "VI_1" BACKUP 100'.padEnd(99, '.');
    let n = 0;
    const t0 = performance.now();
    while (w.write(line) && n < 100_000) n++;
    assert.ok(performance.now() - t0 < 2000, 'never blocked');
    assert.ok(n > 100, `${n} lines fitted in the pipe`);
    assert.equal(w.dropped, 1);
    assert.equal(w.lastError, 'EAGAIN');
    // A reader that comes later gets the lines in order, from the first.
    const fd = openSync(w.path, constants.O_RDONLY | constants.O_NONBLOCK);
    const buf = Buffer.alloc(200);
    const got = readSync(fd, buf, 0, 200, null);
    assert.equal(buf.subarray(0, got).toString().split('\n')[0], 'INSTANCE "VI_1" MASTER 100');
    closeSync(fd);
    w.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a FIFO that cannot be created is a clear error', async () => {
  await assert.rejects(new FifoWriter('/nonexistent-dir-hacore/f').prepare(), /notify\.fifo: cannot create the FIFO \/nonexistent-dir-hacore\/f/);
});
