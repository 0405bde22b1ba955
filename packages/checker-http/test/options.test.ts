import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { schema as s } from '@hacore/core';
import { crossFieldIssues, httpCheckOptions } from '../src/options.js';
import type { HttpCheckOptions } from '../src/http-checker.js';

function parse(v: unknown) {
  return s.validate(httpCheckOptions, v, 'checks[0]');
}

test('defaults: one URL /, GET, 1 MiB cap, fresh connections, no TLS', () => {
  const r = parse({});
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value, { urls: [{ path: '/', regexNoMatch: false }], tls: false, method: 'GET', maxBodyBytes: 1_048_576, reuseConnection: false, tlsResumption: false });
});

test('status lists, digests and regexes are normalized', () => {
  const r = parse({ urls: [{ path: '/a?x=1', status: [200, '300-399'], digest: '6F5902AC237024BDD0C176CB93063DC4', regex: 'ok\\s+', regexFlags: 'is' }, { path: '/b', status: 204 }] });
  assert.deepEqual(r.issues, []);
  assert.deepEqual(r.value!.urls[0], {
    path: '/a?x=1',
    status: [{ min: 200, max: 200 }, { min: 300, max: 399 }],
    digest: '6f5902ac237024bdd0c176cb93063dc4',
    regex: 'ok\\s+',
    regexFlags: 'is',
    regexNoMatch: false,
  });
  assert.deepEqual(r.value!.urls[1]!.status, [{ min: 204, max: 204 }]);
  // keepalived's status_code syntax in one string, and one range alone.
  const k = parse({ urls: [{ path: '/', status: '200-299 400 - 404, 503' }, { path: '/', status: '300-399' }] });
  assert.deepEqual(k.issues, []);
  assert.deepEqual(k.value!.urls[0]!.status, [{ min: 200, max: 299 }, { min: 400, max: 404 }, { min: 503, max: 503 }]);
  assert.deepEqual(k.value!.urls[1]!.status, [{ min: 300, max: 399 }]);
  assert.equal(parse({ urls: [{ path: '/', status: '200 700' }] }).issues[0]?.path, 'checks[0].urls[0].status[0]');
});

test('bad values name their path', () => {
  const r = parse({ urls: [{ path: 'health', status: ['400-300'], digest: 'abc', regex: '(', regexFlags: 'g' }], method: 'GOT', connectTimeout: 'soon', maxBodyBytes: 0 });
  const paths = r.issues.map((i) => i.path).sort();
  assert.deepEqual(paths, [
    'checks[0].connectTimeout',
    'checks[0].maxBodyBytes',
    'checks[0].method',
    'checks[0].urls[0].digest',
    'checks[0].urls[0].path',
    'checks[0].urls[0].regex',
    'checks[0].urls[0].regexFlags',
    'checks[0].urls[0].status[0]',
  ]);
  assert.match(r.issues.find((i) => i.path === 'checks[0].method')!.hint ?? '', /GET/);
});

test('PEM files must be readable at validation time', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hc-http-opt-'));
  const ca = path.join(dir, 'ca.pem');
  writeFileSync(ca, 'x');
  const ok = parse({ tls: true, ca });
  assert.deepEqual(ok.issues, []);
  const bad = parse({ tls: true, ca: path.join(dir, 'missing.pem') });
  assert.equal(bad.issues.length, 1);
  assert.equal(bad.issues[0]!.path, 'checks[0].ca');
  assert.match(bad.issues[0]!.expected, /ENOENT/);
});

test('cross-field rules', () => {
  const base = parse({}).value as unknown as HttpCheckOptions;
  assert.deepEqual(crossFieldIssues({ ...base, target: { address: '203.0.113.1' } } as never), []);
  const paths = (o: Partial<HttpCheckOptions> & { target?: { address: string } }) => crossFieldIssues({ ...base, ...o } as never).map((i) => i.path);
  assert.deepEqual(paths({ target: { address: '' } }), ['address']);
  assert.deepEqual(paths({ tls: true, cert: '/c' }), ['key']);
  assert.deepEqual(paths({ tls: true, key: '/k' }), ['cert']);
  assert.deepEqual(paths({ ca: '/ca', tlsVerify: false }), ['tlsVerify', 'ca']);
  assert.deepEqual(paths({ headers: { Connection: 'keep-alive', 'X-Ok': '1' } }), ['headers.Connection']);
  assert.deepEqual(paths({ urls: [{ path: '/', regexNoMatch: false, regexFlags: 'i' }] }), ['urls[0].regexFlags']);
  // Valid without the u flag, invalid with it.
  assert.deepEqual(paths({ urls: [{ path: '/', regexNoMatch: false, regex: '\\-', regexFlags: 'u' }] }), ['urls[0].regex']);
});
