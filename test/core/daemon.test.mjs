import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HacoreProcess, hacoreCli, repoTempDir, acceptingServer } from '../lib/daemon.mjs';

const dir = repoTempDir('daemon');
const servers = [];
let upPort;
let downPort;

before(async () => {
  const srv = await acceptingServer();
  servers.push(srv);
  upPort = srv.address().port;
  const closed = net.createServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  downPort = closed.address().port;
  await new Promise((r) => closed.close(r));
});
after(() => {
  servers.forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name, checks, extra = '') {
  const file = path.join(dir, `${name}.yaml`);
  const lines = [
    'plugins: ["@hacore/checker-tcp"]',
    `controlSocket: ${path.join(dir, `${name}.sock`)}`,
    `pidFile: ${path.join(dir, `${name}.pid`)}`,
    extra,
    'checks:',
    ...checks.map((c) => `  - { name: ${c.name}, type: tcp, address: 127.0.0.1, port: ${c.port}, interval: ${c.interval ?? '100ms'}, timeout: 500ms, warmup: 0ms${c.more ?? ''} }`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const isState = (check, to) => (r) => r.check === check && r.to === to;

describe('supervisor', () => {
  test('kill -9 of the check child: it is restarted and the checks resume; SIGTERM stops all with exit 0', async () => {
    const cfg = writeConfig('sup', [{ name: 'up1', port: upPort }]);
    const d = new HacoreProcess(['--config', cfg]);
    try {
      await d.waitFor((r) => r.role === 'check' && isState('up1', 'up')(r), 15000, 'up1 up');
      assert.equal(statSync(path.join(dir, 'sup.sock')).mode & 0o777, 0o600);
      assert.equal(Number((await import('node:fs')).readFileSync(path.join(dir, 'sup.pid'), 'utf8')), d.pid);
      const st = JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout);
      const childPid = st.main.children.check.pid;
      assert.ok(childPid > 0 && childPid !== d.pid);
      assert.equal(st.check.targets[0].state, 'up');
      const mark = d.lines.length;
      process.kill(childPid, 'SIGKILL');
      await d.waitFor((r) => r.msg?.startsWith('check child exited (SIGKILL)'), 5000, 'child exit');
      const restarted = await d.waitFor((r) => r.msg === 'started check child' && r.childPid !== childPid, 5000, 'child restart');
      await d.waitFor((r) => r.pid === restarted.childPid && isState('up1', 'up')(r), 10000, 'checks resumed in the new child');
      assert.ok(d.since(mark, (r) => r.msg === 'started check child').length === 1);
      const st2 = JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout);
      assert.equal(st2.main.children.check.pid, restarted.childPid);
      assert.equal(st2.main.children.check.restarts, 1);
      const { code, signal } = await d.stop('SIGTERM');
      assert.deepEqual([code, signal], [0, null]);
      assert.ok(d.lines.some((r) => r.pid === restarted.childPid && r.msg === 'hacore stopped'));
      let childGone = false;
      try {
        process.kill(restarted.childPid, 0);
      } catch {
        childGone = true;
      }
      assert.ok(childGone, 'the check child is gone after the stop');
      assert.equal(existsSync(path.join(dir, 'sup.sock')), false);
      assert.equal(existsSync(path.join(dir, 'sup.pid')), false);
    } finally {
      await d.stop('SIGKILL');
    }
  });

  test('a child that cannot start at all makes hacore start exit non-zero with a clear message', async () => {
    // The supervisor can bind the control socket, but the child fails: its checker plugin is loaded
    // from a file that throws only in a child process.
    const plugin = path.join(dir, 'child-bomb.mjs');
    writeFileSync(
      plugin,
      `export default { name: 'child-bomb', hacore: '^1.0.0', roles: ['check'], apply(core) { core.hooks.start.tap('child-bomb', () => { if (core.role === 'check') throw new Error('cannot open raw socket'); }); } };\n`,
    );
    const file = path.join(dir, 'bomb.yaml');
    writeFileSync(file, `plugins: ["./child-bomb.mjs"]\ncontrolSocket: ${path.join(dir, 'bomb.sock')}\npidFile: ${path.join(dir, 'bomb.pid')}\n`);
    const d = new HacoreProcess(['--config', file]);
    const { code } = await d.exited;
    assert.equal(code, 1);
    assert.match(d.stderr, /the check child could not start: .*cannot open raw socket/);
    assert.equal(existsSync(path.join(dir, 'bomb.sock')), false);
  });
});

describe('a restarted child runs the config the supervisor runs', () => {
  test('after the file is edited and not reloaded, a check child killed and restarted still runs the loaded checks; a reload then applies the edit everywhere', async () => {
    const cfg = writeConfig('handover', [{ name: 'up1', port: upPort }]);
    const d = new HacoreProcess(['--config', cfg]);
    const status = async () => JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout);
    try {
      await d.waitFor((r) => r.role === 'check' && isState('up1', 'up')(r), 15000, 'up1 up');
      const childPid = (await status()).main.children.check.pid;
      // Edited on disk, not reloaded: the running daemon still runs up1 only.
      writeConfig('handover', [{ name: 'up1', port: upPort }, { name: 'edited', port: upPort }]);
      process.kill(childPid, 'SIGKILL');
      const restarted = await d.waitFor((r) => r.msg === 'started check child' && r.childPid !== childPid, 5000, 'child restart');
      await d.waitFor((r) => r.pid === restarted.childPid && isState('up1', 'up')(r), 10000, 'up1 up in the new child');
      const names = (await status()).check.targets.map((t) => t.check).sort();
      assert.deepEqual(names, ['up1'], 'the restarted child runs the document the supervisor handed over, not the edited file');
      await hacoreCli(['reload', '--config', cfg]);
      await d.waitFor((r) => r.role === 'check' && isState('edited', 'up')(r), 10000, 'edited up after the reload');
      assert.deepEqual((await status()).check.targets.map((t) => t.check).sort(), ['edited', 'up1']);
      // A restart after the reload runs the reloaded document.
      const pid2 = (await status()).main.children.check.pid;
      process.kill(pid2, 'SIGKILL');
      const seen = new Set([childPid, restarted.childPid, pid2]);
      const again = await d.waitFor((r) => r.msg === 'started check child' && !seen.has(r.childPid), 10000, 'second restart');
      await d.waitFor((r) => r.pid === again.childPid && isState('edited', 'up')(r), 10000, 'edited up in the second new child');
    } finally {
      await d.stop('SIGKILL');
    }
  });
});

describe('cross-role events', () => {
  test('a check state reaches the vrrp child over the supervisor, and a restarted vrrp child gets it replayed', async () => {
    const plugin = path.join(dir, 'recorder.mjs');
    writeFileSync(
      plugin,
      `const seen = new Map();
export default { name: 'recorder', hacore: '^1.0.0', roles: ['vrrp'], apply(core) {
  core.hooks.event.tap('recorder', (e) => { if (e.kind === 'target-state') seen.set(e.check, e.to + '@' + e.origin); });
  core.hooks.status.tap('recorder', (doc) => ({ ...doc, recorder: Object.fromEntries(seen) }));
} };\n`,
    );
    const cfg = writeConfig('relay', [{ name: 'up1', port: upPort }], '');
    const text = (await import('node:fs')).readFileSync(cfg, 'utf8').replace('plugins: ["@hacore/checker-tcp"]', 'plugins: ["@hacore/checker-tcp", "./recorder.mjs"]');
    writeFileSync(cfg, text);
    const d = new HacoreProcess(['--config', cfg]);
    const status = async () => JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout);
    try {
      await d.waitFor((r) => r.role === 'check' && isState('up1', 'up')(r), 15000, 'up1 up');
      const { waitFor } = await import('../lib/lab.mjs');
      await waitFor(async () => (await status()).vrrp?.recorder?.up1 === 'up@check', { what: 'the vrrp child saw up1 up' });
      const vrrpPid = (await status()).main.children.vrrp.pid;
      process.kill(vrrpPid, 'SIGKILL');
      await d.waitFor((r) => r.msg === 'started vrrp child' && r.childPid !== vrrpPid, 5000, 'vrrp child restarted');
      // No new transition happens: the restarted child can only know up1 from the replay.
      const st = await waitFor(async () => {
        const s = await status();
        return s.main.children.vrrp.pid !== vrrpPid && s.vrrp?.recorder?.up1 ? s : undefined;
      }, { what: 'replayed state in the new vrrp child' });
      assert.equal(st.vrrp.recorder.up1, 'up@check');
      assert.equal(d.lines.filter((r) => isState('up1', 'up')(r)).length, 1, 'up1 changed state only once');
    } finally {
      const r = await d.stop();
      if (r.code !== 0) console.error('DAEMON STDERR', d.stderr.slice(-3000));
      assert.equal(r.code, 0);
    }
  });
});

