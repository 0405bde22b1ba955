// Where a daemon reads its config (--config, $HACORE_CONFIG, /etc/hacore/hacore.yaml;
// the upward search only for development), and what a root daemon refuses to read.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HacoreProcess, hacoreCli, repoTempDir, acceptingServer } from '../lib/daemon.mjs';

const dir = repoTempDir('cfgloc');
let port;
let srv;

before(async () => {
  srv = await acceptingServer();
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

  test('without --config or $HACORE_CONFIG the working directory is not searched (only with --search-config)', async () => {
    // The client commands look the socket up as start reads the config. /etc/hacore/hacore.yaml may exist on
    // this machine (a packaging test), so the test does not start a daemon from it: it checks which socket is asked.
    const env = { env: { ...process.env, HACORE_CONFIG: '' }, cwd: dir };
    const searched = await hacoreCli(['status', '--search-config'], env);
    assert.equal(searched.code, 1);
    assert.match(searched.stderr, /cwd\.sock/, 'the search finds the working directory config');
    const daemon = await hacoreCli(['status'], env);
    assert.doesNotMatch(daemon.stdout + daemon.stderr, /cwd\.sock/);
    // Which file is the default: packages/core/test/runtime-dir.test.ts (daemonConfigFile).
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

// CI runs as root; as another user there is nothing to refuse, and the test says so by failing under CI.
const root = process.getuid() === 0;

describe('a root daemon refuses a config another user can change', { skip: !root && 'needs root' }, () => {
  function minimal(sub, fileMode, dirMode) {
    const d = path.join(dir, sub);
    mkdirSync(d);
    const file = path.join(d, 'hacore.yaml');
    // The socket's directory is the daemon's own (a shared one is refused, see control-socket.test.mjs).
    const run = path.join(dir, `${sub}-run`);
    mkdirSync(run, { mode: 0o700 });
    writeFileSync(file, `controlSocket: ${path.join(run, 'h.sock')}\npidFile: ${path.join(run, 'h.pid')}\nchecks: []\n`);
    chmodSync(file, fileMode);
    chmodSync(d, dirMode);
    return { d, file };
  }

  test('a 0666 config: start refuses it naming the file; check-config validates it with a warning', async () => {
    const { file } = minimal('mode666', 0o666, 0o755);
    const r = await hacoreCli(['start', '--config', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`config file ${file}: ${file} is writable by others \\(mode 0666\\).*HACORE_ERR_CONFIG_INSECURE`));
    const c = await hacoreCli(['check-config', '--config', file]);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stderr, /warning: config file .* is writable by others.*hacore start would refuse it/);
    assert.match(c.stderr, /configuration is valid/);
  });

  test('a config in a 0777 directory (not sticky) is refused, in a 1777 one it is not', async () => {
    const open = minimal('dir777', 0o644, 0o777);
    const r = await hacoreCli(['start', '--single-process', '--config', open.file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${open.d} is writable by others \\(mode 0777\\).*HACORE_ERR_CONFIG_INSECURE`));
    const sticky = minimal('dir1777', 0o644, 0o1777);
    const d = new HacoreProcess(['--config', sticky.file]);
    try {
      await d.waitFor((l) => l.msg === 'hacore started', 15000, 'started');
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
  });

  test('a group-writable config owned by another user is refused for the owner first', async () => {
    const { file } = minimal('owner', 0o664, 0o755);
    (await import('node:fs')).chownSync(file, 65534, 65534);
    const r = await hacoreCli(['start', '--config', file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is owned by uid 65534, not by root.*HACORE_ERR_CONFIG_INSECURE/);
  });
});
