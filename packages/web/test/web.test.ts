import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { actionRequest, type StatusReport } from '@hacore/core';
import { Auth, hashPassword } from '../src/auth.js';
import { isLoopback, parseListen } from '../src/config.js';
import { ProbeHistory } from '../src/history.js';
import { actionAllowed, hostAllowed } from '../src/server.js';
import { TargetDeltas } from '../src/target-deltas.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

function files(): { token: string; users: string } {
  const d = mkdtempSync(path.join(tmpdir(), 'hacore-web-'));
  const token = path.join(d, 'token');
  const users = path.join(d, 'users');
  writeFileSync(token, 'a-token-of-enough-length\n');
  writeFileSync(users, `# operators\n${hashPassword('ops', 'correct horse')}\n`);
  return { token, users };
}

describe('web auth', () => {
  it('takes the bearer token and basic users, and nothing else', () => {
    const f = files();
    const auth = new Auth({ tokenFile: f.token, usersFile: f.users });
    assert.equal(auth.check(req({ authorization: 'Bearer a-token-of-enough-length' })), 'token');
    assert.equal(auth.check(req({ authorization: 'Bearer a-token-of-enough-lengtX' })), undefined);
    assert.equal(auth.check(req({ authorization: `Basic ${Buffer.from('ops:correct horse').toString('base64')}` })), 'ops');
    assert.equal(auth.check(req({ authorization: `Basic ${Buffer.from('ops:wrong').toString('base64')}` })), undefined);
    assert.equal(auth.check(req({ authorization: `Basic ${Buffer.from('nobody:correct horse').toString('base64')}` })), undefined);
    assert.equal(auth.check(req({})), undefined);
    assert.deepEqual(auth.schemes, ['Bearer', 'Basic']);
  });

  it('refuses a short token and a malformed users file with the line', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'hacore-web-'));
    writeFileSync(path.join(d, 't'), 'short');
    writeFileSync(path.join(d, 'u'), 'ops:plain-password\n');
    assert.throws(() => new Auth({ tokenFile: path.join(d, 't') }), /at least 16/);
    assert.throws(() => new Auth({ usersFile: path.join(d, 'u') }), /u:1: expected name:scrypt/);
  });

  it('actions need credentials, JSON and the same origin', () => {
    const f = files();
    const auth = new Auth({ tokenFile: f.token });
    const ok = { authorization: 'Bearer a-token-of-enough-length', 'content-type': 'application/json', host: '198.51.100.1:9660' };
    assert.deepEqual(actionAllowed(req(ok), auth), { ok: true, user: 'token' });
    assert.equal((actionAllowed(req({ ...ok, authorization: 'Bearer x' }), auth) as { status: number }).status, 401);
    assert.equal((actionAllowed(req({ ...ok, 'content-type': 'text/plain' }), auth) as { status: number }).status, 415);
    assert.equal((actionAllowed(req({ ...ok, origin: 'http://evil.example' }), auth) as { status: number }).status, 403);
    assert.equal((actionAllowed(req({ ...ok, origin: 'http://198.51.100.1:9660' }), auth) as { ok: boolean }).ok, true);
    assert.equal((actionAllowed(req(ok), new Auth({})) as { status: number }).status, 403, 'no credentials configured: no actions');
  });

  it('a loopback console answers only to loopback host names (DNS rebinding)', () => {
    assert.equal(hostAllowed(req({ host: '127.0.0.1:9660' }), true), true);
    assert.equal(hostAllowed(req({ host: 'localhost:9660' }), true), true);
    assert.equal(hostAllowed(req({ host: '[::1]:9660' }), true), true);
    assert.equal(hostAllowed(req({ host: 'attacker.example:9660' }), true), false);
    assert.equal(hostAllowed(req({ host: 'attacker.example:9660' }), false), true);
    assert.equal(isLoopback('127.0.0.1'), true);
    assert.equal(isLoopback('198.51.100.1'), false);
    assert.deepEqual(parseListen('[::1]:9660'), { host: '::1', port: 9660 });
    assert.equal(parseListen('localhost:9660'), undefined);
  });
});

describe('action requests', () => {
  it('are checked for shape before any plugin sees them', () => {
    assert.deepEqual(actionRequest({ action: 'drain', args: { realServer: '198.51.100.21:80' } }, 'web'), { name: 'drain', args: { realServer: '198.51.100.21:80' }, origin: 'web' });
    assert.throws(() => actionRequest({ action: 'Drain!' }, 'web'), /lower-case/);
    assert.throws(() => actionRequest({ action: 'drain', args: { n: 5 } }, 'web'), /must be a string/);
    assert.throws(() => actionRequest({ action: 'drain', args: [] }, 'web'), /object of strings/);
  });
});

describe('probe history', () => {
  it('keeps one sample per probe for the configured time, and forgets removed checks', () => {
    const h = new ProbeHistory(10_000);
    const doc = (at: number, ok: boolean, checks = ['a']): Record<string, StatusReport> => ({
      check: { targets: checks.map((check) => ({ check, lastProbeAt: at, lastResult: { ok, latencyMs: 1.234, reason: 'x' } })) } as unknown as StatusReport,
    });
    h.ingest(doc(1000, true), 1000);
    h.ingest(doc(1000, true), 1500);
    assert.deepEqual(h.ingest(doc(2000, false), 2000), { a: [[2000, 0, 1.2]] }, 'a read returns only what it added');
    assert.deepEqual(h.ingest(doc(2000, false), 2500), {}, 'nothing new, nothing added');
    assert.deepEqual(h.snapshot(), { a: [[1000, 1, 1.2], [2000, 0, 1.2]] });
    h.ingest(doc(13_000, true), 13_000);
    assert.deepEqual(h.snapshot().a, [[13_000, 1, 1.2]]);
    h.ingest(doc(14_000, true, ['b']), 14_000);
    assert.deepEqual(Object.keys(h.snapshot()), ['b']);
  });
});

describe('live status deltas', () => {
  const t = (check: string, lastProbeAt: number, state: 'up' | 'down' = 'up') => ({ check, type: 'tcp', target: { address: '127.0.0.1', port: 1 }, state, since: 0, lastProbeAt });
  const doc = (targets: ReturnType<typeof t>[]) => ({ check: { version: '1', pid: 1, targets } }) as never;

  it('sends a process whole first, then only the targets that changed, and whole again when its checks change', () => {
    const d = new TargetDeltas();
    const first = d.next(doc([t('a', 1), t('b', 1)]));
    assert.equal((first.check as { targetsDelta?: true }).targetsDelta, undefined);
    assert.deepEqual((first.check!.targets as { check: string }[]).map((x) => x.check), ['a', 'b']);
    const second = d.next(doc([t('a', 2), t('b', 1)]));
    assert.equal((second.check as { targetsDelta?: true }).targetsDelta, true);
    assert.deepEqual((second.check!.targets as { check: string }[]).map((x) => x.check), ['a']);
    const same = d.next(doc([t('a', 2), t('b', 1)]));
    assert.deepEqual(same.check!.targets, []);
    const flipped = d.next(doc([t('a', 2), t('b', 1, 'down')]));
    assert.deepEqual((flipped.check!.targets as { check: string }[]).map((x) => x.check), ['b']);
    const reloaded = d.next(doc([t('a', 2), t('c', 1)]));
    assert.equal((reloaded.check as { targetsDelta?: true }).targetsDelta, undefined);
    assert.deepEqual((reloaded.check!.targets as { check: string }[]).map((x) => x.check), ['a', 'c']);
  });
});
