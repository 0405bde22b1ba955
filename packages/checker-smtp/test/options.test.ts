import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCheckParser, schema as s } from '@hacore/core';
import { smtpCheckOptions, smtpCrossFieldIssues } from '../src/index.js';

const parse = createCheckParser({ smtp: smtpCheckOptions });
function check(raw: Record<string, unknown>) {
  const ctx: s.ParseContext = { issues: [] };
  const v = parse({ name: 'mx', type: 'smtp', ...raw }, ctx, 'checks[0]');
  return { v, issues: ctx.issues };
}

test('defaults: port 25, no STARTTLS, verification on when it is asked for', () => {
  const { v, issues } = check({ address: '198.51.100.25' });
  assert.deepEqual(issues, []);
  assert.ok(typeof v !== 'symbol');
  assert.deepEqual(v.target, { address: '198.51.100.25', port: 25 });
  assert.equal((v as unknown as { starttls: boolean }).starttls, false);
  assert.equal((v as unknown as { tlsVerify: boolean }).tlsVerify, true);
  assert.equal((v as unknown as { maxReplyBytes: number }).maxReplyBytes, 16384);
});

test('bad values name their path and what was expected', () => {
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{}, 'checks[0].address', /required/],
    [{ address: 'mail.example.test' }, 'checks[0].address', /IP/i],
    [{ address: '198.51.100.25', port: 70000 }, 'checks[0].port', /integer from 1 to 65535/],
    [{ address: '198.51.100.25', heloName: 'two words' }, 'checks[0].heloName', /domain name/],
    [{ address: '198.51.100.25', starttls: 'yes' }, 'checks[0].starttls', /true or false/],
    [{ address: '198.51.100.25', starttls: true, ca: '/nonexistent/ca.pem' }, 'checks[0].ca', /readable file \(ENOENT\)/],
    [{ address: '198.51.100.25', maxReplyBytes: 10 }, 'checks[0].maxReplyBytes', /512/],
    [{ address: '198.51.100.25', helo_name: 'x' }, 'checks[0].helo_name', /known key/],
  ];
  for (const [raw, path, expected] of cases) {
    const { issues } = check(raw);
    const hit = issues.find((i) => i.path === path);
    assert.ok(hit, `${JSON.stringify(raw)}: no issue at ${path} in ${JSON.stringify(issues)}`);
    assert.match(hit.expected, expected);
  }
  assert.equal(check({ address: '198.51.100.25', helo_name: 'x' }).issues[0]?.hint, 'did you mean "heloName"?');
});

test('address literals and names are accepted as heloName', () => {
  for (const heloName of ['lb1.example.test', 'lb1', '[198.51.100.1]', '[IPv6:2001:db8::1]']) assert.deepEqual(check({ address: '198.51.100.25', heloName }).issues, [], heloName);
});

test('TLS options without starttls are refused', () => {
  assert.deepEqual(smtpCrossFieldIssues({ starttls: false, servername: 'mx.example.test', tlsVerify: false }).map((i) => i.path), ['servername', 'tlsVerify']);
  assert.deepEqual(smtpCrossFieldIssues({ starttls: true, servername: 'mx.example.test', tlsVerify: false }), []);
});
