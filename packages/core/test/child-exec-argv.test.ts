import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { forkExecArgv, SEMI_SPACE_MIB } from '../src/young-generation.js';

test('forked processes get a small young generation unless NODE_OPTIONS sets one', () => {
  assert.deepEqual(forkExecArgv('vrrp', [], ''), ['--max-semi-space-size=1']);
  assert.deepEqual(forkExecArgv('bfd', ['--enable-source-maps'], ''), ['--enable-source-maps', '--max-semi-space-size=1']);
  assert.deepEqual(forkExecArgv('check', [], ''), ['--max-semi-space-size=2']);
  assert.deepEqual(forkExecArgv('spawner', [], ''), ['--max-semi-space-size=1']);
  // The supervisor's own ceiling (from its launcher) is its own, not its children's.
  assert.deepEqual(forkExecArgv('vrrp', ['--max-semi-space-size=2', '--cpu-prof'], ''), ['--cpu-prof', '--max-semi-space-size=1']);
  assert.deepEqual(forkExecArgv('vrrp', [], '--max-semi-space-size=4 --trace-gc'), []);
});

test("the launcher gives the supervisor its ceiling (V8 reads it only at start)", () => {
  const first = readFileSync(new URL('../../bin/hacore.js', import.meta.url), 'utf8').split('\n')[0];
  assert.equal(first, `#!/usr/bin/env -S node --max-semi-space-size=${SEMI_SPACE_MIB.supervisor}`);
});
