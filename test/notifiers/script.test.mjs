// @hacore/notifier-script against a real daemon core: real scripts, real
// processes, target-state events from real TCP checks, VRRP-shaped events
// emitted through core.emit (the VRRP stack is a separate package).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { constants, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ScriptSpawner } from '../../packages/notifier-script/dist/src/index.js';
import { captureLogger, pluginPath, startDaemon, tempDir, TcpTarget, waitFor, writeScript, withDomainEvents } from './helpers.mjs';

const PLUGINS = [pluginPath('checker-tcp'), pluginPath('notifier-script')];

// Appends one line per run: every argument in brackets, so that empty and
// spaced arguments are visible. MASTER runs sleep a little, so that a notifier
// that ran one instance's events in parallel would reorder the lines.
const RECORDER = `#!/bin/sh
log="$1"; shift
case "$*" in *MASTER*) sleep 0.03 ;; esac
line=""
for a in "$@"; do line="$line[$a]"; done
printf '%s\\n' "$line" >> "$log"
`;

function lines(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('notifier-script', () => {
  let tmp;
  let rec;
  before(() => {
    tmp = tempDir('notify');
    rec = writeScript(path.join(tmp.dir, 'record.sh'), RECORDER);
  });
  after(() => tmp.cleanup());

  test('keepalived arguments, in order, across a burst of transitions; FIFO lines match', async () => {
    const log = path.join(tmp.dir, 'burst.log');
    const fifo = path.join(tmp.dir, 'notify.fifo');
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      notify: {
        fifo,
        instances: {
          VI_1: {
            notifyMaster: [rec, log, 'master-of', 'VI_1'],
            notifyBackup: [rec, log, 'backup-of', 'VI_1'],
            notifyFault: [rec, log, 'fault-of', 'VI_1'],
            notifyStop: [rec, log, 'stop-of', 'VI_1'],
            notify: [rec, log, 'generic'],
          },
        },
        groups: { G1: { notify: [rec, log, 'group'] } },
      },
    }, { start: false });
    await core.start();
    // O_RDWR never blocks on a FIFO and counts as a reader, so no line is lost to "no reader".
    const fd = openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK);
    const reader = new net.Socket({ fd, readable: true, writable: false });
    let fifoText = '';
    reader.on('data', (d) => (fifoText += d));
    try {
      const states = ['BACKUP', 'MASTER', 'FAULT', 'BACKUP', 'MASTER', 'BACKUP', 'MASTER', 'FAULT', 'MASTER', 'STOP'];
      const expected = [];
      const expectedFifo = [];
      let prev = 'INIT';
      states.forEach((to, i) => {
        const prio = 100 + i;
        expected.push(`[${to.toLowerCase()}-of][VI_1]`, `[generic][INSTANCE][VI_1][${to}][${prio}]`);
        expectedFifo.push(`INSTANCE "VI_1" ${to} ${prio}`);
        if (i === 4) {
          expected.push('[group][GROUP][G1][MASTER][0]');
          expectedFifo.push('GROUP "G1" MASTER 0');
        }
      });
      // The burst: every event emitted at once, none awaited between.
      const emits = [];
      states.forEach((to, i) => {
        emits.push(core.emit({ kind: 'vrrp-transition', instance: 'VI_1', vrid: 51, from: prev, to, priority: 100 + i, reason: 'test' }));
        prev = to;
        if (i === 4) emits.push(core.emit({ kind: 'vrrp-group-transition', group: 'G1', from: 'BACKUP', to: 'MASTER', reason: 'test' }));
      });
      const t0 = performance.now();
      await Promise.all(emits);
      const emitMs = performance.now() - t0;
      // Delivery is asynchronous: emitting the whole burst returns long before the scripts have run.
      assert.ok(emitMs < 50, `emit returned in ${emitMs.toFixed(1)}ms`);
      await waitFor(() => lines(log).length >= expected.length, { what: 'all notify lines' });
      await waitFor(() => fifoText.split('\n').filter(Boolean).length >= expectedFifo.length, { what: 'all FIFO lines' });
      // The group's lines run beside the instance's (another key); within each key the order is exact.
      const got = lines(log);
      assert.deepEqual(got.filter((l) => !l.startsWith('[group]')), expected.filter((l) => !l.startsWith('[group]')));
      assert.deepEqual(got.filter((l) => l.startsWith('[group]')), ['[group][GROUP][G1][MASTER][0]']);
      // The FIFO keeps the order of the events across instances and groups (keepalived's promise).
      assert.deepEqual(fifoText.split('\n').filter(Boolean), expectedFifo);
      // A line is in the log before its script has exited and been counted.
      await waitFor(() => core.status().notify.delivered + core.status().notify.failed >= expected.length, { what: 'every script counted' });
      const st = core.status().notify;
      assert.equal(st.delivered, expected.length);
      assert.equal(st.failed, 0);
      assert.equal(st.fifo.written, expectedFifo.length);
    } finally {
      reader.destroy();
      await core.stop();
    }
  });

  test('a FIFO reader script (keepalived notify_fifo_script) gets every line, and is stopped with the daemon', async () => {
    const fifo = path.join(tmp.dir, 'reader.fifo');
    const out = path.join(tmp.dir, 'reader.out');
    const reader = writeScript(path.join(tmp.dir, 'reader.sh'), `#!/bin/sh\nwhile IFS= read -r line; do printf '%s\\n' "$line" >> "${out}"; done < "$1"\n`);
    const core = await startDaemon(tmp.dir, { plugins: PLUGINS, notify: { fifo, fifoScript: [reader] } });
    let pid;
    try {
      // Emitted at once: lines written before the reader has opened the FIFO wait in the pipe.
      for (const [i, to] of ['BACKUP', 'MASTER', 'FAULT'].entries()) {
        await core.emit({ kind: 'vrrp-transition', instance: 'VI_7', vrid: 7, from: 'INIT', to, priority: 10 + i, reason: 'test' });
      }
      await waitFor(() => lines(out).length >= 3, { what: 'the reader script to get three lines' });
      assert.deepEqual(lines(out), ['INSTANCE "VI_7" BACKUP 10', 'INSTANCE "VI_7" MASTER 11', 'INSTANCE "VI_7" FAULT 12']);
      const st = core.status().notify.fifo;
      assert.equal(st.written, 3);
      assert.equal(st.script.starts, 1);
      pid = st.script.pid;
      assert.ok(pid > 0);
    } finally {
      await core.stop();
    }
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the reader script is stopped with the daemon');
  });

  test('a reload that removes the notify section stops the FIFO reader script and closes the FIFO', async () => {
    const fifo = path.join(tmp.dir, 'removed.fifo');
    const reader = writeScript(path.join(tmp.dir, 'removed-reader.sh'), '#!/bin/sh\nexec cat "$1" > /dev/null\n');
    const file = path.join(tmp.dir, 'removed.config.json');
    const core = await startDaemon(tmp.dir, { plugins: PLUGINS, notify: { fifo, fifoScript: [reader] } }, { file });
    try {
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_9', vrid: 9, from: 'INIT', to: 'BACKUP', priority: 10, reason: 'test' });
      const pid = core.status().notify.fifo.script.pid;
      assert.ok(pid > 0);
      const fifoFds = () => readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === fifo;
        } catch {
          return false;
        }
      }).length;
      assert.equal(fifoFds(), 1, 'the FIFO is open for writing');
      writeFileSync(file, JSON.stringify(withDomainEvents({ plugins: PLUGINS })));
      await core.reload();
      assert.equal(core.status().notify, undefined);
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the reader script is stopped');
      assert.equal(fifoFds(), 0, 'the FIFO is closed');
    } finally {
      await core.stop();
    }
  });

  test('a FIFO reader script that cannot be started is tried again, like one that exited', async () => {
    const fifo = path.join(tmp.dir, 'retry.fifo');
    const out = path.join(tmp.dir, 'retry.out');
    const reader = writeScript(path.join(tmp.dir, 'retry-reader.sh'), `#!/bin/sh\nwhile IFS= read -r line; do printf '%s\\n' "$line" >> "${out}"; done < "$1"\n`);
    const core = await startDaemon(tmp.dir, { plugins: PLUGINS, notify: { fifo, fifoScript: [reader] } }, { start: false });
    // Valid when the config was read, gone when the daemon starts it (a package upgrade in between).
    renameSync(reader, `${reader}.away`);
    await core.start();
    try {
      await waitFor(() => core.status().notify.fifo.script.starts === 1, { what: 'the first start attempt' });
      renameSync(`${reader}.away`, reader);
      await waitFor(() => core.status().notify.fifo.script.starts >= 2 && core.status().notify.fifo.script.pid > 0, { what: 'a second start' });
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_8', vrid: 8, from: 'INIT', to: 'BACKUP', priority: 10, reason: 'test' });
      await waitFor(() => lines(out).length >= 1, { what: 'the reader to get the line' });
      assert.deepEqual(lines(out), ['INSTANCE "VI_8" BACKUP 10']);
    } finally {
      await core.stop();
    }
  });

  test('target-state events from real TCP checks run notifyUp/notifyDown and the generic notify', async () => {
    const log = path.join(tmp.dir, 'checks.log');
    const server = new TcpTarget();
    await server.up();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      checks: [{ name: 'web1', type: 'tcp', address: '127.0.0.1', port: server.port, interval: '50ms', timeout: '200ms', warmup: '0ms', weight: 3 }],
      notify: { checks: { web1: { notifyUp: [rec, log, 'up'], notifyDown: [rec, log, 'down'], notify: [rec, log, 'generic'] } } },
    });
    try {
      await waitFor(() => lines(log).length >= 2, { what: 'the UP notification' });
      await server.down();
      await waitFor(() => lines(log).length >= 4, { what: 'the DOWN notification' });
      await server.up();
      await waitFor(() => lines(log).length >= 6, { what: 'the second UP notification' });
      assert.deepEqual(lines(log), [
        '[up]', '[generic][CHECK][web1][UP][3]',
        '[down]', '[generic][CHECK][web1][DOWN][3]',
        '[up]', '[generic][CHECK][web1][UP][3]',
      ]);
    } finally {
      await core.stop();
      await server.down();
    }
  });

  test('a hanging script is killed with its process group at the timeout, and the next event still runs', async () => {
    const log = path.join(tmp.dir, 'hang.log');
    const pids = path.join(tmp.dir, 'hang.pids');
    // The script starts a background child in its group, records both PIDs and hangs.
    const hang = writeScript(path.join(tmp.dir, 'hang.sh'), `#!/bin/sh\nsleep 60 &\necho "$$ $!" > "${pids}"\nsleep 60\n`);
    const { logger, lines: logLines } = captureLogger();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      notify: { timeout: '300ms', killGrace: '100ms', instances: { VI_2: { notifyMaster: [hang], notifyBackup: [rec, log, 'backup'] } } },
    }, { logger });
    try {
      const t0 = performance.now();
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_2', vrid: 52, from: 'BACKUP', to: 'MASTER', priority: 100, reason: 'test' });
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_2', vrid: 52, from: 'MASTER', to: 'BACKUP', priority: 100, reason: 'test' });
      await waitFor(() => lines(log).length >= 1, { what: 'the script after the hanging one' });
      const elapsed = performance.now() - t0;
      assert.deepEqual(lines(log), ['[backup]']);
      // It waited for the timeout (300 ms) and not for the script's 60 s.
      assert.ok(elapsed >= 290 && elapsed < 3000, `next script ran after ${elapsed.toFixed(0)}ms`);
      const [shPid, childPid] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
      for (const pid of [shPid, childPid]) {
        // Gone, or a zombie waiting for whichever process reaps orphans here.
        await waitFor(() => {
          try {
            return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].startsWith('Z');
          } catch (err) {
            return err.code === 'ENOENT';
          }
        }, { timeoutMs: 2000, what: `process ${pid} to be gone` });
      }
      // The line is written before the run is counted: wait for the count.
      const st = await waitFor(() => (core.status().notify.delivered === 1 ? core.status().notify : undefined), { what: 'the second run counted' });
      assert.equal(st.timeouts, 1);
      assert.equal(st.failed, 1);
      assert.equal(st.delivered, 1);
      const entry = logLines.find((l) => l.outcome === 'timeout');
      assert.ok(entry, 'the timeout is logged');
      assert.equal(entry.script, 'INSTANCE VI_2 notifyMaster');
    } finally {
      await core.stop();
    }
  });

  test('shell metacharacters in arguments are passed literally', async () => {
    const log = path.join(tmp.dir, 'meta.log');
    const marker = path.join(tmp.dir, 'pwned');
    const args = [`$(touch ${marker})`, `; touch ${marker}`, `\`touch ${marker}\``, '"double" \'single\'', '*', '&& echo x', '| cat', '$HOME', '', 'a b\tc', '>out'];
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      notify: { instances: { 'VI_$(id)': { notify: [rec, log, ...args] } } },
    });
    try {
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_$(id)', vrid: 53, from: 'BACKUP', to: 'FAULT', priority: 0, reason: 'test' });
      await waitFor(() => lines(log).length >= 1, { what: 'the notify line' });
      assert.equal(lines(log)[0], `${args.map((a) => `[${a}]`).join('')}[INSTANCE][VI_$(id)][FAULT][0]`);
      assert.equal(existsSync(marker), false, 'no shell ran the arguments');
      assert.equal(existsSync(path.join('/', '>out')), false);
    } finally {
      await core.stop();
    }
  });

  test('output is captured into the log with a size bound; scripts run as the configured user', async () => {
    const noisy = writeScript(path.join(tmp.dir, 'noisy.sh'), '#!/bin/sh\nid -u\nhead -c 20000 /dev/zero | tr "\\0" x\necho oops >&2\nexit 3\n');
    const { logger, lines: logLines } = captureLogger();
    const core = await startDaemon(tmp.dir, {
      plugins: PLUGINS,
      notify: { user: 'nobody', maxOutputBytes: 100, instances: { VI_3: { notifyMaster: [noisy] } } },
    }, { logger });
    try {
      await core.emit({ kind: 'vrrp-transition', instance: 'VI_3', vrid: 54, from: 'BACKUP', to: 'MASTER', priority: 100, reason: 'test' });
      const entry = await waitFor(() => logLines.find((l) => l.script === 'INSTANCE VI_3 notifyMaster'), { what: 'the log entry' });
      assert.equal(entry.outcome, 'exit');
      assert.equal(entry.code, 3);
      assert.equal(entry.truncated, true);
      assert.equal(Buffer.byteLength(entry.stdout), 100);
      assert.equal(entry.stderr, 'oops\n');
      const nobodyUid = Number(readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:')).split(':')[2]);
      assert.equal(Number(entry.stdout.split('\n')[0]), nobodyUid);
      assert.equal(core.status().notify.failed, 1);
    } finally {
      await core.stop();
    }
  });

  test('reload: new scripts apply to new events; a reload with an insecure script is refused and the old ones keep running', async () => {
    const log = path.join(tmp.dir, 'reload.log');
    const base = { plugins: PLUGINS, notify: { instances: { VI_8: { notify: [rec, log, 'first'] } } } };
    const core = await startDaemon(tmp.dir, base);
    const configFile = path.join(tmp.dir, 'hacore.config.json');
    const ev = (to) => core.emit({ kind: 'vrrp-transition', instance: 'VI_8', vrid: 8, from: 'INIT', to, priority: 1, reason: 'test' });
    try {
      await ev('BACKUP');
      await waitFor(() => lines(log).length >= 1, { what: 'the first line' });
      writeFileSync(configFile, JSON.stringify(withDomainEvents({ ...base, notify: { instances: { VI_8: { notify: [rec, log, 'second'] } } } })));
      await core.reload();
      await ev('MASTER');
      await waitFor(() => lines(log).length >= 2, { what: 'the second line' });
      const open = writeScript(path.join(tmp.dir, 'open2.sh'), '#!/bin/sh\n', 0o666 | 0o111);
      writeFileSync(configFile, JSON.stringify(withDomainEvents({ ...base, notify: { instances: { VI_8: { notify: [open] } } } })));
      await assert.rejects(core.reload(), (err) => err.code === 'HACORE_ERR_CONFIG_INVALID' && err.message.includes(`${open} is writable by others`));
      await ev('FAULT');
      await waitFor(() => lines(log).length >= 3, { what: 'the third line' });
      assert.deepEqual(lines(log), ['[first][INSTANCE][VI_8][BACKUP][1]', '[second][INSTANCE][VI_8][MASTER][1]', '[second][INSTANCE][VI_8][FAULT][1]']);
    } finally {
      await core.stop();
    }
  });

  test('scripts are forked by a helper process; if it dies, the next event starts a new one', async () => {
    const log = path.join(tmp.dir, 'runner.log');
    const core = await startDaemon(tmp.dir, { plugins: PLUGINS, notify: { instances: { VI_R: { notify: [rec, log] } } } });
    const ev = (to) => core.emit({ kind: 'vrrp-transition', instance: 'VI_R', vrid: 3, from: 'INIT', to, priority: 5, reason: 'test' });
    try {
      // Started at start (there are scripts configured), before any event.
      const first = core.status().notify.runner;
      assert.ok(first.pid > 0 && first.pid !== process.pid);
      await ev('BACKUP');
      await waitFor(() => lines(log).length >= 1, { what: 'the first run' });
      process.kill(first.pid, 'SIGKILL');
      await waitFor(() => core.status().notify.runner.pid === null, { what: 'the runner to be gone' });
      await ev('MASTER');
      await waitFor(() => lines(log).length >= 2, { what: 'the run after the restart' });
      assert.deepEqual(lines(log), ['[INSTANCE][VI_R][BACKUP][5]', '[INSTANCE][VI_R][MASTER][5]']);
      const again = core.status().notify.runner;
      assert.equal(again.starts, 2);
      assert.notEqual(again.pid, first.pid);
    } finally {
      await core.stop();
    }
    assert.equal(core.status().notify.runner.pid, null, 'the runner is stopped with the daemon');
  });

  test('the script runner, when it ends, kills the groups of scripts still running, not background processes of scripts that finished', async () => {
    const spawner = new ScriptSpawner();
    const leftPid = path.join(tmp.dir, 'left.pid');
    const runningPid = path.join(tmp.dir, 'running.pid');
    const left = writeScript(path.join(tmp.dir, 'leave-behind.sh'), `#!/bin/sh\nsleep 60 >/dev/null 2>&1 </dev/null &\necho $! > ${leftPid}\n`);
    const hang = writeScript(path.join(tmp.dir, 'still-running.sh'), `#!/bin/sh\necho $$ > ${runningPid}\nexec sleep 60\n`);
    const spec = (argv) => ({ argv, timeout: 60_000, killGrace: 1000, env: { PATH: '/usr/bin:/bin' }, maxOutput: 1024 });
    /** Alive and not a zombie waiting for its parent. */
    const alive = (pid) => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    let bg;
    let running;
    try {
      const r = await spawner.run(spec([left]));
      assert.equal(r.outcome, 'exit');
      bg = Number(readFileSync(leftPid, 'utf8'));
      assert.ok(alive(bg), 'the background process runs after its script exited');
      const pending = spawner.run(spec([hang]));
      await waitFor(() => existsSync(runningPid) && readFileSync(runningPid, 'utf8').endsWith('\n'), { what: 'the hanging script to start' });
      running = Number(readFileSync(runningPid, 'utf8'));
      await spawner.stop();
      assert.equal((await pending).outcome, 'spawn-error', 'the running script is reported lost');
      await waitFor(() => !alive(running), { what: 'the running script to be killed' });
      assert.ok(alive(bg), 'a finished script\'s background process is left alone (docs/notifiers.md)');
    } finally {
      await spawner.stop();
      for (const pid of [bg, running]) {
        try {
          if (pid) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  });

  test('STOP transitions emitted while other plugins shut down still run notifyStop', async () => {
    const log = path.join(tmp.dir, 'stop.log');
    // The notifier is listed first, so a plain in-order shutdown would stop it before the emitter.
    const core = await startDaemon(tmp.dir, {
      plugins: [pluginPath('notifier-script'), path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/stop-emitter-plugin.mjs')],
      notify: { instances: { VI_S: { notifyStop: [rec, log, 'stopping'], notify: [rec, log, 'generic'] } } },
    });
    await core.stop();
    assert.deepEqual(lines(log), ['[stopping]', '[generic][INSTANCE][VI_S][STOP][100]']);
  });

  test('a script that others can write, or that sits in a directory others can write, is refused at load', async () => {
    const open = writeScript(path.join(tmp.dir, 'open.sh'), '#!/bin/sh\n', 0o777);
    await assert.rejects(
      startDaemon(tmp.dir, { plugins: PLUGINS, notify: { instances: { VI_1: { notifyMaster: [open] } } } }, { start: false }),
      (err) => {
        assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
        assert.match(err.message, /notify\.instances\.VI_1\.notifyMaster\[0\]/);
        assert.ok(err.message.includes(`${open} is writable by others (mode 0777)`), err.message);
        assert.ok(err.message.includes('hacore.config.json'), 'names the config file');
        return true;
      },
    );
    const dir = path.join(tmp.dir, 'shared');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const inShared = writeScript(path.join(dir, 'ok.sh'), '#!/bin/sh\n', 0o755);
    await assert.rejects(
      startDaemon(tmp.dir, { plugins: PLUGINS, notify: { groups: { G: { notify: { command: [inShared] } } } } }, { start: false }),
      (err) => {
        assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
        assert.ok(err.message.includes(`${dir} is writable by others (mode 0777)`), err.message);
        return true;
      },
    );
    // The same script is accepted once security is explicitly turned off.
    const core = await startDaemon(tmp.dir, { plugins: PLUGINS, notify: { scriptSecurity: false, instances: { VI_1: { notifyMaster: [open] } } } }, { start: false });
    await core.stop();
    // A relative program is refused too: there is no PATH search.
    await assert.rejects(
      startDaemon(tmp.dir, { plugins: PLUGINS, notify: { instances: { VI_1: { notify: ['logger', 'x'] } } } }, { start: false }),
      /logger is not an absolute path/,
    );
  });
});
