import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { showAsWritten } from '../src/config/load.js';
import * as s from '../src/config/schema.js';
import { Hacore } from '../src/daemon/hacore.js';
import { ConfigError, type ConfigIssue } from '../src/errors.js';
import { TempDir } from './fixtures.js';

const tmp = new TempDir();
after(() => tmp.remove());

async function refused(name: string, text: string): Promise<ConfigError> {
  const file = tmp.write(name, text);
  const err = await Hacore.load({ configFile: file, role: 'single' }).then(() => assert.fail('config accepted'), (e: unknown) => e);
  assert.ok(err instanceof ConfigError, String(err));
  return err;
}

describe('a number or boolean where a string must be', () => {
  test('the schema says YAML read it so, and to quote it', () => {
    for (const v of [1234, 2.1, true]) {
      const r = s.validate(s.string({ minLength: 1 }), v, 'auth.pass');
      assert.equal(r.value, undefined);
      assert.equal(r.issues.length, 1);
      assert.equal(r.issues[0]!.unquoted, true);
      assert.match(r.issues[0]!.hint ?? '', new RegExp(`a ${typeof v}, not a string; in YAML, quote it: "${String(v)}"`));
    }
    // A string that fails the pattern is the usual error, without the hint.
    const plain = s.validate(s.string({ pattern: /^a/ }), 'b', 'x');
    assert.equal(plain.issues[0]!.unquoted, undefined);
    assert.equal(plain.issues[0]!.hint, undefined);
  });

  test('the error shows the value as written in the YAML, with the quoted form to use', async () => {
    const err = await refused('v.yaml', 'pidFile: 2.10\nstateDir: 0755\ncontrolSocket: 12345678901234567890123456789012\nchecks: []\n');
    const by = (p: string): ConfigIssue => err.issues.find((i) => i.path === p) ?? assert.fail(`no ${p}: ${err.message}`);
    assert.equal(by('pidFile').found, '2.10 (read as the number 2.1)');
    assert.equal(by('pidFile').hint, 'quote it to keep it a string: "2.10"');
    assert.equal(by('pidFile').line, 1);
    assert.equal(by('stateDir').found, '0755 (read as the number 755)');
    assert.equal(by('stateDir').hint, 'quote it to keep it a string: "0755"');
    assert.match(by('controlSocket').found, /^12345678901234567890123456789012 \(read as the number 1\.23456789\d*e\+31\)$/);
    assert.match(err.message, /v\.yaml:1: pidFile: expected a non-empty string, found 2\.10 \(read as the number 2\.1\) \(quote it to keep it a string: "2\.10"\)/);
  });

  test('a value that reads back unchanged says it is not a string; JSON too', async () => {
    const y = await refused('b.yaml', 'pidFile: true\nstateDir: 1234\nchecks: []\n');
    assert.equal(y.issues.find((i) => i.path === 'pidFile')?.found, 'true (a boolean, not a string)');
    assert.equal(y.issues.find((i) => i.path === 'stateDir')?.found, '1234 (a number, not a string)');
    const j = await refused('c.json', '{\n  "checks": [],\n  "pidFile": 1.50\n}\n');
    const issue = j.issues.find((i) => i.path === 'pidFile');
    assert.equal(issue?.found, '1.50 (read as the number 1.5)');
    assert.equal(issue?.line, 3);
  });

  test('showAsWritten leaves a quoted or empty source alone', () => {
    const issue = (): ConfigIssue => ({ path: 'x', expected: 'a string', found: '1 (number)', hint: 'h', unquoted: true });
    for (const src of ['"1"', "'1'", '  ']) {
      const i = issue();
      showAsWritten(i, src, 1);
      assert.deepEqual(i, issue(), src);
    }
  });
});
