// The control socket of a root daemon: its directory, what is at its path, and
// replies that cannot be serialised; a plugin's unhandled rejection is not fatal.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { HACORE_BIN, HacoreProcess, hacoreCli, repoTempDir } from '../lib/daemon.mjs';

const dir = repoTempDir('ctlsock');
after(() => rmSync(dir, { recursive: true, force: true }));

function config(name, socket, plugins = []) {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, `plugins: ${JSON.stringify(plugins)}\ncontrolSocket: ${socket}\npidFile: ${path.join(dir, `${name}.pid`)}\nchecks: []\n`);
  return file;
}

const started = (r) => r.msg === 'hacore started';

/**
 * `hacore ARGS` as uid/gid 65534 (nobody). It keeps CAP_DAC_READ_SEARCH only, so that it can
 * read a checkout under a private directory (a CI clone in a 0700 temp dir): reading does not
 * let it create /run/hacore or write a pid file there, which is what the test is about.
 */
function asNobody(args) {
  return ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=+dac_read_search', '--ambient-caps=+dac_read_search', process.execPath, HACORE_BIN, ...args];
}

function nobodyCli(args, env) {
  const [cmd, ...argv] = asNobody(args);
  return new Promise((resolve) => {
    execFile(cmd, argv, { env: { ...env, HACORE_LOG_PRETTY: '0' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
describe('control socket', () => {
  test('a missing directory is created 0700; the socket is 0600', async () => {
    const sock = path.join(dir, 'fresh', 'deeper', 'h.sock');
    // Single process: its signal handlers are in place once it logs "hacore started".
    const d = new HacoreProcess(['--single-process', '--config', config('fresh', sock)]);
    try {
      await d.waitFor(started, 15000, 'started');
      assert.equal(statSync(path.dirname(sock)).mode & 0o777, 0o700);
      assert.equal(statSync(sock).mode & 0o777, 0o600);
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
    assert.equal(existsSync(sock), false, 'removed on stop');
  });

  test('an existing directory writable by others, or owned by another uid, is refused', async () => {
    const open = path.join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const r = await hacoreCli(['start', '--config', config('open', path.join(open, 'h.sock'))]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`control socket directory ${open} is writable by group or others \\(mode 0777\\).*HACORE_ERR_CONTROL_INSECURE`));
    const theirs = path.join(dir, 'theirs');
    mkdirSync(theirs, { mode: 0o700 });
    chownSync(theirs, 65534, 65534);
    const r2 = await hacoreCli(['start', '--config', config('theirs', path.join(theirs, 'h.sock'))]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, new RegExp(`control socket directory ${theirs} is owned by uid 65534, not by the daemon's uid ${process.getuid()}.*HACORE_ERR_CONTROL_INSECURE`));
  });

  test('a regular file at the socket path is named and left alone', async () => {
    const sub = path.join(dir, 'file');
    mkdirSync(sub, { mode: 0o700 });
    const sock = path.join(sub, 'h.sock');
    writeFileSync(sock, 'precious\n');
    const r = await hacoreCli(['start', '--config', config('file', sock)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${sock} exists and is not a socket; not removing it`));
    assert.equal(readFileSync(sock, 'utf8'), 'precious\n');
  });

  for (const mode of ['--single-process', 'supervisor']) {
    test(`${mode}: a status section that cannot be serialised gives an error reply; a forgotten rejection is logged with the plugin's name; the daemon keeps running`, async () => {
      const plugin = path.join(dir, 'bigint-plugin.mjs');
      writeFileSync(
        plugin,
        `export default { name: 'bigint-plugin', hacore: '^1.0.0', roles: ['check'], apply(core) {
  core.hooks.status.tap('bigint-plugin', (doc) => ({ ...doc, big: { counter: 10n } }));
  core.hooks.start.tap('bigint-plugin', () => { setTimeout(() => Promise.reject(Object.assign(new Error('forgotten promise'), { plugin: 'bigint-plugin' })), 10); });
} };\n`,
      );
      const name = mode === 'supervisor' ? 'bigsup' : 'big';
      const sub = path.join(dir, name);
      mkdirSync(sub, { mode: 0o700 });
      const cfg = config(name, path.join(sub, 'h.sock'), ['./bigint-plugin.mjs']);
      const d = new HacoreProcess([...(mode === 'supervisor' ? [] : ['--single-process']), '--config', cfg]);
      try {
        await d.waitFor(started, 15000, 'started');
        const rej = await d.waitFor((r) => r.msg?.startsWith('unhandled rejection in plugin bigint-plugin'), 5000, 'rejection logged');
        assert.equal(rej.plugin, 'bigint-plugin');
        const st = await hacoreCli(['status', '--json', '--config', cfg]);
        if (mode === 'supervisor') {
          // The check child's reply over IPC fails to serialise there: that role's section says so, the others answer.
          assert.equal(st.code, 0, st.stderr);
          const doc = JSON.parse(st.stdout);
          assert.match(doc.check.error, /BigInt/);
          assert.equal(doc.main.role, 'main');
        } else {
          assert.equal(st.code, 1);
          assert.match(st.stderr, /the reply to status cannot be serialised \(single\.big\).*BigInt.*HACORE_ERR_CONTROL/);
        }
        // Still answering, and stops cleanly.
        assert.equal(d.proc.exitCode, null);
        const stop = await hacoreCli(['stop', '--config', cfg]);
        assert.equal(stop.code, 0, stop.stderr);
      } finally {
        assert.equal((await d.stop()).code, 0);
      }
    });
  }
});

describe('default socket and pid file', () => {
  // Neither controlSocket nor pidFile in the file.
  function bare(name) {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, 'checks: []\n');
    return file;
  }
  const clean = { RUNTIME_DIRECTORY: '', XDG_RUNTIME_DIR: '' };

  test('$RUNTIME_DIRECTORY (systemd) holds them; status finds the daemon there', async () => {
    const rt = path.join(dir, 'rt');
    mkdirSync(rt, { mode: 0o755 });
    const cfg = bare('rt');
    const env = { ...clean, RUNTIME_DIRECTORY: `${rt}:/elsewhere` };
    const d = new HacoreProcess(['--single-process', '--config', cfg], { env });
    try {
      await d.waitFor(started, 15000, 'started');
      assert.ok(statSync(path.join(rt, 'hacore.sock')).isSocket());
      assert.equal(Number(readFileSync(path.join(rt, 'hacore.pid'), 'utf8')), d.pid);
      const st = await hacoreCli(['status', '--json', '--config', cfg], { env: { ...process.env, ...env } });
      assert.equal(st.code, 0, st.stderr);
      assert.equal(JSON.parse(st.stdout).single.pid, d.pid);
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
  });

  test('start --socket PATH wins over controlSocket', async () => {
    const sub = path.join(dir, 'flag');
    mkdirSync(sub, { mode: 0o700 });
    const flag = path.join(sub, 'flag.sock');
    const cfg = config('flag', path.join(sub, 'from-config.sock'));
    const d = new HacoreProcess(['--single-process', '--config', cfg, '--socket', flag]);
    try {
      await d.waitFor(started, 15000, 'started');
      assert.equal(existsSync(path.join(sub, 'from-config.sock')), false);
      const st = await hacoreCli(['status', '--json', '--socket', flag]);
      assert.equal(st.code, 0, st.stderr);
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
  });

  test('a non-root user: $XDG_RUNTIME_DIR/hacore; without it, the EACCES names controlSocket and --socket', async () => {
    const home = path.join(dir, 'user');
    mkdirSync(home, { mode: 0o755 });
    chmodSync(dir, 0o755); // the user reads the config below
    const xdg = path.join(home, 'xdg');
    mkdirSync(xdg, { mode: 0o700 });
    chownSync(xdg, 65534, 65534);
    const cfg = path.join(home, 'hacore.yaml');
    writeFileSync(cfg, 'checks: []\n');
    const d = new HacoreProcess([], { command: asNobody(['start', '--single-process', '--config', cfg]), env: { ...clean, XDG_RUNTIME_DIR: xdg } });
    try {
      await d.waitFor(started, 15000, 'started');
      const sock = path.join(xdg, 'hacore', 'hacore.sock');
      assert.equal(statSync(path.dirname(sock)).uid, 65534);
      assert.equal(statSync(path.dirname(sock)).mode & 0o777, 0o700);
      assert.ok(statSync(sock).isSocket());
    } finally {
      assert.equal((await d.stop()).code, 0);
    }
    // /run/hacore cannot be created by this user (this machine has none: the test fails if a root daemon made one).
    assert.equal(existsSync('/run/hacore'), false, '/run/hacore exists on this machine');
    const r = await nobodyCli(['start', '--single-process', '--config', cfg], { ...process.env, ...clean });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot create the control socket directory \/run\/hacore \(EACCES\): set controlSocket .*--socket PATH/);
    // A pid file where the user cannot write names pidFile.
    const pidCfg = path.join(home, 'pid.yaml');
    const pid = `/run/hacore-pidtest-${process.pid}/h.pid`;
    writeFileSync(pidCfg, `pidFile: ${pid}\nchecks: []\n`);
    const p = await nobodyCli(['start', '--single-process', '--config', pidCfg], { ...process.env, ...clean, XDG_RUNTIME_DIR: xdg });
    assert.equal(p.code, 1);
    assert.match(p.stderr, new RegExp(`cannot write the pid file ${pid} \\(EACCES\\): set pidFile in the config`));
    assert.equal(existsSync(path.join(xdg, 'hacore', 'hacore.sock')), false, 'the socket is closed again');
  });
});
