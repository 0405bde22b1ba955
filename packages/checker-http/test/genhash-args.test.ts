import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatGenhash, GenhashUsageError, parseGenhashArgs, type GenhashRequest } from '../src/genhash.js';

function req(argv: string[]): GenhashRequest {
  const r = parseGenhashArgs(argv);
  if (r === 'help') throw new Error('unexpected help');
  return r;
}

test('keepalived style: -s -p -u, -S, -V', () => {
  const r = req(['-S', '-s', '203.0.113.7', '-p', '8443', '-u', '/index.html', '-V', 'www.example.com']);
  assert.deepEqual(
    [r.address, r.port, r.tls, r.path, r.virtualhost, r.tlsVerify, r.verbose, r.plain],
    ['203.0.113.7', 8443, true, '/index.html', 'www.example.com', true, false, false],
  );
  const plain = req(['-s', '203.0.113.7', '-u', '/']);
  assert.deepEqual([plain.port, plain.tls], [80, false]);
});

test('a full --url, IPv6, query strings and defaults', () => {
  const r = req(['--url', 'https://[2001:db8::1]/a/b?c=d', '-k', '--verbose', '--plain', '--header', 'X-A: 1', '-t', '2.5']);
  assert.deepEqual([r.address, r.port, r.tls, r.path, r.tlsVerify, r.verbose, r.plain, r.headers, r.timeoutMs], ['2001:db8::1', 443, true, '/a/b?c=d', false, true, true, { 'X-A': '1' }, 2500]);
});

test('usage errors', () => {
  for (const argv of [[], ['-u', '/x'], ['-s', '203.0.113.1', '-p', '0', '-u', '/'], ['--url', 'http://x/', '-s', 'y'], ['-s', 'a', '-u', 'x'], ['--bogus'], ['-H', 'sha1', '--url', 'http://x/'], ['--url', 'http://x/', '--cert', 'c']]) {
    assert.throws(() => parseGenhashArgs(argv), GenhashUsageError, JSON.stringify(argv));
  }
  assert.equal(parseGenhashArgs(['-h']), 'help');
});

test('output: keepalived genhash\'s MD5SUM line, or the bare digest', () => {
  const res = { status: 200, statusText: 'OK', headers: { 'content-type': 'text/plain' }, bodyBytes: 3, digest: 'acbd18db4cc2f85cedef654fccc4a4d8' };
  assert.equal(formatGenhash({ verbose: false, plain: false, path: '/' }, res, 10), 'MD5SUM = acbd18db4cc2f85cedef654fccc4a4d8\n');
  assert.equal(formatGenhash({ verbose: false, plain: true, path: '/' }, res, 10), 'acbd18db4cc2f85cedef654fccc4a4d8\n');
  const v = formatGenhash({ verbose: true, plain: false, path: '/x' }, res, 1234);
  assert.match(v, /^status: 200 OK$/m);
  assert.match(v, /^content-type: text\/plain$/m);
  assert.match(v, /^MD5SUM = acbd18db4cc2f85cedef654fccc4a4d8$/m);
  assert.match(v, /Global response time for \[\/x\] = 1234 usecs/);
});
