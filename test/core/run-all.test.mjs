// test/run-all.mjs counts skipped tests, and under CI=true a skip fails the run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const runAll = path.resolve(here, '../run-all.mjs');
const fixture = path.join(here, 'fixtures/skip-one.fixture.mjs');

function run(ci) {
  return new Promise((resolve) => {
    // Without NODE_TEST_CONTEXT the inner node --test reports as a top-level run, not to this one.
    const { NODE_TEST_CONTEXT, ...rest } = process.env;
    const env = { ...rest, CI: ci };
    execFile(process.execPath, [runAll, 'integration', '--', fixture], { env }, (err, stdout) => resolve({ code: err ? err.code : 0, stdout }));
  });
}

test('the closing line counts the skipped test; a local run passes', async () => {
  const r = await run('');
  assert.match(r.stdout, /\n1 passed, 0 failed, 1 skipped\n/);
  assert.equal(r.code, 0);
  assert.doesNotMatch(r.stdout, /fail the run/);
});

test('under CI=true the skip fails the run and is listed by name', async () => {
  const r = await run('true');
  assert.match(r.stdout, /\n1 passed, 0 failed, 1 skipped\n/);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /CI=true: 1 skipped test\(s\) fail the run:\n {2}- integration: needs a tool this machine lacks \(no such tool\)/);
});
