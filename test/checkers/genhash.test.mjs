// hacore-genhash against real servers: its digest must equal md5sum(1) of the
// served bytes, and keepalived's own genhash where it is installed.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = path.join(root, 'node_modules/.bin/hacore-genhash');
const hacore = path.join(root, 'node_modules/.bin/hacore');
const execFileP = promisify(execFile);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hc-genhash-'));
const servers = [];
after(async () => {
  for (const srv of servers) {
    srv.closeAllConnections?.();
    await new Promise((r) => srv.close(r));
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** Runs a command; resolves with exit code and output whatever the code. */
async function run(cmd, args) {
  try {
    const { stdout, stderr } = await execFileP(cmd, args, { timeout: 15000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (typeof err.code !== 'number') throw err;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

function md5sumFile(file) {
  return execFileSync('md5sum', [file], { encoding: 'utf8' }).split(/\s+/)[0];
}

async function listen(srv) {
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  servers.push(srv);
  return srv.address().port;
}

const bodyFile = path.join(tmp, 'index.bin');
const hosts = [];
let port;
let expected;
before(async () => {
  writeFileSync(bodyFile, randomBytes(150_000));
  expected = md5sumFile(bodyFile);
  port = await listen(
    http.createServer((req, res) => {
      hosts.push(req.headers.host);
      if (req.url === '/index.bin') return res.writeHead(200, { 'content-length': readFileSync(bodyFile).length }).end(readFileSync(bodyFile));
      res.writeHead(404).end('not here');
    }),
  );
});

describe('hacore-genhash', () => {
  test('--url prints "MD5SUM = <hex>" equal to md5sum of the served file', async () => {
    const r = await run(bin, ['--url', `http://127.0.0.1:${port}/index.bin`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `MD5SUM = ${expected}\n`);
  });

  test('keepalived-style -s -p -u -V, and --plain prints the bare digest', async () => {
    const r = await run(bin, ['-s', '127.0.0.1', '-p', String(port), '-u', '/index.bin', '-V', 'www.example.test', '--plain']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${expected}\n`);
    assert.equal(hosts.at(-1), 'www.example.test');
  });

  test('--verbose prints the status and headers before the digest', async () => {
    const r = await run(bin, ['--url', `http://127.0.0.1:${port}/index.bin`, '--verbose']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^status: 200 OK$/m);
    assert.match(r.stdout, /^content-length: 150000$/im);
    assert.match(r.stdout, new RegExp(`^MD5SUM = ${expected}$`, 'm'));
  });

  test('through the core CLI: hacore genhash forwards to hacore-genhash', async () => {
    const r = await run(hacore, ['genhash', '--url', `http://127.0.0.1:${port}/index.bin`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `MD5SUM = ${expected}\n`);
  });

  test('a non-2xx answer still prints its digest, with a warning', async () => {
    const r = await run(bin, ['--url', `http://127.0.0.1:${port}/missing`]);
    assert.equal(r.code, 0);
    const nf = path.join(tmp, 'nf');
    writeFileSync(nf, 'not here');
    assert.equal(r.stdout, `MD5SUM = ${md5sumFile(nf)}\n`);
    assert.match(r.stderr, /WARNING - status 404/);
  });

  test('errors: refused is exit 1 with the reason, bad usage is exit 2', async () => {
    const closed = net.createServer();
    const p = await listen(closed);
    await new Promise((r) => closed.close(r));
    servers.pop();
    const refused = await run(bin, ['--url', `http://127.0.0.1:${p}/`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /ECONNREFUSED/);
    const usage = await run(bin, ['-u', '/only-a-path']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Usage: hacore-genhash/);
  });

  test('a body shorter than its Content-Length is an error, not a digest', async () => {
    const raw = net.createServer((c) => {
      c.on('error', () => {});
      c.once('data', () => c.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    });
    const p = await listen(raw);
    const r = await run(bin, ['-s', '127.0.0.1', '-p', String(p), '-u', '/']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /body truncated/);
  });

  test('-S (TLS): refused on a self-signed certificate unless -k or --ca', async () => {
    const key = path.join(tmp, 's.key');
    const cert = path.join(tmp, 's.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:www.example.test'], { stdio: 'ignore' });
    const tp = await listen(https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => res.end(readFileSync(bodyFile))));
    const strict = await run(bin, ['-S', '-s', '127.0.0.1', '-p', String(tp), '-u', '/index.bin']);
    assert.equal(strict.code, 1);
    assert.match(strict.stderr, /certificate: DEPTH_ZERO_SELF_SIGNED_CERT.*-k/);
    const insecure = await run(bin, ['-S', '-k', '-s', '127.0.0.1', '-p', String(tp), '-u', '/index.bin']);
    assert.equal(insecure.stdout, `MD5SUM = ${expected}\n`);
    const withCa = await run(bin, ['--url', `https://127.0.0.1:${tp}/index.bin`, '--ca', cert, '-V', 'www.example.test']);
    assert.equal(withCa.stdout, `MD5SUM = ${expected}\n`, withCa.stderr);
  });
});

// keepalived's genhash (Debian package keepalived) as a real peer: same digest
// for a Content-Length body, a close-delimited body, and a body followed by
// bytes past its Content-Length (keepalived caps at Content-Length).
const keepalivedGenhash = ['/usr/bin/genhash', '/usr/sbin/genhash'].find((f) => existsSync(f));
describe('hacore-genhash and keepalived genhash agree', { skip: keepalivedGenhash ? false : 'keepalived genhash is not installed' }, () => {
  const cases = {
    'content-length': 'HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhello world',
    'close-delimited': 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nno length, the close ends it',
    'past content-length': 'HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhelloEXTRA BYTES',
  };
  test('TLS: keepalived accepts a self-signed certificate unverified; hacore-genhash -k gives the same digest', async () => {
    const key = path.join(tmp, 'k.key');
    const cert = path.join(tmp, 'k.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const tp = await listen(https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => res.end(readFileSync(bodyFile))));
    const theirs = await run(keepalivedGenhash, ['-S', '-s', '127.0.0.1', '-p', String(tp), '-u', '/']);
    assert.equal(theirs.code, 0, theirs.stderr);
    assert.match(theirs.stdout, new RegExp(expected));
    const ours = await run(bin, ['-S', '-k', '-s', '127.0.0.1', '-p', String(tp), '-u', '/', '--plain']);
    assert.equal(ours.stdout, `${expected}\n`);
  });

  for (const [name, answer] of Object.entries(cases)) {
    test(name, async () => {
      const raw = net.createServer((c) => {
        c.on('error', () => {});
        c.once('data', () => c.end(answer));
      });
      const p = await listen(raw);
      const theirs = await run(keepalivedGenhash, ['-s', '127.0.0.1', '-p', String(p), '-u', '/']);
      const ours = await run(bin, ['-s', '127.0.0.1', '-p', String(p), '-u', '/', '--plain']);
      assert.equal(theirs.code, 0, theirs.stderr);
      // Current keepalived prints the bare digest; the old standalone genhash printed "MD5SUM = <hex>".
      const digest = /([0-9a-f]{32})\s*$/.exec(theirs.stdout)?.[1];
      assert.ok(digest, `keepalived genhash printed ${JSON.stringify(theirs.stdout)}`);
      assert.equal(ours.stdout, `${digest}\n`, ours.stderr);
    });
  }
});
