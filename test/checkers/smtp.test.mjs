// The SMTP checker against a real MTA (Debian's exim4, started by the test with
// a config it writes, inside a network namespace) and, for the leak test and
// the odd servers an MTA will not play, small real servers on loopback.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { SmtpChecker } from '@hacore/checker-smtp';
import { makeCerts, startExim } from '../lib/exim-lab.mjs';
import { Lab } from '../lib/lab.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MX = '198.51.100.25';

function spec(over) {
  return { name: 'mx', type: 'smtp', target: { address: '127.0.0.1', port: 25 }, interval: 1000, timeout: 1000, rise: 1, fall: 1, retryDelay: 100, warmup: 0, alpha: false, heloName: 'lb1.example.test', starttls: false, tlsVerify: true, maxReplyBytes: 16384, ...over };
}

// Runs in the client namespace: probes each spec once with a fresh checker and
// reports the results and the file descriptors left open.
const PROBER = `
import { readdirSync } from 'node:fs';
import { SmtpChecker } from '@hacore/checker-smtp';
const specs = JSON.parse(process.argv[1]);
const fds = () => readdirSync('/proc/self/fd').length;
const before = fds();
const results = [];
for (const s of specs) {
  const t0 = performance.now();
  const r = await new SmtpChecker(s).probe(AbortSignal.timeout(s.timeout));
  results.push({ ok: r.ok, reason: r.reason, ms: Math.round(performance.now() - t0) });
}
await new Promise((r) => setTimeout(r, 20));
process.stdout.write(JSON.stringify({ results, left: fds() - before }) + '\\n');
`;

describe('SMTP checker against exim in a network namespace', { skip: false }, () => {
  let lab;
  let dir;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-smtp-'));
    lab = await Lab.create('hcsmt', ['mx', 'cli'], { addresses: { mx: [`${MX}/24`], cli: ['198.51.100.20/24'] } });
    await startExim(lab, 'mx', dir, MX);
    await lab.exec('mx', 'sh', ['-c', "nft add table inet hcs && nft 'add chain inet hcs in { type filter hook input priority 0; }' && nft add rule inet hcs in tcp dport 32 drop"]);
  });
  after(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const probe = async (specs) => JSON.parse(await lab.exec('cli', process.execPath, ['--input-type=module', '-e', PROBER, JSON.stringify(specs)], { cwd: root }));
  const at = (port, over = {}) => spec({ target: { address: MX, port }, ...over });

  test('plain: multi-line greeting, EHLO, QUIT; HELO when EHLO is refused; 554 and 421 greetings; closed port', async () => {
    const out = await probe([at(25), at(28), at(26), at(27), at(24)]);
    assert.deepEqual(out.results.map((r) => [r.ok, r.reason]), [
      [true, 'ok ehlo'],
      [true, 'ok helo'],
      [false, 'greeting 554'],
      [false, 'greeting 421'],
      [false, 'ECONNREFUSED'],
    ]);
    assert.equal(out.left, 0);
  });

  test('STARTTLS: verified against the CA and the name; the wrong CA, the wrong name, no STARTTLS offered each fail at starttls', async () => {
    const tlsOpts = { starttls: true, ca: path.join(dir, 'ca.pem') };
    const out = await probe([
      at(25, { ...tlsOpts, servername: 'mx.example.test' }),
      at(25, tlsOpts), // the address is in the certificate too
      at(25, { ...tlsOpts, ca: path.join(dir, 'other.pem'), servername: 'mx.example.test' }),
      at(25, { ...tlsOpts, servername: 'www.example.test' }),
      at(25, { starttls: true, servername: 'mx.example.test' }), // system store: our CA is not in it
      at(25, { starttls: true, tlsVerify: false, servername: 'www.example.test' }),
      at(31, tlsOpts),
      at(28, tlsOpts), // STARTTLS needs EHLO: no HELO fallback
    ]);
    const reasons = out.results.map((r) => r.reason);
    assert.deepEqual(out.results.map((r) => r.ok), [true, true, false, false, false, true, false, false], JSON.stringify(reasons));
    assert.deepEqual([reasons[0], reasons[1], reasons[5]], ['ok starttls', 'ok starttls', 'ok starttls']);
    assert.match(reasons[2], /^starttls: certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
    assert.equal(reasons[3], 'starttls: certificate ERR_TLS_CERT_ALTNAME_INVALID');
    assert.match(reasons[4], /^starttls: certificate /);
    assert.equal(reasons[6], 'starttls: not offered');
    assert.equal(reasons[7], 'ehlo 502');
    assert.equal(out.left, 0);
  });

  test('a server that stalls after the greeting, or before it, times out at that step; a host that drops SYNs, at connect', async () => {
    const out = await probe([at(29, { timeout: 400 }), at(30, { timeout: 400 }), at(32, { timeout: 400 }), at(32, { timeout: 2000, connectTimeout: 400 })]);
    assert.deepEqual(out.results.map((r) => r.reason), ['timeout at ehlo', 'timeout at greeting', 'timeout', 'connect timeout']);
    assert.ok(out.results.every((r) => r.ms >= 390 && r.ms < 2000), JSON.stringify(out.results));
    assert.equal(out.left, 0);
  });
});

