// The script checker (keepalived MISC_CHECK) with real processes: exit codes,
// dynamic weight, timeout killing the whole process group, no shell, missing
// program, output capture, user/group, no leaks after 1,000 probes, and the
// checker through the core.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Hacore } from '@hacore/core';
import pino from 'pino';
import { ScriptChecker } from '../../packages/checker-script/dist/src/index.js';
import { waitFor } from '../lib/lab.mjs';

const PLUGIN = fileURLToPath(new URL('../../packages/checker-script/dist/src/index.js', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'hacore-script-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function spec(command, extra = {}) {
  return {
    name: 'script', type: 'script', target: { address: '' }, interval: 1000, timeout: 10_000, rise: 1, fall: 1,
    retryDelay: 1000, warmup: 0, alpha: false, dynamicWeight: false, maxOutputBytes: 4096, command, ...extra,
  };
}
const probe = (s, signal = new AbortController().signal) => new ScriptChecker(s).probe(signal);

/** A pino logger whose debug lines are collected. */
function captureLogger() {
  const lines = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(...chunk.toString().trim().split('\n').map((l) => JSON.parse(l))); cb(); } });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

/** True while a process exists and is not a zombie. */
function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

function ourChildren() {
  const out = [];
  for (const t of readdirSync(`/proc/${process.pid}/task`)) {
    const c = readFileSync(`/proc/${process.pid}/task/${t}/children`, 'utf8').trim();
    if (c) out.push(...c.split(/\s+/));
  }
  return out;
}

test('exit 0 is up, non-zero is down, with the code in the reason', async () => {
  assert.deepEqual(pick(await probe(spec(['/bin/true']))), { ok: true, reason: 'exit 0' });
  assert.deepEqual(pick(await probe(spec(['/bin/false']))), { ok: false, reason: 'exit 1' });
  assert.deepEqual(pick(await probe(spec(['/bin/sh', '-c', 'exit 3']))), { ok: false, reason: 'exit 3' });
  const r = await probe(spec(['/bin/sh', '-c', 'exit 0']));
  assert.ok(r.latencyMs > 0 && r.latencyMs < 10_000);
  assert.equal(r.weight, undefined);
});

function pick(r) {
  return { ok: r.ok, reason: r.reason, ...(r.weight !== undefined ? { weight: r.weight } : {}) };
}

test('dynamicWeight: 0 up (weight unchanged), 1 down, 2..255 up with weight code-2', async () => {
  const d = (code) => probe(spec(['/bin/sh', '-c', `exit ${code}`], { dynamicWeight: true })).then(pick);
  assert.deepEqual(await d(0), { ok: true, reason: 'exit 0' });
  assert.deepEqual(await d(1), { ok: false, reason: 'exit 1' });
  assert.deepEqual(await d(2), { ok: true, reason: 'exit 2', weight: 0 });
  assert.deepEqual(await d(50), { ok: true, reason: 'exit 50', weight: 48 });
  assert.deepEqual(await d(255), { ok: true, reason: 'exit 255', weight: 253 });
});

test('the timeout kills the whole process group, grandchild included', async () => {
  const pidFile = path.join(dir, `gc-${randomBytes(4).toString('hex')}`);
  // The grandchild ignores SIGTERM and SIGHUP and outlives its parent unless its group is killed.
  const cmd = ['/bin/sh', '-c', `trap '' TERM HUP; sleep 30 & echo $! > ${pidFile}; wait`];
  const p = probe(spec(cmd, { timeout: 500 }));
  const gc = Number(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim(), { what: 'grandchild pid' }));
  assert.ok(gc > 1);
  assert.equal(alive(gc), true, 'the grandchild runs while the script runs');
  const r = await p;
  assert.deepEqual(pick(r), { ok: false, reason: 'killed after timeout' });
  assert.ok(r.latencyMs >= 450 && r.latencyMs < 5000, `latency ${r.latencyMs}`);
  await waitFor(() => !alive(gc), { timeoutMs: 2000, what: `grandchild ${gc} gone` });
});

