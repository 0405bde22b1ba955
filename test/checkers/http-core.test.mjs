// type: http through the core: config file -> plugin -> scheduler -> events.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, test } from 'node:test';
import { Hacore } from '@hacore/core';
import { repoTempDir } from '../lib/daemon.mjs';

const dir = repoTempDir('http-core');
after(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name, lines) {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, ['plugins: ["@hacore/checker-http"]', `controlSocket: ${path.join(dir, `${name}.sock`)}`, `pidFile: ${path.join(dir, `${name}.pid`)}`, ...lines].join('\n') + '\n');
  return file;
}

/** Resolves with the first event matching `pred`, or rejects after `ms`. */
function nextEvent(core, pred, ms, what) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    core.hooks.event.tapPromise(`test-${what}`, async (e) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      resolve(e);
    });
  });
}

test('a type: http check goes up, then down with "status 503" when the server turns unhealthy', async () => {
  let healthy = true;
  const srv = http.createServer((req, res) => (healthy && req.url === '/health' ? res.end('OK') : res.writeHead(503).end('no')));
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const file = writeConfig('updown', [
    'checks:',
    `  - { name: web1, type: http, address: 127.0.0.1, port: ${srv.address().port}, interval: 100ms, timeout: 500ms, warmup: 0ms,`,
    '      urls: [{ path: /health, status: [200], regex: "^OK$" }], virtualhost: www.example.test }',
  ]);
  const core = await Hacore.load({ configFile: file, role: 'single' });
  try {
    const up = nextEvent(core, (e) => e.kind === 'target-state' && e.to === 'up', 5000, 'up');
    await core.start();
    const e1 = await up;
    assert.deepEqual([e1.check, e1.type, e1.target.address, e1.reason], ['web1', 'http', '127.0.0.1', 'status 200']);
    const down = nextEvent(core, (e) => e.kind === 'target-state' && e.to === 'down', 5000, 'down');
    healthy = false;
    const e2 = await down;
    assert.deepEqual([e2.check, e2.from, e2.reason], ['web1', 'up', 'status 503']);
  } finally {
    await core.stop();
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  }
});

test('cross-field mistakes stop the load with the check path', async () => {
  const file = writeConfig('bad', ['checks:', '  - { name: web1, type: http, address: 127.0.0.1, port: 80, cert: /etc/hostname, headers: { Connection: close } }']);
  await assert.rejects(Hacore.load({ configFile: file, role: 'single' }), (err) => {
    assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
    assert.deepEqual(err.issues.map((i) => i.path).sort(), ['checks[0].cert', 'checks[0].headers.Connection', 'checks[0].key']);
    return true;
  });
  const file2 = writeConfig('bad2', ['checks:', '  - { name: web1, type: http, address: 127.0.0.1, urls: [{ path: health, status: [700] }], tls: yes }']);
  await assert.rejects(Hacore.load({ configFile: file2, role: 'single' }), (err) => {
    assert.deepEqual(err.issues.map((i) => i.path).sort(), ['checks[0].tls', 'checks[0].urls[0].path', 'checks[0].urls[0].status[0]']);
    return true;
  });
});
