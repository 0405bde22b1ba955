import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { requestStatus, seedFromControlSocket, targetsFromStatus } from '../src/plugin-check-seed.js';

/** A control socket speaking the core's protocol: one JSON line in, one JSON document out. */
async function fakeDaemon(file: string, answer: (req: string) => unknown): Promise<{ close(): Promise<void>; requests: string[] }> {
  const requests: string[] = [];
  const server = net.createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (c: string) => {
      buf += c;
      const i = buf.indexOf('\n');
      if (i < 0) return;
      const line = buf.slice(0, i);
      requests.push(line);
      sock.end(JSON.stringify(answer(line)));
    });
  });
  await new Promise<void>((r) => server.listen(file, r));
  return { requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const STATUS = {
  main: { role: 'main', targets: [] },
  check: {
    role: 'check',
    targets: [
      { check: 'web', state: 'down' },
      { check: 'db', state: 'up' },
      { check: 'new', state: 'unknown' },
    ],
  },
  vrrp: { role: 'vrrp', targets: [] },
};

describe('reading check states from the daemon (restarted vrrp child)', () => {
  it('targetsFromStatus keeps the known states of every role', () => {
    assert.deepEqual(targetsFromStatus(STATUS), [
      { check: 'web', state: 'down' },
      { check: 'db', state: 'up' },
    ]);
    assert.deepEqual(targetsFromStatus(null), []);
    assert.deepEqual(targetsFromStatus({ check: { targets: 'nope' } }), []);
  });

  it('asks the control socket for status and applies what it learns', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-seed-'));
    const file = path.join(dir, 'ctl.sock');
    const d = await fakeDaemon(file, () => ({ ok: true, result: STATUS }));
    try {
      assert.deepEqual(await requestStatus(file), STATUS);
      const seen: string[] = [];
      const n = await seedFromControlSocket(file, (c, s) => seen.push(`${c}=${s}`), () => false);
      assert.equal(n, 2);
      assert.deepEqual(seen, ['web=down', 'db=up']);
      assert.deepEqual(d.requests, ['{"cmd":"status"}', '{"cmd":"status"}']);
    } finally {
      await d.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('retries while the daemon is not listening yet, and gives up when cancelled', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-seed-'));
    const file = path.join(dir, 'ctl.sock');
    try {
      const seen: string[] = [];
      const pending = seedFromControlSocket(file, (c, s) => seen.push(`${c}=${s}`), () => false, 3);
      await new Promise((r) => setTimeout(r, 100));
      const d = await fakeDaemon(file, () => ({ ok: true, result: STATUS }));
      assert.equal(await pending, 2, 'the second attempt reaches the daemon');
      await d.close();
      let cancelled = false;
      const gaveUp = seedFromControlSocket(path.join(dir, 'none.sock'), () => assert.fail('nothing to apply'), () => cancelled, 5);
      cancelled = true;
      assert.equal(await gaveUp, 0);
      assert.deepEqual(seen, ['web=down', 'db=up']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a refusal from the daemon applies nothing', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-seed-'));
    const file = path.join(dir, 'ctl.sock');
    const d = await fakeDaemon(file, () => ({ ok: false, error: { code: 'X', message: 'no' } }));
    try {
      await assert.rejects(requestStatus(file));
      const n = await seedFromControlSocket(file, () => assert.fail('nothing to apply'), () => false, 1);
      assert.equal(n, 0);
    } finally {
      await d.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