test('the AbortSignal kills the group as the timeout does', async () => {
  const ctrl = new AbortController();
  const p = probe(spec(['/bin/sleep', '30'], { timeout: 10_000 }), ctrl.signal);
  setTimeout(() => ctrl.abort(new Error('timeout')), 100);
  const r = await p;
  assert.equal(r.reason, 'killed after timeout');
  assert.ok(r.latencyMs < 5000);
});

test('what a script leaves running in its group when it exits is killed too', async () => {
  const pidFile = path.join(dir, `bg-${randomBytes(4).toString('hex')}`);
  const r = await probe(spec(['/bin/sh', '-c', `sleep 30 >/dev/null 2>&1 & echo $! > ${pidFile}; exit 0`]));
  assert.equal(r.ok, true);
  const bg = Number(readFileSync(pidFile, 'utf8').trim());
  await waitFor(() => !alive(bg), { timeoutMs: 2000, what: `background ${bg} gone` });
});

test('arguments reach the program as they are: no shell interpretation', async () => {
  const marker = path.join(dir, `touched-${randomBytes(6).toString('hex')}`);
  const { logger, lines } = captureLogger();
  const args = [`; touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, `| touch ${marker}`];
  const r = await new ScriptChecker(spec(['/bin/echo', ...args]), logger).probe(new AbortController().signal);
  assert.equal(r.ok, true);
  assert.equal(existsSync(marker), false);
  const line = lines.find((l) => l.check === 'script');
  assert.equal(line.stdout, `${args.join(' ')}\n`);
});

test('a missing program is down with spawn ENOENT; a non-executable one with spawn EACCES', async () => {
  assert.deepEqual(pick(await probe(spec([path.join(dir, 'no-such-program')]))), { ok: false, reason: 'spawn ENOENT' });
  const f = path.join(dir, 'not-executable');
  writeFileSync(f, '#!/bin/sh\nexit 0\n', { mode: 0o644 });
  assert.deepEqual(pick(await probe(spec([f], { user: 'nobody' }))), { ok: false, reason: 'spawn EACCES' });
});

test('script security: a program others can write, or found in a directory others can write, is refused at creation', async () => {
  const writable = path.join(dir, 'world-writable.sh');
  writeFileSync(writable, '#!/bin/sh\nexit 0\n');
  chmodSync(writable, 0o757);
  assert.throws(() => new ScriptChecker(spec([writable])), (err) => err.code === 'HACORE_ERR_SCRIPT_INSECURE' && err.message.includes(`${writable} is writable by others`));
  // Found through PATH, no slash in the name: the file PATH leads to is the one checked.
  const open = path.join(dir, 'open-dir');
  mkdirSync(open);
  chmodSync(open, 0o777);
  writeFileSync(path.join(open, 'probe-me'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  assert.throws(() => new ScriptChecker(spec(['probe-me'], { env: { PATH: open } })), (err) => err.code === 'HACORE_ERR_SCRIPT_INSECURE' && err.message.includes(`${open} is writable by others`));
  // Switched off per check, as keepalived without enable_script_security.
  assert.deepEqual(pick(await probe(spec([writable], { scriptSecurity: false }))), { ok: true, reason: 'exit 0' });
  chmodSync(writable, 0o755);
  assert.deepEqual(pick(await probe(spec([writable]))), { ok: true, reason: 'exit 0' });
});

test('output is captured, bounded, and logged at debug', async () => {
  const { logger, lines } = captureLogger();
  const r = await new ScriptChecker(spec(['/bin/sh', '-c', 'head -c 10000 /dev/zero | tr "\\0" x; echo oops >&2; exit 4'], { maxOutputBytes: 100 }), logger).probe(new AbortController().signal);
  assert.deepEqual(pick(r), { ok: false, reason: 'exit 4' });
  const line = lines.find((l) => l.check === 'script');
  assert.equal(line.level, 20);
  assert.equal(line.stdout, 'x'.repeat(100));
  assert.equal(line.stderr, 'oops\n');
  assert.equal(line.truncatedBytes, 9900);
  assert.equal(line.reason, 'exit 4');
});

test('user and group: the program runs as them', async () => {
  const ok = await probe(spec(['/bin/sh', '-c', 'test "$(id -u)" = 65534 && test "$(id -g)" = 65534'], { user: 'nobody', group: 65534 }));
  assert.deepEqual(pick(ok), { ok: true, reason: 'exit 0' });
  const asRoot = await probe(spec(['/bin/sh', '-c', 'test "$(id -u)" = 65534']));
  assert.equal(asRoot.ok, false);
  assert.throws(() => new ScriptChecker(spec(['/bin/true'], { user: 'no-such-user-here' })), { code: 'HACORE_ERR_SCRIPT_USER' });
});

test('1,000 probes (exits, timeouts, aborts) leave no child, timer or descriptor behind', async () => {
  const fdsBefore = readdirSync('/proc/self/fd').length;
  const resBefore = process.getActiveResourcesInfo().sort();
  const checkers = [
    new ScriptChecker(spec(['/bin/true'])),
    new ScriptChecker(spec(['/bin/sh', '-c', 'echo hi; exit 3'])),
    new ScriptChecker(spec(['/bin/sleep', '5'], { timeout: 30 })),
    new ScriptChecker(spec([path.join(dir, 'missing')])),
  ];
  const reasons = {};
  for (let done = 0; done < 1000; done += 20) {
    const rs = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
      const ctrl = new AbortController();
      const t = (done + i) % 9 === 0 ? setTimeout(() => ctrl.abort(), 5) : undefined;
      const r = await checkers[(done + i) % checkers.length].probe(ctrl.signal);
      clearTimeout(t);
      return r;
    }));
    for (const r of rs) reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
  }
  assert.equal(Object.values(reasons).reduce((a, b) => a + b, 0), 1000);
  for (const want of ['exit 0', 'exit 3', 'killed after timeout', 'spawn ENOENT']) assert.ok(reasons[want] > 0, JSON.stringify(reasons));
  assert.deepEqual(ourChildren(), []);
  // At most what was open before (a child of an earlier test may have ended meanwhile): nothing new.
  assert.ok(readdirSync('/proc/self/fd').length <= fdsBefore, 'descriptors left open');
  const count = (list) => list.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map());
  const before = count(resBefore);
  const excess = () => [...count(process.getActiveResourcesInfo())].filter(([kind, n]) => n > (before.get(kind) ?? 0));
  // A child already reaped can still hold its ProcessWrap until its close callback has run
  // (a later turn of the loop, later still on a loaded machine): wait for that, boundedly.
  for (const end = Date.now() + 2000; excess().length > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 10));
  for (const [kind, n] of excess()) assert.fail(`${kind}: ${n} now, ${before.get(kind) ?? 0} before`);
});

test('through the core: Hacore.load with the plugin, a target-state event, stop', async () => {
  const configFile = path.join(dir, 'hacore.config.json');
  writeFileSync(configFile, JSON.stringify({
    plugins: [PLUGIN],
    checks: [
      { name: 'dyn', type: 'script', command: ['/bin/sh', '-c', 'exit 7'], dynamicWeight: true, interval: '100ms', warmup: '0ms' },
      { name: 'bad', type: 'script', command: ['/bin/false'], interval: '100ms', warmup: '0ms' },
    ],
  }));
  const core = await Hacore.load({ configFile, role: 'single' });
  const events = [];
  core.hooks.event.tap('test', (e) => void (e.kind === 'target-state' && events.push(e)));
  await core.start();
  try {
    await waitFor(() => events.length >= 2, { timeoutMs: 5000, what: 'two target-state events' });
  } finally {
    await core.stop('test');
  }
  const by = Object.fromEntries(events.map((e) => [e.check, e]));
  assert.deepEqual([by.dyn.to, by.dyn.reason, by.dyn.weight], ['up', 'exit 7', 5]);
  assert.deepEqual([by.bad.to, by.bad.reason], ['down', 'exit 1']);
});

test('a bad config is refused before anything runs', async () => {
  const configFile = path.join(dir, 'bad.config.json');
  writeFileSync(configFile, JSON.stringify({ plugins: [PLUGIN], checks: [{ name: 'x', type: 'script', command: 'echo hi' }] }));
  await assert.rejects(Hacore.load({ configFile, role: 'single' }), { code: 'HACORE_ERR_CONFIG_INVALID' });
});