describe('reload', () => {
  test('SIGHUP: changed, removed and added checks; unchanged ones keep their state; a bad config is refused', async () => {
    const cfg = writeConfig('rl', [
      { name: 'keep', port: upPort },
      { name: 'change', port: upPort },
      { name: 'drop', port: downPort },
    ]);
    const d = new HacoreProcess(['--config', cfg]);
    try {
      await d.waitFor(isState('keep', 'up'));
      await d.waitFor(isState('change', 'up'));
      await d.waitFor(isState('drop', 'down'));
      const before = JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout).check.targets;
      const keepSince = before.find((t) => t.check === 'keep').since;
      const mark = d.lines.length;
      writeConfig('rl', [
        { name: 'keep', port: upPort },
        { name: 'change', port: downPort },
        { name: 'added', port: upPort },
      ]);
      process.kill(d.pid, 'SIGHUP');
      await d.waitFor((r) => r.role === 'check' && r.msg === 'config reloaded', 10000, 'check child reloaded');
      await d.waitFor(isState('change', 'down'));
      await d.waitFor(isState('added', 'up'));
      const reloadLine = d.since(mark, (r) => r.role === 'check' && r.msg === 'config reloaded')[0];
      assert.deepEqual([reloadLine.added, reloadLine.removed, reloadLine.changed, reloadLine.unchanged], [['added'], ['drop'], ['change'], ['keep']]);
      const after = JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout).check.targets;
      assert.deepEqual(after.map((t) => t.check).sort(), ['added', 'change', 'keep']);
      assert.equal(after.find((t) => t.check === 'keep').since, keepSince, 'unchanged check kept its state');
      assert.equal(d.since(mark, (r) => r.check === 'keep' && r.to).length, 0, 'no transition for the unchanged check');

      // A bad config: `hacore reload` exits non-zero with the reason, and the old config keeps running.
      const good = (await import('node:fs')).readFileSync(cfg, 'utf8');
      writeFileSync(cfg, good.replace('interval: 100ms', 'interval: soon'));
      const r = await hacoreCli(['reload', '--config', cfg]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /checks\[0\]\.interval: expected a duration/);
      const still = JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout).check.targets;
      assert.deepEqual(still.map((t) => t.check).sort(), ['added', 'change', 'keep']);
      writeFileSync(cfg, good);
      const same = await hacoreCli(['reload', '--config', cfg]);
      assert.equal(same.code, 0, same.stderr);
      assert.equal(same.stdout, 'reload applied: nothing changed\n');
      // A human summary names what changed, value by value; --json gives the document with each process's summary.
      writeConfig('rl', [
        { name: 'keep', port: upPort },
        { name: 'change', port: upPort },
        { name: 'added', port: upPort },
      ]);
      const ok = await hacoreCli(['reload', '--config', cfg]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, `reload applied: changed change\n  check change: target port ${downPort} -> ${upPort}\n`);
      writeConfig('rl', [{ name: 'keep', port: upPort }]);
      const js = JSON.parse((await hacoreCli(['reload', '--json', '--config', cfg])).stdout);
      assert.deepEqual(js.checks, { added: [], removed: ['change', 'added'], changed: [] });
      assert.deepEqual(js.processes.check.removed, ['change', 'added']);
      assert.deepEqual(Object.keys(js.processes).sort(), ['check', 'main']);
    } finally {
      assert.deepEqual((await d.stop()).code, 0);
    }
  });
});
