// The web console in a real browser (Debian's Chromium driven by playwright-core)
// against real hacore daemons: a VRRP pair (r1, r2) on a lab bridge, HTTP checks
// of a real server (rs), the browser in the client namespace (c) reaching both
// routers' consoles on their lab addresses with a bearer token.
import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { HACORE_CLI, ROOT, VIP4, VrrpLab, hacoreConfig, waitForLine } from '../lib/vrrp-lab.mjs';
import { instance, logs, skipHacore } from '../lib/vrrp-scenario.mjs';
import { sh } from '../lib/lab.mjs';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipHacore() || (existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (npm run setup installs Debian's chromium)`);
const TOKEN = 'c0ns0le-test-token-6f1d2e9a8b7c';
const SHOTS = path.join(os.tmpdir(), 'hacore-web-screenshots');
const INTERVAL = 200;
const TIMEOUT = 300;
const FALL = 2;

async function startServer(lab, port) {
  const child = lab.lab.spawn('rs', process.execPath, [path.join(ROOT, 'test/web/http-server.mjs'), lab.addr4('rs'), String(port)]);
  await waitForLine(child, /^listening/, 5000, `http server :${port}`);
  return child;
}

function routerConfig(lab, r, prio) {
  return hacoreConfig([instance({ priority: prio })], {
    plugins: ['@hacore/checker-http', '@hacore/web'],
    stateDir: path.join(lab.dir, `${r}-state`),
    checks: ['app1', 'app2'].map((name, i) => ({
      name,
      type: 'http',
      address: lab.addr4('rs'),
      port: 8081 + i,
      urls: [{ path: '/' }],
      interval: `${INTERVAL}ms`,
      timeout: `${TIMEOUT}ms`,
      rise: 1,
      fall: FALL,
    })),
    web: { listen: `${lab.addr4(r)}:9660`, tokenFile: path.join(lab.dir, 'token') },
  });
}

async function cli(lab, d, args) {
  return lab.lab.exec(d.router, process.execPath, [HACORE_CLI, ...args, '--config', d.files.config], { cwd: ROOT });
}

async function status(lab, d) {
  return lab.hacoreStatus(d);
}

function vrrpInstance(st) {
  return Object.values(st).flatMap((doc) => doc?.vrrp?.instances ?? [])[0];
}

test('the console shows both routers live, turns a failed check red, yields and unyields from the page, survives a reload and a restart', { skip, timeout: 120_000 }, async (t) => {
  const lab = await VrrpLab.create('hweb', { routers: 2, extra: ['rs'] });
  let browser;
  try {
    await writeFile(path.join(lab.dir, 'token'), `${TOKEN}\n`, { mode: 0o600 });
    const servers = { 8081: await startServer(lab, 8081), 8082: await startServer(lab, 8082) };
    const daemons = {
      r1: await lab.startHacore('r1', routerConfig(lab, 'r1', 200)),
      r2: await lab.startHacore('r2', routerConfig(lab, 'r2', 150)),
    };
    await lab.waitHolder(VIP4, 'r1', 15_000).catch((err) => assert.fail(`${err.message}\n${logs(lab)}`));

    // Chromium in the client namespace, talking to playwright over a pipe.
    const wrapper = path.join(lab.dir, 'chromium-in-ns');
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${lab.ns('c')} ${CHROMIUM} "$@"\n`);
    await chmod(wrapper, 0o755);
    browser = await chromium.launch({
      executablePath: wrapper,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const problems = [];
    let watching = false;
    const open = async (r) => {
      const page = await ctx.newPage();
      page.on('console', (m) => watching && m.type() === 'error' && problems.push(`${r} console: ${m.text()}`));
      page.on('pageerror', (e) => problems.push(`${r} page error: ${e.message}`));
      page.on('requestfailed', (q) => watching && !q.url().endsWith('/api/stream') && problems.push(`${r} request failed: ${q.url()} ${q.failure()?.errorText}`));
      page.on('dialog', (d) => void d.accept());
      await page.goto(`http://${lab.addr4(r)}:9660/`);
      return page;
    };
    await mkdir(SHOTS, { recursive: true });
    t.diagnostic(`screenshots in ${SHOTS}`);

    // A wrong token gets 401 and the page says so; the right one opens the console.
    const p1 = await open('r1');
    await p1.waitForSelector('#login:not([hidden])');
    await p1.fill('#token', 'not-the-token');
    await p1.click('#login-go');
    await p1.waitForFunction(() => document.querySelector('#login-why')?.textContent?.includes('refused'));
    assert.equal(await p1.evaluate(() => fetch('/api/snapshot', { headers: { authorization: 'Bearer wrong' } }).then((r) => r.status)), 401);
    await p1.screenshot({ path: path.join(SHOTS, '1-login-refused.png') });
    await p1.fill('#token', TOKEN);
    await p1.click('#login-go');
    await p1.waitForSelector('tr[data-instance="VI_1"] td.state-MASTER');
    await p1.waitForSelector('.conn.live');
    const p2 = await open('r2');
    await p2.fill('#token', TOKEN);
    await p2.click('#login-go');
    await p2.waitForSelector('tr[data-instance="VI_1"] td.state-BACKUP');
    // From here on (both signed in) no page may log an error or fail a request.
    watching = true;
    assert.match(await p2.textContent('tr[data-instance="VI_1"] td.master'), new RegExp(lab.addr4('r1').replaceAll('.', '\\.')), "r2's page names r1 as the master");
    await p1.waitForSelector('tr[data-check="app1"].up');
    // Sparklines fill as probes arrive.
    await p1.waitForFunction(() => document.querySelector('tr[data-check="app1"] svg.spark polyline') !== null, null, { timeout: 15_000 });
    await p1.screenshot({ path: path.join(SHOTS, '2-r1-master.png'), fullPage: true });

    // A real server stops: its row turns red within the check's fall time + 1 s, without a reload.
    const stoppedAt = Date.now();
    await lab.lab.kill(servers[8081]);
    await p1.waitForSelector('tr[data-check="app1"].down', { timeout: FALL * INTERVAL + TIMEOUT + 1000 });
    const redMs = Date.now() - stoppedAt;
    t.diagnostic(`app1 red on the page ${redMs} ms after its server stopped (fall time ${FALL * INTERVAL + TIMEOUT} ms)`);
    assert.ok(await p1.$('tr[data-check="app2"].up'), 'the other check stays up');
    await p1.screenshot({ path: path.join(SHOTS, '3-check-down.png'), fullPage: true });

    // Yield r1 from its page: r2 takes over, both pages follow.
    await p1.click('tr[data-instance="VI_1"] button[data-action="yield"]');
    await lab.waitHolder(VIP4, 'r2', 5000);
    await p1.waitForFunction(() => document.querySelector('tr[data-instance="VI_1"] td.state')?.textContent?.startsWith('YIELDED'));
    await p2.waitForSelector('tr[data-instance="VI_1"] td.state-MASTER');
    await p1.waitForSelector('#events li[data-kind="operator-action"]');
    await p2.screenshot({ path: path.join(SHOTS, '4-r2-master-after-yield.png'), fullPage: true });

    // A reload keeps it yielded.
    const reloaded = await cli(lab, daemons.r1, ['reload']);
    assert.ok(reloaded.length > 0);
    assert.ok(vrrpInstance(await status(lab, daemons.r1)).yielded, 'still yielded after a reload');

    // A restart too; the page reconnects by itself (its retries while the daemon is down are refused, as they should be).
    watching = false;
    await lab.stop(daemons.r1);
    await p1.waitForSelector('.conn.lost');
    daemons.r1 = await lab.startHacore('r1', routerConfig(lab, 'r1', 200));
    await p1.waitForSelector('.conn.live', { timeout: 20_000 });
    watching = true;
    await p1.waitForFunction(() => document.querySelector('tr[data-instance="VI_1"] td.state')?.textContent?.startsWith('YIELDED'), null, { timeout: 10_000 });
    assert.deepEqual(await lab.holders(VIP4), ['r2'], 'r1 stayed out of elections after its restart');

    // Unyield: r1 (higher priority, preempting) takes the VIP back.
    await p1.click('tr[data-instance="VI_1"] button[data-action="unyield"]');
    await lab.waitHolder(VIP4, 'r1', 5000);
    await p1.waitForSelector('tr[data-instance="VI_1"] td.state-MASTER');
    await p2.waitForSelector('tr[data-instance="VI_1"] td.state-BACKUP');
    await p1.screenshot({ path: path.join(SHOTS, '5-r1-master-again.png'), fullPage: true });

    watching = false;
    assert.deepEqual(problems, [], 'no console error and no failed request');

    // What the API refuses, from the page's own origin.
    const refusals = await p1.evaluate(async (token) => {
      const post = (headers, body) => fetch('/api/action', { method: 'POST', headers, body }).then((r) => r.status);
      return {
        noToken: await post({ 'content-type': 'application/json' }, '{"action":"yield","args":{"instance":"VI_1"}}'),
        notJson: await post({ authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, '{"action":"yield"}'),
        tooBig: await post({ authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify({ action: 'yield', args: { x: 'y'.repeat(9000) } })),
        unknownAction: await post({ authorization: `Bearer ${token}`, 'content-type': 'application/json' }, '{"action":"explode","args":{}}'),
        outside: await fetch('/etc/passwd').then((r) => r.status),
        csp: await fetch('/').then((r) => r.headers.get('content-security-policy')),
      };
    }, TOKEN);
    assert.deepEqual({ ...refusals, csp: refusals.csp?.includes("default-src 'none'") }, { noToken: 401, notJson: 415, tooBig: 413, unknownAction: 409, outside: 404, csp: true });
    void servers;
  } finally {
    await browser?.close().catch(() => {});
    await lab.destroy();
  }
});

test('a console on a non-loopback address with neither TLS nor authentication is refused with file:line', { skip: skipHacore() }, async () => {
  const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp(path.join(os.tmpdir(), 'hacore-web-cfg-')));
  const file = path.join(dir, 'hacore.yaml');
  await writeFile(file, ['plugins:', `  - ${path.join(ROOT, 'packages/web/dist/src/index.js')}`, 'web:', '  listen: 198.51.100.1:9660', ''].join('\n'));
  const r = await sh(process.execPath, [HACORE_CLI, 'check-config', '--config', file], { cwd: ROOT }).then(
    () => ({ code: 0, err: '' }),
    (e) => ({ code: 1, err: String(e.stderr ?? e.message) }),
  );
  assert.equal(r.code, 1);
  assert.match(r.err, /hacore\.yaml:\d+.*web\.listen/s);
  assert.match(r.err, /tls or authentication/);
});
