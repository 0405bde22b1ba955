import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_STATUS, formatStatus, parseStatusEntry, statusMatches } from '../src/status-codes.js';

test('status entries: codes, ranges, and what is refused', () => {
  assert.deepEqual(parseStatusEntry(200), { min: 200, max: 200 });
  assert.deepEqual(parseStatusEntry('204'), { min: 204, max: 204 });
  assert.deepEqual(parseStatusEntry('300-399'), { min: 300, max: 399 });
  assert.deepEqual(parseStatusEntry(' 500 - 503 '), { min: 500, max: 503 });
  for (const bad of [99, 600, 200.5, '99', '400-300', '2xx', '200-', '-200', '100-600', '']) {
    assert.equal(parseStatusEntry(bad), undefined, `accepted ${JSON.stringify(bad)}`);
  }
});

test('matching: the default is keepalived\'s 200-299', () => {
  assert.equal(statusMatches(DEFAULT_STATUS, 200), true);
  assert.equal(statusMatches(DEFAULT_STATUS, 299), true);
  assert.equal(statusMatches(DEFAULT_STATUS, 199), false);
  assert.equal(statusMatches(DEFAULT_STATUS, 301), false);
  const r = [parseStatusEntry(200)!, parseStatusEntry('300-302')!];
  assert.deepEqual([200, 201, 300, 302, 303].map((c) => statusMatches(r, c)), [true, false, true, true, false]);
  assert.equal(formatStatus(r), '200, 300-302');
});
