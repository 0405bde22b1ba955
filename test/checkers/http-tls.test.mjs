// The HTTPS checker (keepalived SSL_GET) against real node https servers with
// certificates made here by openssl(1).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { schema as s } from '@hacore/core';
import { HttpChecker, httpCheckOptions } from '@hacore/checker-http';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'hc-https-'));
const servers = [];
after(async () => {
  for (const srv of servers) {
    srv.closeAllConnections?.();
    await new Promise((r) => srv.close(r));
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** A self-signed EC certificate and its key, as PEM file paths. */
function selfSigned(name, cn, san) {
  const key = path.join(tmp, `${name}.key`);
  const cert = path.join(tmp, `${name}.crt`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`];
  if (san) args.push('-addext', `subjectAltName=${san}`);
  execFileSync('openssl', args, { stdio: 'ignore' });
  return { key, cert };
}

let server;
let client;
before(() => {
  server = selfSigned('server', 'localhost', 'DNS:localhost,DNS:www.example.test,IP:127.0.0.1');
  client = selfSigned('client', 'probe-client');
});

async function httpsServer(options, handler) {
  const srv = https.createServer({ key: readFileSync(server.key), cert: readFileSync(server.cert), ...options }, handler);
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  servers.push(srv);
  return srv;
}

function spec(port, options = {}) {
  const r = s.validate(httpCheckOptions, { tls: true, ...options });
  assert.deepEqual(r.issues, []);
  return { name: 'h', type: 'http', target: { address: '127.0.0.1', port }, interval: 1000, timeout: 2000, rise: 1, fall: 1, retryDelay: 100, warmup: 0, alpha: false, ...r.value };
}

async function probe(sp) {
  const c = new HttpChecker(sp);
  try {
    return await c.probe(AbortSignal.timeout(sp.timeout));
  } finally {
    await c.close();
  }
}

describe('HTTPS checker', () => {
  const seen = [];
  let srv;
  test('setup', async () => {
    srv = await httpsServer({}, (req, res) => {
      seen.push({ host: req.headers.host, servername: req.socket.servername, protocol: req.socket.getProtocol(), resumed: req.socket.isSessionReused() });
      res.end('secure ok');
    });
  });

  test('a self-signed certificate is rejected with verification on (the default)', async () => {
    const r = await probe(spec(srv.address().port));
    assert.deepEqual([r.ok, r.reason], [false, 'certificate: DEPTH_ZERO_SELF_SIGNED_CERT']);
  });

  test('accepted with tlsVerify: false (keepalived\'s behaviour)', async () => {
    const r = await probe(spec(srv.address().port, { tlsVerify: false }));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
  });

  test('accepted with the certificate as ca', async () => {
    const r = await probe(spec(srv.address().port, { ca: server.cert }));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
    assert.equal(seen.at(-1).servername, false, 'no SNI for an address');
    assert.equal(seen.at(-1).host, `127.0.0.1:${srv.address().port}`);
  });

  test('every probe of one checker makes a full handshake (no session resumption)', async () => {
    const c = new HttpChecker(spec(srv.address().port, { ca: server.cert, virtualhost: 'www.example.test' }));
    try {
      for (let i = 0; i < 3; i++) assert.equal((await c.probe(AbortSignal.timeout(2000))).ok, true);
    } finally {
      await c.close();
    }
    assert.deepEqual(seen.slice(-3).map((x) => x.resumed), [false, false, false]);
  });

  test('with tlsResumption, the probes after the first resume the session the server gave', async () => {
    const c = new HttpChecker(spec(srv.address().port, { ca: server.cert, virtualhost: 'www.example.test', tlsResumption: true }));
    try {
      for (let i = 0; i < 4; i++) assert.equal((await c.probe(AbortSignal.timeout(2000))).ok, true);
    } finally {
      await c.close();
    }
    // TLS 1.3 sends its ticket after the handshake: the second probe may still be full.
    const resumed = seen.slice(-4).map((x) => x.resumed);
    assert.equal(resumed[0], false);
    assert.deepEqual(resumed.slice(2), [true, true], JSON.stringify(resumed));
  });

  test('virtualhost is the Host header and the SNI name, and the name the certificate must carry', async () => {
    const r = await probe(spec(srv.address().port, { ca: server.cert, virtualhost: 'www.example.test' }));
    assert.deepEqual([r.ok, r.reason], [true, 'status 200']);
    assert.deepEqual([seen.at(-1).servername, seen.at(-1).host], ['www.example.test', 'www.example.test']);
    const wrong = await probe(spec(srv.address().port, { ca: server.cert, virtualhost: 'other.example.test' }));
    assert.deepEqual([wrong.ok, wrong.reason], [false, 'certificate: ERR_TLS_CERT_ALTNAME_INVALID']);
    const unverified = await probe(spec(srv.address().port, { tlsVerify: false, virtualhost: 'other.example.test' }));
    assert.equal(unverified.ok, true);
    assert.equal(seen.at(-1).servername, 'other.example.test');
  });

  test('minVersion: a TLS 1.2-only server fails a TLSv1.3 minimum and passes a TLSv1.2 one', async () => {
    const old = await httpsServer({ maxVersion: 'TLSv1.2' }, (req, res) => res.end(req.socket.getProtocol()));
    const strict = await probe(spec(old.address().port, { tlsVerify: false, minVersion: 'TLSv1.3' }));
    assert.equal(strict.ok, false);
    assert.match(strict.reason, /^tls: ERR_SSL_/);
    const ok = await probe(spec(old.address().port, { tlsVerify: false, minVersion: 'TLSv1.2', urls: [{ path: '/', regex: '^TLSv1\\.2$' }] }));
    assert.deepEqual([ok.ok, ok.reason], [true, 'status 200']);
  });

  test('client certificate: required by the server, presented with cert/key', async () => {
    const peers = [];
    const mtls = await httpsServer({ requestCert: true, rejectUnauthorized: true, ca: readFileSync(client.cert) }, (req, res) => {
      peers.push(req.socket.getPeerCertificate().subject?.CN);
      res.end('hello client');
    });
    const without = await probe(spec(mtls.address().port, { ca: server.cert }));
    assert.equal(without.ok, false);
    assert.match(without.reason, /^(tls: ERR_SSL_|ECONNRESET|closed before response)/);
    const withCert = await probe(spec(mtls.address().port, { ca: server.cert, cert: client.cert, key: client.key }));
    assert.deepEqual([withCert.ok, withCert.reason], [true, 'status 200']);
    assert.deepEqual(peers, ['probe-client']);
  });

  test('HTTP spoken to a TLS port, and TLS to a plain port, fail', async () => {
    const plain = await probe({ ...spec(srv.address().port), tls: false });
    assert.equal(plain.ok, false);
    const http = await import('node:http');
    const h = http.createServer((q, r) => r.end('x'));
    await new Promise((r) => h.listen(0, '127.0.0.1', r));
    servers.push(h);
    const tlsToPlain = await probe(spec(h.address().port, { tlsVerify: false }));
    assert.equal(tlsToPlain.ok, false);
    assert.match(tlsToPlain.reason, /^tls: ERR_SSL_/);
  });
});
