import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlapWindow } from '../src/flap-window.js';

test('the threshold-th flip within the window is reported once; old flips fall out', () => {
  const w = new FlapWindow(1000, 3);
  assert.equal(w.flip('a', 0), undefined);
  assert.equal(w.flip('a', 100), undefined);
  assert.equal(w.flip('b', 150), undefined);
  assert.equal(w.flip('a', 200), 3);
  assert.equal(w.flip('a', 300), undefined, 'reported once, not at every further flip');
  assert.equal(w.flip('c', 0), undefined);
  assert.equal(w.flip('c', 600), undefined);
  assert.equal(w.flip('c', 1700), undefined, 'the first two flips fell out of the window');
});
