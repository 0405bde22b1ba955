import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childExecArgv } from '../src/daemon/supervisor.js';

test('children get a small young generation unless the operator chose one', () => {
  assert.deepEqual(childExecArgv('vrrp', [], ''), ['--max-semi-space-size=1', '--single-threaded-gc']);
  assert.deepEqual(childExecArgv('bfd', ['--enable-source-maps'], ''), ['--enable-source-maps', '--max-semi-space-size=1', '--single-threaded-gc']);
  assert.deepEqual(childExecArgv('check', [], ''), ['--max-semi-space-size=2']);
  assert.deepEqual(childExecArgv('check', ['--max-semi-space-size=8'], ''), ['--max-semi-space-size=8']);
  assert.deepEqual(childExecArgv('vrrp', [], '--max-semi-space-size=4 --trace-gc'), ['--single-threaded-gc']);
});

test('protocol children collect garbage on their main thread alone, unless the operator said otherwise', () => {
  assert.deepEqual(childExecArgv('vrrp', ['--no-single-threaded-gc'], ''), ['--no-single-threaded-gc', '--max-semi-space-size=1']);
  assert.deepEqual(childExecArgv('vrrp', [], '--no-single-threaded-gc'), ['--max-semi-space-size=1']);
  assert.ok(!childExecArgv('check', [], '').includes('--single-threaded-gc'));
});
