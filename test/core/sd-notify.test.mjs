// The sd_notify protocol without systemd: the test binds an AF_UNIX datagram
// socket (a python3 receiver; Node has none), starts the real daemon with
// NOTIFY_SOCKET pointing at it, and asserts READY=1 with MAINPID once the roles
// are up, RELOADING=1 (with MONOTONIC_USEC) then READY=1 around a reload by
// `hacore reload` and by SIGHUP, and STOPPING=1 on `hacore stop`.
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { writeFileSync, rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { HacoreProcess, hacoreCli, repoTempDir } from '../lib/daemon.mjs';
import { datagramReceiver } from '../lib/datagram-receiver.mjs';

const dir = repoTempDir('hdeb-notify');
after(() => rmSync(dir, { recursive: true, force: true }));

test('the daemon speaks sd_notify on $NOTIFY_SOCKET: READY, RELOADING/READY, STOPPING', { timeout: 60_000 }, async () => {
  const server = net.createServer((s) => s.end());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const cfg = path.join(dir, 'hacore.yaml');
  writeFileSync(cfg, [
    'plugins: ["@hacore/checker-tcp"]',
    `controlSocket: ${path.join(dir, 'hacore.sock')}`,
    `pidFile: ${path.join(dir, 'hacore.pid')}`,
    `stateDir: ${path.join(dir, 'state')}`,
    'checks:',
    `  - { name: hdeb-notify, type: tcp, address: 127.0.0.1, port: ${server.address().port}, interval: 200ms, timeout: 1s, rise: 1 }`,
    '',
  ].join('\n'));
  const rx = datagramReceiver(path.join(dir, 'notify.sock'));
  let d;
  try {
    await rx.bound;
    d = new HacoreProcess(['--config', cfg], { env: { NOTIFY_SOCKET: path.join(dir, 'notify.sock') } });
    const ready = await rx.next(0, (m) => m.split('\n').includes('READY=1'), 'READY=1');
    assert.ok(ready.m.split('\n').includes(`MAINPID=${d.pid}`), ready.m);
    // READY=1 only after the roles are up: the check's child already ran it.
    assert.ok(d.lines.some((r) => r.role !== undefined), 'READY=1 before any log line');

    const r1 = await hacoreCli(['reload', '--config', cfg]);
    assert.equal(r1.code, 0, r1.stderr);
    const reloading = await rx.next(ready.i + 1, (m) => m.startsWith('RELOADING=1'), 'RELOADING=1');
    const usec = /MONOTONIC_USEC=(\d+)/.exec(reloading.m);
    assert.ok(usec && BigInt(usec[1]) > 0n, reloading.m);
    const ready2 = await rx.next(reloading.i + 1, (m) => m === 'READY=1', 'READY=1 after reload');

    d.proc.kill('SIGHUP');
    const reloading2 = await rx.next(ready2.i + 1, (m) => m.startsWith('RELOADING=1'), 'RELOADING=1 on SIGHUP');
    const ready3 = await rx.next(reloading2.i + 1, (m) => m === 'READY=1', 'READY=1 after SIGHUP');

    assert.equal((await hacoreCli(['stop', '--config', cfg])).code, 0);
    await rx.next(ready3.i + 1, (m) => m === 'STOPPING=1', 'STOPPING=1');
    assert.equal((await d.exited).code, 0, d.stderr);
  } finally {
    if (d) await d.stop('SIGKILL');
    rx.proc.kill();
    server.close();
  }
});
