// Packs @hacore/core, @hacore/checker-tcp and the example third-party checker,
// installs the tarballs into a fresh project that has nothing else, and runs
// `hacore start` there with a config that uses the third-party checker by name.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { HacoreProcess } from '../lib/daemon.mjs';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'hacore-pack-'));
after(() => rmSync(work, { recursive: true, force: true }));

function findFiles(dir, pred, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findFiles(p, pred, out);
    else if (pred(p)) out.push(p);
  }
  return out;
}

test('packed core + TCP checker + third-party checker install alone and run by package name', { timeout: 240_000 }, async () => {
  const tarballs = [];
  for (const dir of ['packages/core', 'packages/checker-tcp', 'examples/checker-redis']) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: path.join(root, dir) });
    tarballs.push(path.join(work, JSON.parse(stdout)[0].filename));
  }
  const app = path.join(work, 'app');
  await run('mkdir', ['-p', app]);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'lb-site', private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs], { cwd: app, maxBuffer: 1 << 24 });

  const nodeFiles = findFiles(path.join(app, 'node_modules'), (p) => p.endsWith('.node') || p.endsWith('binding.gyp'));
  assert.deepEqual(nodeFiles, [], 'no native module in a core + tcp + third-party install');
  assert.throws(() => statSync(path.join(app, 'node_modules', 'raw-socket')));

  // A real server that speaks enough RESP to answer PING.
  const redis = net.createServer((c) => c.on('data', (d) => (String(d).includes('PING') ? c.write('+PONG\r\n') : c.write('-ERR\r\n'))));
  await new Promise((r) => redis.listen(0, '127.0.0.1', r));
  try {
    writeFileSync(
      path.join(app, 'hacore.config.yaml'),
      [
        'plugins: [hacore-checker-redis, "@hacore/checker-tcp"]',
        `controlSocket: ${path.join(app, 'hacore.sock')}`,
        `pidFile: ${path.join(app, 'hacore.pid')}`,
        'checks:',
        `  - { name: cache1, type: redis, address: 127.0.0.1, port: ${redis.address().port}, interval: 200ms, warmup: 0ms }`,
        '',
      ].join('\n'),
    );
    // No --config: with --search-config (development) the installed bin finds hacore.config.yaml in its working directory.
    const d = new HacoreProcess([], { command: [path.join(app, 'node_modules/.bin/hacore'), 'start', '--search-config'], cwd: app });
    try {
      const up = await d.waitFor((r) => r.check === 'cache1' && r.to === 'up', 20000, 'cache1 up');
      assert.equal(up.reason, 'PONG');
      assert.equal(up.role, 'check');
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
    const v = await run(path.join(app, 'node_modules/.bin/hacore'), ['--version'], { cwd: app });
    assert.match(v.stdout, /@hacore\/core 0\.1\.0/);
    assert.match(v.stdout, /hacore-checker-redis 0\.1\.0/);
  } finally {
    redis.close();
  }
});
