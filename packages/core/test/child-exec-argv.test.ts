import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childExecArgv } from '../src/daemon/supervisor.js';

test('children get a small young generation unless the operator chose one', () => {
  assert.deepEqual(childExecArgv('vrrp', [], ''), ['--max-semi-space-size=1']);
  assert.deepEqual(childExecArgv('bfd', ['--enable-source-maps'], ''), ['--enable-source-maps', '--max-semi-space-size=1']);
  assert.deepEqual(childExecArgv('check', [], ''), ['--max-semi-space-size=2']);
  assert.deepEqual(childExecArgv('check', ['--max-semi-space-size=8'], ''), ['--max-semi-space-size=8']);
  assert.deepEqual(childExecArgv('vrrp', [], '--max-semi-space-size=4 --trace-gc'), []);
});
