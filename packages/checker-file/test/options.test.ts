import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCheckParser, schema as s } from '@hacore/core';
import { fileCheckOptions, fileCrossFieldIssues } from '../src/index.js';

const parse = createCheckParser({ file: fileCheckOptions });
function check(raw: Record<string, unknown>) {
  const ctx: s.ParseContext = { issues: [] };
  const v = parse({ name: 'maint', type: 'file', ...raw }, ctx, 'checks[0]');
  return { v, issues: ctx.issues };
}

test('defaults: up/down mode, watched, polled every second, 50 ms settle', () => {
  const { v, issues } = check({ path: '/etc/hacore/maintenance' });
  assert.deepEqual(issues, []);
  assert.ok(typeof v !== 'symbol');
  const o = v as unknown as Record<string, unknown>;
  assert.deepEqual([o.path, o.dynamic, o.reverse, o.watch, o.pollInterval, o.settle, o.multiplier], ['/etc/hacore/maintenance', false, false, true, 1000, 50, undefined]);
  assert.deepEqual(check({ path: '/x', initFile: {} }).v && (check({ path: '/x', initFile: {} }).v as unknown as { initFile: unknown }).initFile, { value: 0, overwrite: false });
});

test('bad values name their path and what was expected', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{}, 'checks[0].path', /required/],
    [{ path: 'relative/file' }, 'checks[0].path', /absolute path/],
    [{ path: '/etc/dir/' }, 'checks[0].path', /absolute path of a file/],
    [{ path: '/x', dynamic: 1 }, 'checks[0].dynamic', /true or false/],
    [{ path: '/x', dynamic: true, multiplier: 2 ** 31 }, 'checks[0].multiplier', /2147483647/],
    [{ path: '/x', pollInterval: '5ms' }, 'checks[0].pollInterval', /duration/],
    [{ path: '/x', settle: '10s' }, 'checks[0].settle', /duration/],
    [{ path: '/x', initFile: { value: 'one' } }, 'checks[0].initFile.value', /integer/],
    [{ path: '/x', weigth: 3 }, 'checks[0].weigth', /known key/],
  ];
  for (const [raw, path, expected] of cases) {
    const { issues } = check(raw);
    const hit = issues.find((i) => i.path === path);
    assert.ok(hit, `${JSON.stringify(raw)}: no issue at ${path} in ${JSON.stringify(issues)}`);
    assert.match(hit.expected, expected);
  }
});

test('multiplier only with dynamic, and never 0 there', () => {
  assert.deepEqual(fileCrossFieldIssues({ dynamic: false, multiplier: 5 }).map((i) => i.path), ['multiplier']);
  assert.match(fileCrossFieldIssues({ dynamic: true, multiplier: 0 })[0]!.expected, /non-zero/);
  assert.deepEqual(fileCrossFieldIssues({ dynamic: true, multiplier: -3 }), []);
});
