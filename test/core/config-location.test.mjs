// Where a daemon reads its config (--config, $HACORE_CONFIG, /etc/hacore/hacore.yaml;
// the upward search only for development), and what a root daemon refuses to read.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HacoreProcess, hacoreCli, repoTempDir } from '../lib/daemon.mjs';

const dir = repoTempDir('cfgloc');
let port;
let srv;

before(async () => {
  srv = net.createServer((c) => c.end());
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  port = srv.address().port;
});
after(() => {
  srv.close();
  rmSync(dir, { recursive: true, force: true });
});

function yaml(name, where = dir) {
  return [
    'plugins: ["@hacore/checker-tcp"]',
    `controlSocket: ${path.join(dir, `${name}.sock`)}`,
    `pidFile: ${path.join(dir, `${name}.pid`)}`,
    'checks:',
    `  - { name: ${name}, type: tcp, address: 127.0.0.1, port: ${port}, interval: 100ms, timeout: 500ms, warmup: 0ms }`,
    '',
  ].join('\n');
}

const up = (name) => (r) => r.check === name && r.to === 'up';

describe('config location', () => {
  test('$HACORE_CONFIG names the file for start and for status; the working directory is not searched', async () => {
    const file = path.join(dir, 'env.yaml');
    writeFileSync(file, yaml('env'));
    // A config in the working directory that a search would find first: it must be ignored.
    writeFileSync(path.join(dir, 'hacore.config.yaml'), yaml('cwd'));
    const env = { HACORE_CONFIG: file };
    const d = new HacoreProcess([], { env, cwd: dir });
    try {
      const started = await d.waitFor((r) => r.msg === 'hacore started', 15000, 'started');
      assert.equal(started.file, file);
      await d.waitFor(up('env'), 15000, 'env up');
      const st = await hacoreCli(['status', '--json'], { env: { ...process.env, ...env } });
      assert.equal(st.code, 0, st.stderr);
      assert.equal(JSON.parse(st.stdout).check.targets[0].check, 'env');
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
  });

  test('--config wins over $HACORE_CONFIG; a missing file is named', async () => {
    const missing = path.join(dir, 'nope.yaml');
    const r = await hacoreCli(['start', '--config', missing], { env: { ...process.env, HACORE_CONFIG: path.join(dir, 'env.yaml') } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`config file not found: ${missing}.*HACORE_ERR_CONFIG_NOT_FOUND`));
  });

  test('without --config or $HACORE_CONFIG, start reads /etc/hacore/hacore.yaml, not the working directory', async () => {
    const r = await hacoreCli(['start'], { cwd: dir, env: { ...process.env, HACORE_CONFIG: '' }, timeout: 10000 });
    // This machine has no /etc/hacore/hacore.yaml (or one the test cannot start twice): start must not run the cwd config.
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/etc\/hacore\/hacore\.yaml/);
  });

  test('--search-config finds the config upward from the working directory (development)', async () => {
    const sub = path.join(dir, 'sub');
    (await import('node:fs')).mkdirSync(sub);
    const d = new HacoreProcess(['--search-config'], { cwd: sub, env: { HACORE_CONFIG: '' } });
    try {
      const started = await d.waitFor((r) => r.msg === 'hacore started', 15000, 'started');
      assert.equal(started.file, path.join(dir, 'hacore.config.yaml'));
      await d.waitFor(up('cwd'), 15000, 'cwd up');
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
  });

  test('a .js config is executed only in development: start refuses it, --single-process runs it', async () => {
    const js = path.join(dir, 'code.config.mjs');
    const marker = path.join(dir, 'code-ran');
    writeFileSync(js, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default ${JSON.stringify({ plugins: ['@hacore/checker-tcp'], controlSocket: path.join(dir, 'js.sock'), pidFile: path.join(dir, 'js.pid'), checks: [{ name: 'js', type: 'tcp', address: '127.0.0.1', port, interval: '100ms', timeout: '500ms', warmup: '0ms' }] })};\n`);
    const r = await hacoreCli(['start', '--config', js]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is code \(it would be executed\).*HACORE_ERR_CONFIG_INSECURE/);
    assert.equal((await import('node:fs')).existsSync(marker), false, 'the refused config was not executed');
    const d = new HacoreProcess(['--single-process', '--config', js]);
    try {
      await d.waitFor(up('js'), 15000, 'js up');
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
  });
});
