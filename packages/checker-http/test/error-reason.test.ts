import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorReason } from '../src/error-reason.js';

function err(code: string | undefined, name = 'Error', message = 'x'): Error {
  const e = new Error(message) as Error & { code?: string };
  e.name = name;
  if (code !== undefined) e.code = code;
  return e;
}

test('system errors keep their code', () => {
  assert.equal(errorReason(err('ECONNREFUSED'), 'request', false), 'ECONNREFUSED');
  assert.equal(errorReason(err('ECONNRESET'), 'body', false), 'ECONNRESET');
  assert.equal(errorReason(err('EHOSTUNREACH'), 'request', false), 'EHOSTUNREACH');
});

test('anything after the signal fired is a timeout', () => {
  assert.equal(errorReason(err('ECONNRESET'), 'body', true), 'timeout');
  assert.equal(errorReason(err(undefined, 'TimeoutError'), 'request', false), 'timeout');
});

test('undici codes and certificate errors', () => {
  assert.equal(errorReason(err('UND_ERR_CONNECT_TIMEOUT'), 'request', false), 'connect timeout');
  assert.equal(errorReason(err('UND_ERR_SOCKET'), 'request', false), 'closed before response');
  assert.equal(errorReason(err('UND_ERR_SOCKET'), 'body', false), 'body truncated');
  assert.equal(errorReason(err(undefined, 'HTTPParserError'), 'request', false), 'invalid HTTP response');
  assert.equal(errorReason(err('DEPTH_ZERO_SELF_SIGNED_CERT'), 'request', false), 'certificate: DEPTH_ZERO_SELF_SIGNED_CERT');
  assert.equal(errorReason(err('ERR_TLS_CERT_ALTNAME_INVALID'), 'request', false), 'certificate: ERR_TLS_CERT_ALTNAME_INVALID');
  assert.equal(errorReason(err('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'), 'request', false), 'tls: ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
});

test('a cause carries the code when the error has none', () => {
  const e = new Error('fetch failed', { cause: err('ECONNREFUSED') });
  assert.equal(errorReason(e, 'request', false), 'ECONNREFUSED');
  assert.equal(errorReason(new Error('odd'), 'request', false), 'odd');
});
