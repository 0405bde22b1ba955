import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Hacore } from '../src/daemon/hacore.js';
import { ConfigError, HacoreError } from '../src/errors.js';
import { TempDir, probePluginSource } from './fixtures.js';

const tmp = new TempDir();
before(() => tmp.write('probe-plugin.mjs', probePluginSource()));
after(() => tmp.remove());

const HEAD = `plugins: [./probe-plugin.mjs]\ncontrolSocket: ${tmp.path('ctl.sock')}\npidFile: ${tmp.path('pid')}\n`;

interface Case {
  name: string;
  yaml: string;
  path: string;
  expected: RegExp;
  line?: number;
  hint?: RegExp;
}

const good = `demo: { mode: fast }\nchecks:\n  - name: a\n    type: probe\n    address: 198.51.100.1\n`;

const cases: Case[] = [
  { name: 'wrong type', yaml: `${good}    rise: two\n`, path: 'checks[0].rise', expected: /an integer from 1 to 100/, line: 9 },
  { name: 'unknown key with a suggestion', yaml: `${good}    timout: 2s\n`, path: 'checks[0].timout', expected: /a known key/, hint: /did you mean "timeout"/, line: 9 },
  { name: 'bad duration', yaml: `${good}    interval: fast\n`, path: 'checks[0].interval', expected: /a duration such as 150ms/, line: 9 },
  { name: 'duration below its minimum', yaml: `${good}    interval: 1ms\n`, path: 'checks[0].interval', expected: /at least 10ms/, line: 9 },
  { name: 'missing required field', yaml: `demo: { mode: fast }\nchecks:\n  - type: probe\n    address: 198.51.100.1\n`, path: 'checks[0].name', expected: /required/, line: 6 },
  { name: 'bad address', yaml: `demo: { mode: fast }\nchecks:\n  - name: a\n    type: probe\n    address: 198.51.100.300\n`, path: 'checks[0].address', expected: /an IPv4 or IPv6 address/, line: 8 },
  { name: 'duplicate check names', yaml: `${good}  - name: a\n    type: probe\n    address: 198.51.100.2\n`, path: 'checks[1].name', expected: /not used by another check/, line: 9 },
  { name: 'unknown check type', yaml: `demo: { mode: fast }\nchecks:\n  - name: a\n    type: prob\n    address: 198.51.100.1\n`, path: 'checks[0].type', expected: /a checker type provided by a loaded plugin/, hint: /did you mean "probe"/, line: 7 },
  { name: 'unknown section', yaml: `${good}chekcs: []\n`, path: 'chekcs', expected: /a known section/, hint: /did you mean "checks"/, line: 9 },
  { name: 'port out of range', yaml: `${good}    port: 70000\n`, path: 'checks[0].port', expected: /from 1 to 65535/, line: 9 },
  { name: 'bad enum in core settings', yaml: `logLevel: verbose\n${good}`, path: 'logLevel', expected: /one of "trace"/, line: 4 },
  { name: "bad enum in a plugin's section", yaml: `demo: { mode: quick }\nchecks: []\n`, path: 'demo.mode', expected: /one of "fast", "safe"/, line: 4 },
  { name: 'missing required section field', yaml: `demo: { limit: 3 }\n`, path: 'demo.mode', expected: /required/, line: 4 },
  { name: 'checks not a list', yaml: `demo: { mode: fast }\nchecks: { a: 1 }\n`, path: 'checks', expected: /a list of checks/, line: 5 },
  { name: 'wrong boolean', yaml: `${good}    outcome: "yes"\n`, path: 'checks[0].outcome', expected: /true or false/, line: 9 },
];

describe('bad configs are refused with file, path, line and reason, and start nothing', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const file = tmp.write(`bad-${c.name.replace(/\W+/g, '-')}.yaml`, HEAD + c.yaml);
      (globalThis as { __hacoreTestStarted?: number }).__hacoreTestStarted = 0;
      const err = await Hacore.load({ configFile: file, role: 'single' }).then(
        () => assert.fail('config accepted'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError, String(err));
      assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
      assert.equal(err.file, file);
      const issue = err.issues.find((i) => i.path === c.path);
      assert.ok(issue, `no issue at ${c.path}: ${err.message}`);
      assert.match(issue.expected, c.expected);
      if (c.hint) assert.match(issue.hint ?? '', c.hint);
      if (c.line !== undefined) assert.equal(issue.line, c.line, err.message);
      assert.match(err.message, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+: ${c.path.replace(/[.[\]]/g, '\\$&')}: expected`));
      assert.equal((globalThis as { __hacoreTestStarted?: number }).__hacoreTestStarted, 0);
      assert.equal(existsSync(tmp.path('ctl.sock')), false);
    });
  }

  test('a YAML syntax error is a parse error naming the file', async () => {
    const file = tmp.write('syntax.yaml', `${HEAD}checks: [\n`);
    await assert.rejects(Hacore.load({ configFile: file }), (e: unknown) => e instanceof HacoreError && e.code === 'HACORE_ERR_CONFIG_PARSE' && e.message.includes(file));
  });

  test('a missing file is reported as such', async () => {
    await assert.rejects(Hacore.load({ configFile: tmp.path('nope.yaml') }), (e: unknown) => e instanceof HacoreError && e.code === 'HACORE_ERR_CONFIG_NOT_FOUND');
  });

  test('JSON configs get line numbers too', async () => {
    const file = tmp.write('bad.json', JSON.stringify({ plugins: ['./probe-plugin.mjs'], demo: { mode: 'fast' }, checks: [{ name: 'a', type: 'probe', address: 'x' }] }, null, 2));
    const err = (await Hacore.load({ configFile: file }).catch((e: unknown) => e)) as ConfigError;
    assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
    assert.equal(err.issues[0]?.path, 'checks[0].address');
    assert.equal(err.issues[0]?.line, 12);
  });

  test('every problem of a file is reported at once', async () => {
    const file = tmp.write('many.yaml', `${HEAD}demo: { mode: x }\nchecks:\n  - name: a\n    type: probe\n    address: nope\n    rise: 0\n`);
    const err = (await Hacore.load({ configFile: file }).catch((e: unknown) => e)) as ConfigError;
    assert.deepEqual(err.issues.map((i) => i.path).sort(), ['checks[0].address', 'checks[0].rise', 'demo.mode']);
  });

  test('a good config loads and normalizes durations and defaults', async () => {
    const file = tmp.write('good.yaml', `${HEAD}${good}    interval: 1.5s\n    timeout: 150ms\n`);
    const core = await Hacore.load({ configFile: file });
    const c = core.config.checks[0]!;
    assert.equal(c.interval, 1500);
    assert.equal(c.timeout, 150);
    assert.equal(c.rise, 1);
    assert.equal(c.retryDelay, 1000);
    assert.deepEqual(c.target, { address: '198.51.100.1' });
    assert.deepEqual(core.config.demo, { mode: 'fast', limit: 10 });
  });
});
