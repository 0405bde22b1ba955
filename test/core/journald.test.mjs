// Logs to journald and to syslog without either running: the test binds the
// datagram sockets (a python3 receiver), starts the real daemon (supervisor and
// check child) and reads what each process sent: journald's native protocol
// with ROLE/PLUGIN/CHECK/PRIORITY fields (so `journalctl -u hacore ROLE=check`
// works), found by $JOURNAL_STREAM as systemd sets it; RFC 3164 lines with
// `logging.syslog`.
import assert from 'node:assert/strict';
import { closeSync, fstatSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { datagramReceiver, parseJournalEntry } from '../lib/datagram-receiver.mjs';
import { HacoreProcess, hacoreCli, repoTempDir, acceptingServer } from '../lib/daemon.mjs';

const dir = repoTempDir('hlog');
after(() => rmSync(dir, { recursive: true, force: true }));

let server;
async function tcpServer() {
  server ??= await acceptingServer();
  return server.address().port;
}
after(() => server?.close());

async function config(name, extra = []) {
  const cfg = path.join(dir, `${name}.yaml`);
  writeFileSync(cfg, [
    'plugins: ["@hacore/checker-tcp"]',
    `controlSocket: ${path.join(dir, `${name}-control.sock`)}`,
    `pidFile: ${path.join(dir, `${name}.pid`)}`,
    ...extra,
    'checks:',
    `  - { name: hlog-${name}, type: tcp, address: 127.0.0.1, port: ${await tcpServer()}, interval: 200ms, timeout: 1s, rise: 1 }`,
    '',
  ].join('\n'));
  return cfg;
}

test('under systemd ($JOURNAL_STREAM is stdout): every process logs to the journal with queryable fields', { timeout: 60_000 }, async () => {
  const cfg = await config('journal');
  const rx = datagramReceiver(path.join(dir, 'journal.sock'));
  await rx.bound;
  // What systemd does: stdout is the journal's stream, and JOURNAL_STREAM names its device:inode.
  const outFile = path.join(dir, 'stdout.log');
  const fd = openSync(outFile, 'w');
  const st = fstatSync(fd, { bigint: true });
  closeSync(fd);
  const d = new HacoreProcess([], {
    command: ['sh', '-c', `exec "$0" "$@" >>${outFile}`, process.execPath, path.resolve('packages/core/bin/hacore.js'), 'start', '--config', cfg],
    env: { JOURNAL_STREAM: `${st.dev}:${st.ino}`, HACORE_JOURNAL_SOCKET: path.join(dir, 'journal.sock') },
  });
  try {
    const up = await rx.next(0, (_m, raw) => {
      const e = parseJournalEntry(raw);
      return e.CHECK === 'hlog-journal' && e.TO === 'up';
    }, 'check up entry');
    const e = parseJournalEntry(up.raw);
    assert.equal(e.ROLE, 'check');
    assert.equal(e.SYSLOG_IDENTIFIER, 'hacore');
    assert.equal(e.PRIORITY, '6');
    assert.match(e.MESSAGE, /hlog-journal/);
    assert.equal(JSON.parse(e.HACORE_JSON).check, 'hlog-journal');
    // `journalctl ROLE=main`: the supervisor's entries apart from the check child's.
    const started = await rx.next(0, (_m, raw) => parseJournalEntry(raw).MESSAGE === 'hacore started' && parseJournalEntry(raw).ROLE === 'main', 'main started');
    assert.equal(Number(parseJournalEntry(started.raw).SYSLOG_PID), d.pid);
    assert.notEqual(Number(e.SYSLOG_PID), d.pid, 'the check child logs as itself');
    // A refused reload: one warning entry (PRIORITY 4) naming file:line: path: reason.
    writeFileSync(cfg, readFileSync(cfg, 'utf8').replace('interval: 200ms', 'interval: soon'));
    const mark = rx.messages.length;
    const r = await hacoreCli(['reload', '--config', cfg]);
    assert.equal(r.code, 1);
    const refused = await rx.next(mark, (_m, raw) => /^reload refused/.test(parseJournalEntry(raw).MESSAGE ?? ''), 'reload refused');
    const w = parseJournalEntry(refused.raw);
    assert.equal(w.PRIORITY, '4');
    assert.equal(w.CODE, 'HACORE_ERR_CONFIG_INVALID');
    assert.match(w.MESSAGE, /journal\.yaml:5: checks\[0\]\.interval: expected a duration/);
    assert.equal(/\n\s+at /.test(w.MESSAGE + (w.ERR ?? '')), false, 'no stack trace');
    assert.equal(rx.messages.slice(mark).filter((m) => /expected a duration/.test(m)).length, 1, 'the reason is logged once');
    // Nothing went to stdout but what the journal could not take.
    assert.equal(readFileSync(outFile, 'utf8').includes('"msg":"hacore started"'), false);
  } finally {
    assert.equal((await d.stop()).code, 0);
    rx.proc.kill();
  }
});

test('logging.syslog: RFC 3164 lines with facility, ident and pid, from every process', { timeout: 60_000 }, async () => {
  const sock = path.join(dir, 'syslog.sock');
  const cfg = await config('syslog', ['logging:', `  syslog: { facility: local3, ident: hacore-test, socket: ${sock} }`]);
  const rx = datagramReceiver(sock);
  await rx.bound;
  const d = new HacoreProcess(['--config', cfg]);
  try {
    // local3 = 19: <19*8+6> for info.
    const up = await rx.next(0, (m) => /\[check\] .*hlog-syslog/.test(m) && /to=up/.test(m), 'check up line');
    assert.match(up.m, /^<158>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d hacore-test\[\d+\]: \[check\] /);
    const main = await rx.next(0, (m) => /\[main\] hacore started/.test(m), 'main started');
    assert.match(main.m, new RegExp(`hacore-test\\[${d.pid}\\]`));
  } finally {
    assert.equal((await d.stop()).code, 0);
    rx.proc.kill();
  }
});

test('a bad logging section is refused with its path', async () => {
  const cfg = await config('bad', ['logging:', '  syslog: { facility: nowhere }']);
  const r = await hacoreCli(['check-config', '--config', cfg]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /logging\.syslog/);
});
