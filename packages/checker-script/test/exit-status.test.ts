import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verdictOf } from '../src/exit-status.js';

test('plain: 0 is up, anything else down', () => {
  assert.deepEqual(verdictOf(0, null, false), { ok: true, reason: 'exit 0' });
  assert.deepEqual(verdictOf(1, null, false), { ok: false, reason: 'exit 1' });
  assert.deepEqual(verdictOf(7, null, false), { ok: false, reason: 'exit 7' });
  assert.deepEqual(verdictOf(null, 'SIGSEGV', false), { ok: false, reason: 'signal SIGSEGV' });
});

test('dynamic (misc_dynamic): 0 up unchanged, 1 down, 2..255 up with weight code-2', () => {
  assert.deepEqual(verdictOf(0, null, true), { ok: true, reason: 'exit 0' });
  assert.deepEqual(verdictOf(1, null, true), { ok: false, reason: 'exit 1' });
  assert.deepEqual(verdictOf(2, null, true), { ok: true, reason: 'exit 2', weight: 0 });
  assert.deepEqual(verdictOf(12, null, true), { ok: true, reason: 'exit 12', weight: 10 });
  assert.deepEqual(verdictOf(255, null, true), { ok: true, reason: 'exit 255', weight: 253 });
  assert.deepEqual(verdictOf(null, 'SIGKILL', true), { ok: false, reason: 'signal SIGKILL' });
});
