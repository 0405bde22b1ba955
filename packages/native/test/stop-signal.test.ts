// The stop frames (sent from the SIGTERM/SIGINT handler itself) and SO_ATTACH_FILTER,
// on real raw sockets over loopback (root, as CI runs). Each case runs in a fresh
// process: a signal handler must not be left in the test runner.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const native = fileURLToPath(new URL('../src/index.js', import.meta.url));

function inChild(body: string): { status: number | null; signal: string | null; stdout: string; stderr: string } {
  const script = `import * as m from ${JSON.stringify(native)};\nconst { RawSocket } = m;\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

// Protocol 253 (RFC 3692, for experiments) on 127.0.0.1: a receiving raw socket sees what the handler sent.
const SETUP = `
  const rx = RawSocket.open(4, 253);
  const tx = RawSocket.open(4, 253);
  const read = () => { const b = Buffer.alloc(256); const r = rx.recvFrom(b); return r ? b.subarray(20, r.bytes).toString() : 'nothing'; };
`;

describe('@hacore/native: frames sent from the stop signal handler', () => {
  it('SIGTERM sends the armed frames before the process listener runs, which still runs', () => {
    const r = inChild(`${SETUP}
      process.on('SIGTERM', () => {
        console.log(read(), JSON.stringify(m.stopFramesSent()), read());
        process.exit(0);
      });
      m.setStopFrames([{ key: 7, fd: tx.fd, family: 4, bytes: Buffer.from('bye-7'), dst: '127.0.0.1' }]);
      m.setStopFrames([{ key: 8, fd: tx.fd, family: 4, bytes: Buffer.from('bye-8'), dst: '127.0.0.1' }]);
      console.log(JSON.stringify(m.stopFramesSent()));
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => console.log('no listener ran'), 2000);
    `);
    assert.equal(r.status, 0, r.stderr);
    // Nothing sent before the signal; only the table in force (key 8), once.
    assert.deepEqual(r.stdout.trim().split('\n'), ['[]', 'bye-8 [8] nothing']);
  });

  it('with no listener the signal still ends the process (default action), after the frames left', () => {
    const r = inChild(`${SETUP}
      m.setStopFrames([{ key: 1, fd: tx.fd, family: 4, bytes: Buffer.from('bye'), dst: '127.0.0.1' }]);
      process.kill(process.pid, 'SIGINT');
      setTimeout(() => console.log('still alive'), 2000);
    `);
    assert.equal(r.signal, 'SIGINT', `${r.status} ${r.stdout} ${r.stderr}`);
    assert.equal(r.stdout, '');
  });

  it('setSignalForward passes SIGTERM on to the pids from the handler', () => {
    const r = inChild(`
      const { spawn } = await import('node:child_process');
      const c = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => { console.log("child got SIGTERM"); process.exit(0); }); console.log("up"); setInterval(() => {}, 1000);'], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise((res) => c.stdout.once('data', res));
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      process.on('SIGTERM', () => {});
      m.setSignalForward([c.pid]);
      process.kill(process.pid, 'SIGTERM');
      await new Promise((res) => c.once('exit', res));
      console.log(out.trim(), c.exitCode);
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'child got SIGTERM 0');
  });
});
