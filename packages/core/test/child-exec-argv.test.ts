import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forkExecArgv } from '../src/young-generation.js';

test('forked processes get a small young generation unless NODE_OPTIONS sets one', () => {
  assert.deepEqual(forkExecArgv('vrrp', [], ''), ['--max-semi-space-size=1', '--single-threaded-gc']);
  assert.deepEqual(forkExecArgv('bfd', ['--enable-source-maps'], ''), ['--enable-source-maps', '--max-semi-space-size=1', '--single-threaded-gc']);
  assert.deepEqual(forkExecArgv('check', [], ''), ['--max-semi-space-size=2']);
  assert.deepEqual(forkExecArgv('spawner', [], ''), ['--max-semi-space-size=1', '--single-threaded-gc']);
  // The supervisor's own ceiling (from its launcher) is its own, not its children's.
  assert.deepEqual(forkExecArgv('check', ['--max-semi-space-size=2', '--cpu-prof'], ''), ['--cpu-prof', '--max-semi-space-size=2']);
  assert.deepEqual(forkExecArgv('vrrp', [], '--max-semi-space-size=4 --trace-gc'), ['--single-threaded-gc']);
});

test('protocol children collect garbage on their main thread alone, unless the operator said otherwise', () => {
  assert.deepEqual(forkExecArgv('vrrp', ['--no-single-threaded-gc'], ''), ['--no-single-threaded-gc', '--max-semi-space-size=1']);
  assert.deepEqual(forkExecArgv('vrrp', [], '--no-single-threaded-gc'), ['--max-semi-space-size=1']);
  assert.ok(!forkExecArgv('check', [], '').includes('--single-threaded-gc'));
});


test("check workers keep the check child's flags but the small young generation", () => {
  assert.deepEqual(forkExecArgv('check-worker', ['--enable-source-maps', '--max-semi-space-size=2'], ''), ['--enable-source-maps']);
});
