// The ICMP checker under the real daemon (`hacore start`: supervisor + check
// child) inside a namespace: its status section reaches `hacore status --json`,
// and without CAP_NET_RAW the daemon refuses to start with the coded error
// (exit 1, no crash, no restart loop).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Lab, sh, waitFor } from '../lib/lab.mjs';
import { PLUGIN } from '../../packages/checker-icmp/test-support/run-child.mjs';

const HACORE = fileURLToPath(new URL('../../packages/core/bin/hacore.js', import.meta.url));
let lab;
let dir;
let configFile;
before(async () => {
  lab = await Lab.create('icmpd', ['chk', 'up'], {
    addresses: { chk: ['198.51.100.1/24', '2001:db8::1/64'], up: ['198.51.100.11/24', '2001:db8::11/64'] },
    dad: false,
  });
  dir = mkdtempSync(path.join(tmpdir(), 'hacore-icmpd-'));
  configFile = path.join(dir, 'hacore.config.json');
  writeFileSync(configFile, JSON.stringify({
    plugins: [PLUGIN],
    controlSocket: path.join(dir, 'hacore.sock'),
    pidFile: path.join(dir, 'hacore.pid'),
    // The sharing of one socket per family within one check process: no check workers (each would hold its own).
    checkWorkers: 1,
    checks: [
      { name: 'up4', type: 'icmp', address: '198.51.100.11', interval: '200ms', timeout: '1s', warmup: '0ms' },
      { name: 'up6', type: 'icmp', address: '2001:db8::11', interval: '200ms', timeout: '1s', warmup: '0ms' },
    ],
  }));
});
after(async () => {
  await lab?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function startDaemon(wrap = []) {
  const p = spawn('ip', ['netns', 'exec', lab.ns('chk'), ...wrap, process.execPath, HACORE, 'start', '-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  p.stdout.on('data', (d) => (out.stdout += d));
  p.stderr.on('data', (d) => (out.stderr += d));
  const exited = new Promise((resolve) => p.on('exit', (code, signal) => resolve({ code, signal })));
  return { p, out, exited };
}

test('hacore start: the check child probes over the shared sockets and reports them in status', async () => {
  const d = startDaemon();
  try {
    const status = await waitFor(async () => {
      const doc = JSON.parse(await sh(process.execPath, [HACORE, 'status', '-c', configFile, '--json']));
      const up = doc.check?.targets?.filter((t) => t.state === 'up').length;
      return up === 2 ? doc : undefined;
    }, { timeoutMs: 15_000, everyMs: 200, what: 'both ICMP checks up in hacore status' });
    assert.deepEqual(Object.keys(status.check.icmp.sockets).sort(), ['ipv4', 'ipv6']);
    assert.equal(status.check.icmp.sockets.ipv4.refs, 2, 'the plugin and the one IPv4 check');
    assert.ok(status.check.icmp.sockets.ipv6.matched >= 1);
    assert.equal(status.main.icmp, undefined, 'the plugin runs in the check child only');
  } finally {
    await sh(process.execPath, [HACORE, 'stop', '-c', configFile]).catch(() => d.p.kill('SIGTERM'));
    const { code } = await d.exited;
    assert.equal(code, 0, d.out.stderr);
  }
});

test('hacore start without CAP_NET_RAW: exit 1 with HACORE_ERR_ICMP_CAP_NET_RAW, not a crash', async () => {
  const d = startDaemon(['setpriv', '--inh-caps=-net_raw', '--bounding-set=-net_raw', '--']);
  const kill = setTimeout(() => d.p.kill('SIGKILL'), 15_000);
  const { code, signal } = await d.exited;
  clearTimeout(kill);
  assert.equal(signal, null);
  assert.equal(code, 1);
  assert.match(d.out.stderr, /HACORE_ERR_ICMP_CAP_NET_RAW/);
  assert.match(d.out.stderr, /CAP_NET_RAW/);
  assert.doesNotMatch(d.out.stderr, /Uncaught|at process\.processTicksAndRejections/);
});