/** A small real SMTP-ish server on loopback; `script(socket)` decides what it says. */
function listen(script, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const sockets = new Set();
    const server = net.createServer((c) => {
      sockets.add(c);
      c.on('close', () => sockets.delete(c));
      c.on('error', () => {});
      script(c);
    });
    server.listen(0, host, () => resolve({ server, port: server.address().port, close: () => { for (const c of sockets) c.destroy(); server.close(); } }));
  });
}

/** Answers line by line: `answers[command verb]` or a default. */
function lineServer(greeting, answers, onUpgrade) {
  return (c) => {
    c.write(greeting);
    let buf = '';
    const onData = (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        const verb = line.split(' ')[0].toUpperCase();
        const a = answers[verb] ?? '500 what\r\n';
        if (a === null) continue; // stall
        c.write(a);
        if (verb === 'QUIT') c.end();
        if (verb === 'STARTTLS' && onUpgrade) {
          c.off('data', onData);
          onUpgrade(c);
          return;
        }
      }
    };
    c.on('data', onData);
  };
}

describe('SMTP checker: odd servers and the leak test on loopback', () => {
  let dir;
  const servers = [];
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-smtp-lo-'));
    makeCerts(dir, '198.51.100.25');
  });
  after(() => {
    servers.forEach((s) => s.close());
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const up = async (script) => {
    const s = await listen(script);
    servers.push(s);
    return s.port;
  };
  // The probe's deadline as the scheduler gives it: a controller aborted by a timer cleared afterwards.
  const run = async (port, over = {}) => {
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), over.timeout ?? 1000);
    try {
      return await new SmtpChecker(spec({ target: { address: '127.0.0.1', port }, ...over })).probe(ctrl.signal);
    } finally {
      clearTimeout(t);
    }
  };

  test('not SMTP, a close mid-session, a 421 to EHLO, an over-long reply, plaintext injected after the 220 to STARTTLS', async () => {
    const http = await up((c) => c.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const closes = await up((c) => { c.write('220 mx\r\n'); c.once('data', () => c.end()); });
    const busy = await up(lineServer('220 mx\r\n', { EHLO: '421 4.3.2 shutting down\r\n' }));
    const long = await up((c) => { c.write('220 mx\r\n'); c.once('data', () => c.write('250-x\r\n'.repeat(5000))); });
    const inject = await up(lineServer('220 mx\r\n', { EHLO: '250-mx\r\n250 STARTTLS\r\n', STARTTLS: '220 go ahead\r\n250 injected\r\n' }, () => {}));
    assert.deepEqual([(await run(http)).reason, (await run(closes)).reason, (await run(busy)).reason, (await run(long)).reason, (await run(inject, { starttls: true, tlsVerify: false })).reason], [
      'bad reply at greeting',
      'closed at ehlo',
      'ehlo 421',
      'reply too long at ehlo',
      'starttls: data before handshake',
    ]);
  });

  test('IPv6: a server on ::1', async () => {
    const s = await listen(lineServer('220 mx\r\n', { EHLO: '250 mx\r\n', QUIT: '221 bye\r\n' }), '::1');
    servers.push(s);
    const r = await new SmtpChecker(spec({ target: { address: '::1', port: s.port } })).probe(AbortSignal.timeout(1000));
    assert.deepEqual([r.ok, r.reason], [true, 'ok ehlo']);
  });

  test('no socket, TLS session or timer is left behind after 1,000 probes', async () => {
    const secure = tls.createSecureContext({ cert: readFileSync(path.join(dir, 'mx.pem')), key: readFileSync(path.join(dir, 'mx.key')) });
    const answers = { EHLO: '250-mx.example.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n', HELO: '250 mx\r\n', QUIT: '221 bye\r\n', STARTTLS: '220 go ahead\r\n' };
    const upgrade = (c) => {
      const t = new tls.TLSSocket(c, { isServer: true, secureContext: secure });
      t.on('error', () => {});
      lineServer('', answers)(t);
    };
    const good = await up(lineServer('220-mx.example.test ESMTP\r\n220 hello\r\n', answers, upgrade));
    const refuse = await up((c) => c.end('554 go away\r\n'));
    const stall = await up(() => {});
    const closed = await up(() => {});
    servers.find((s) => s.port === closed).close();
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    const counts = {};
    for (let i = 0; i < 1000; i++) {
      let r;
      switch (i % 5) {
        case 0: r = await run(good); break;
        case 1: r = await run(good, { starttls: true, ca: path.join(dir, 'ca.pem'), servername: 'mx.example.test' }); break;
        case 2: r = await run(refuse); break;
        case 3: r = await run(closed, { connectTimeout: 500 }); break;
        default: r = await run(stall, { timeout: 5 });
      }
      counts[r.reason] = (counts[r.reason] ?? 0) + 1;
    }
    // At 5 ms the deadline may come before the connect completes: "timeout" (no step yet) then.
    const timeouts = (counts['timeout at greeting'] ?? 0) + (counts.timeout ?? 0);
    delete counts['timeout at greeting'];
    delete counts.timeout;
    assert.deepEqual({ ...counts, timeouts }, { 'ok ehlo': 200, 'ok starttls': 200, 'greeting 554': 200, ECONNREFUSED: 200, timeouts: 200 });
    await new Promise((r) => setTimeout(r, 20));
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').length;
    assert.ok(after <= before, `resources before ${before}, after ${after}: ${process.getActiveResourcesInfo()}`);
  });
});
