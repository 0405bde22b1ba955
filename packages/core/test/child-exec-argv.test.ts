import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childExecArgv, workerExecArgv } from '../src/daemon/supervisor.js';

test('children get a small young generation unless the operator chose one', () => {
  assert.deepEqual(childExecArgv('vrrp', [], ''), ['--max-semi-space-size=1']);
  assert.deepEqual(childExecArgv('bfd', ['--enable-source-maps'], ''), ['--enable-source-maps', '--max-semi-space-size=1']);
  assert.deepEqual(childExecArgv('check', [], ''), ['--max-semi-space-size=2']);
  assert.deepEqual(childExecArgv('check', ['--max-semi-space-size=8'], ''), ['--max-semi-space-size=8']);
  assert.deepEqual(childExecArgv('vrrp', [], '--max-semi-space-size=4 --trace-gc'), []);
});

test("check workers keep the check child's flags but the small young generation the supervisor added", () => {
  assert.deepEqual(workerExecArgv(['--enable-source-maps', '--max-semi-space-size=2']), ['--enable-source-maps']);
  assert.deepEqual(workerExecArgv(['--max-semi-space-size=8']), ['--max-semi-space-size=8']);
});
