// Drain from the web console in a real browser (Debian's Chromium through
// playwright-core) against a real hacore daemon (supervisor and children)
// whose IPVS plugin programs its in-memory table (this kernel has no IPVS): the
// console is served over TLS with HTTP basic users; a wrong password is refused
// on the page, the right one signs in; Drain sets the real server's weight to 0
// (read back from the daemon's status), survives a reload and a restart, and
// Undrain gives the weight back. Everything listens on loopback only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import https from 'node:https';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { HacoreProcess, hacoreCli } from '../lib/daemon.mjs';
import { pluginPath } from '../lib/vrrp-lab.mjs';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (npm run setup installs Debian's chromium)`;
const SHOTS = path.join(os.tmpdir(), 'hacore-web-screenshots');
const RS = ['198.51.100.21:80', '198.51.100.22:80'];

/** A TCP port on loopback that accepts (the real servers' health checks connect to it). */
async function listener() {
  const s = net.createServer((c) => c.destroy());
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  return s;
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

function start(file) {
  return new HacoreProcess(['--config', file]);
}

async function statusOf(file) {
  const r = await hacoreCli(['status', '--json', '--config', file]);
  assert.equal(r.code, 0, r.stderr);
  const docs = Object.values(JSON.parse(r.stdout));
  return docs.find((doc) => doc?.ipvs)?.ipvs;
}

const realServer = (ipvs, id) => ipvs?.virtualServers?.[0]?.realServers?.find((r) => r.id === id);

test('drain and undrain from the page over TLS with a basic user: weight 0 read back from the daemon, kept across a reload and a restart', { skip, timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-web-drain-'));
  const servers = [await listener(), await listener()];
  let daemon;
  let browser;
  try {
    // A certificate for 127.0.0.1 made for this run.
    await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=hacore-test', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')]);
    const { hashPassword } = await import(pluginPath('@hacore/web'));
    writeFileSync(path.join(dir, 'users'), `${hashPassword('ops', 'correct horse battery')}\n`, { mode: 0o600 });
    const ipvsPlugin = path.join(dir, 'ipvs-memory.mjs');
    writeFileSync(ipvsPlugin, `import { IpvsPlugin, MemoryDataplane } from ${JSON.stringify(pluginPath('@hacore/ipvs'))};\nexport default new IpvsPlugin({ dataplane: () => new MemoryDataplane() });\n`);
    const port = await freePort();
    const file = path.join(dir, 'hacore.json');
    mkdirSync(path.join(dir, 'state'), { mode: 0o700 });
    writeFileSync(
      file,
      JSON.stringify({
        plugins: [pluginPath('@hacore/checker-tcp'), ipvsPlugin, pluginPath('@hacore/web')],
        controlSocket: path.join(dir, 'ctl.sock'),
        pidFile: path.join(dir, 'hacore.pid'),
        stateDir: path.join(dir, 'state'),
        virtualServers: [
          {
            name: 'web',
            address: '198.51.100.10',
            port: 80,
            scheduler: 'wrr',
            delayLoop: '200ms',
            realServers: RS.map((id, i) => ({ address: id.split(':')[0], port: 80, weight: 5, checks: [{ type: 'tcp', address: '127.0.0.1', port: servers[i].address().port, timeout: '200ms', warmup: '0ms' }] })),
          },
        ],
        web: { listen: `127.0.0.1:${port}`, tls: { cert: path.join(dir, 'cert.pem'), key: path.join(dir, 'key.pem') }, usersFile: path.join(dir, 'users') },
      }),
      { mode: 0o600 },
    );
    daemon = start(file);
    await daemon.waitFor((l) => /^web console on https:/.test(l.msg ?? ''), 20_000, 'the console to listen');
    const url = `https://127.0.0.1:${port}/`;

    // TLS only, with our certificate.
    const cert = await new Promise((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => (resolve(s.getPeerCertificate()), s.end()));
      s.on('error', reject);
    });
    assert.equal(cert.subject?.CN, 'hacore-test');
    const plain = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.status, (e) => e.cause?.code ?? 'failed');
    assert.notEqual(plain, 200, 'plain HTTP is not served');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    // The certificate is made for this run and trusted by no store: its identity is checked above.
    const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const problems = [];
    let watching = false;
    page.on('console', (m) => watching && m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (q) => watching && !q.url().endsWith('/api/stream') && problems.push(`request failed: ${q.url()} ${q.failure()?.errorText}`));
    page.on('dialog', (d) => void d.accept());
    await page.goto(url);
    assert.equal(await page.evaluate(() => location.protocol), 'https:');

    // A wrong password: refused, and the page says so (no browser prompt over it).
    await page.waitForSelector('#login:not([hidden])');
    await page.fill('#user', 'ops');
    await page.fill('#token', 'wrong');
    await page.click('#login-go');
    await page.waitForFunction(() => document.querySelector('#login-why')?.textContent?.includes('refused'));
    const basic = (u, p) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
    // The API itself (outside the page, which would otherwise trigger the browser's own prompt for a Basic challenge).
    const api = (headers) =>
      new Promise((resolve, reject) => {
        https.get({ host: '127.0.0.1', port, path: '/api/snapshot', headers, rejectUnauthorized: false }, (res) => (res.resume(), resolve({ status: res.statusCode, challenge: res.headers['www-authenticate'] }))).on('error', reject);
      });
    const codes = {
      bad: (await api({ authorization: basic('ops', 'wrong') })).status,
      good: (await api({ authorization: basic('ops', 'correct horse battery') })).status,
      challenge: (await api({})).challenge,
      fromPage: (await api({ 'x-hacore-page': '1' })).challenge,
    };
    assert.deepEqual(codes, { bad: 401, good: 200, challenge: 'Basic realm="hacore", charset="UTF-8"', fromPage: 'HacoreConsole realm="hacore"' });
    await page.fill('#token', 'correct horse battery');
    await page.click('#login-go');
    const row = (id) => `table[data-vs="web"] tr[data-rs="${id}"]`;
    await page.waitForSelector(`${row(RS[0])}.up`, { timeout: 15_000 });
    await page.waitForSelector('.conn.live');
    watching = true;
    assert.equal((await page.textContent(`${row(RS[0])} td.weight`))?.trim(), '5');
    // The row shows its inline check's latency and, once probes arrive, a sparkline.
    await page.waitForFunction((sel) => document.querySelector(sel) !== null, `${row(RS[1])} svg.spark polyline`, { timeout: 10_000 });

    // Drain from the page: weight 0 in the daemon's table, the row says so, the other server keeps its weight.
    await page.click(`${row(RS[0])} button[data-action="drain"]`);
    await page.waitForSelector(`${row(RS[0])}.drained`, { timeout: 5000 });
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '0', `${row(RS[0])} td.weight`, { timeout: 5000 });
    let ipvs = await statusOf(file);
    assert.equal(realServer(ipvs, RS[0])?.kernelWeight, 0, JSON.stringify(realServer(ipvs, RS[0])));
    assert.ok(realServer(ipvs, RS[0])?.drained, 'reported drained');
    assert.equal(realServer(ipvs, RS[1])?.kernelWeight, 5);
    await page.waitForSelector('#events li[data-kind="operator-action"]');
    await mkdir(SHOTS);
    await page.screenshot({ path: path.join(SHOTS, '6-drained-over-tls.png'), fullPage: true });
    t.diagnostic(`screenshot in ${SHOTS}/6-drained-over-tls.png`);

    // A reload keeps it drained; so does a restart (the page reconnects by itself).
    const r = await hacoreCli(['reload', '--config', file]);
    assert.equal(r.code, 0, r.stderr);
    ipvs = await statusOf(file);
    assert.equal(realServer(ipvs, RS[0])?.kernelWeight, 0, 'still weight 0 after a reload');
    watching = false;
    await daemon.stop();
    await page.waitForSelector('.conn.lost');
    daemon = start(file);
    await page.waitForSelector('.conn.live', { timeout: 20_000 });
    watching = true;
    await page.waitForSelector(`${row(RS[0])}.drained`, { timeout: 10_000 });
    ipvs = await statusOf(file);
    assert.equal(realServer(ipvs, RS[0])?.kernelWeight, 0, 'still weight 0 after a restart');

    // Undrain: the weight comes back, in the daemon and on the page.
    await page.click(`${row(RS[0])} button[data-action="undrain"]`);
    await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '5', `${row(RS[0])} td.weight`, { timeout: 5000 });
    ipvs = await statusOf(file);
    assert.equal(realServer(ipvs, RS[0])?.kernelWeight, 5);
    assert.equal(realServer(ipvs, RS[0])?.drained, undefined);
    watching = false;
    assert.deepEqual(problems, [], 'no console error and no failed request');
  } finally {
    await browser?.close().catch(() => {});
    await daemon?.stop().catch(() => {});
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function mkdir(d) {
  mkdirSync(d, { recursive: true });
}


