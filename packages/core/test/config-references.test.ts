import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitPath } from '../src/config/load.js';
import { unknownNameIssue } from '../src/config/references.js';
import { joinPath } from '../src/config/schema.js';

test('unknownNameIssue: nothing for a known name or the wildcard; else the names there are and a near miss', () => {
  assert.equal(unknownNameIssue('a.b', 'web', ['web', 'db'], 'the name of a check'), undefined);
  assert.equal(unknownNameIssue('a.b', '*', ['web'], 'the name of a check', '*'), undefined);
  assert.deepEqual(unknownNameIssue('a.b', '*', ['web'], 'the name of a check'), { path: 'a.b', expected: 'the name of a check (web)', found: '"*"' }, 'no wildcard unless given');
  assert.deepEqual(unknownNameIssue('x', 'wbe', ['web', 'db'], 'the name of a check', '*'), {
    path: 'x',
    expected: 'the name of a check (web, db) or "*"',
    found: '"wbe"',
    hint: 'did you mean "web"?',
  });
  assert.deepEqual(unknownNameIssue('x', 'zzz', [], 'the name of a check'), { path: 'x', expected: 'the name of a check (none defined)', found: '"zzz"' });
});

test('a key that would not read back as one path part is quoted, and splitPath reads it back', () => {
  assert.equal(joinPath('notify.checks', 'web'), 'notify.checks.web');
  assert.equal(joinPath('', 'checks'), 'checks');
  assert.equal(joinPath('checks', 3), 'checks[3]');
  const odd = ['198.51.100.10:80/tcp', 'a.b', 'x[0]', 'say "hi"', '[2001:db8::1]:80'];
  for (const key of odd) {
    const p = joinPath(joinPath('notify.virtualServers', key), 'realServers');
    assert.equal(p, `notify.virtualServers[${JSON.stringify(key)}].realServers`);
    assert.deepEqual(splitPath(p), ['notify', 'virtualServers', key, 'realServers'], p);
  }
  assert.deepEqual(splitPath('vrrp.instances[0].track.checks[2]'), ['vrrp', 'instances', 0, 'track', 'checks', 2]);
});
