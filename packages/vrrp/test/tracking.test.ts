import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { TrackingSet, evaluateTracking, type TrackedItem } from '../src/tracking.js';
import { RiseFallCounter, TrackScriptRunner, runScriptOnce } from '../src/tracking-script.js';

const up = { name: 'eth0', up: true };
const item = (kind: TrackedItem['kind'], name: string, weight: number, state: TrackedItem['state']): TrackedItem => ({ kind, name, weight, state });

describe('evaluateTracking (keepalived weight convention)', () => {
  const table: [string, number, TrackedItem[], number, boolean][] = [
    ['no items', 100, [], 100, false],
    ['positive weight adds while up', 100, [item('check', 'a', 20, 'up')], 120, false],
    ['positive weight adds nothing while down', 100, [item('check', 'a', 20, 'down')], 100, false],
    ['negative weight subtracts while down', 100, [item('check', 'a', -30, 'down')], 70, false],
    ['negative weight subtracts nothing while up', 100, [item('check', 'a', -30, 'up')], 100, false],
    ['unknown state counts as neither', 100, [item('check', 'a', 20, 'unknown'), item('check', 'b', -20, 'unknown'), item('script', 'c', 0, 'unknown')], 100, false],
    ['weights add up', 100, [item('check', 'a', 20, 'up'), item('script', 'b', -50, 'down'), item('interface', 'eth1', 5, 'up')], 75, false],
    ['clamped at 254', 250, [item('check', 'a', 20, 'up')], 254, false],
    ['clamped at 1', 10, [item('check', 'a', -100, 'down')], 1, false],
    ['weight 0 down is Fault', 100, [item('interface', 'eth1', 0, 'down')], 100, true],
    ['weight 0 up is fine', 100, [item('interface', 'eth1', 0, 'up')], 100, false],
    ['owner keeps 255 whatever the weights', 255, [item('check', 'a', -100, 'down')], 255, false],
    ['owner still faults on weight 0', 255, [item('check', 'a', 0, 'down')], 255, true],
  ];
  for (const [what, base, items, effective, fault] of table) {
    it(what, () => {
      const r = evaluateTracking(base, items, up);
      assert.equal(r.effective, effective);
      assert.equal(r.fault, fault);
      assert.equal(r.faultReason === undefined, !fault);
    });
  }

  it('the own interface down is Fault and named first', () => {
    const r = evaluateTracking(100, [item('check', 'web', 0, 'down')], { name: 'eth0', up: false });
    assert.equal(r.fault, true);
    assert.equal(r.faultReason, 'interface eth0 down');
  });

  it('names the first weight-0 item that is down', () => {
    const r = evaluateTracking(100, [item('check', 'web', 0, 'up'), item('script', 'chk_db', 0, 'down')], up);
    assert.equal(r.faultReason, 'script chk_db down');
  });
});

describe('TrackingSet', () => {
  it('tracks states by kind and name and reports changes only', () => {
    const t = new TrackingSet({ interfaces: [{ name: 'eth1', weight: 0 }], checks: [{ name: 'web', weight: -20 }], scripts: [{ name: 'web', weight: 10 }] });
    assert.equal(t.evaluate(100, up).effective, 100);
    assert.equal(t.set('check', 'web', 'down'), true);
    assert.equal(t.set('check', 'web', 'down'), false, 'same state is no change');
    assert.equal(t.evaluate(100, up).effective, 80);
    // A script with the same name as the check is a different item.
    assert.equal(t.set('script', 'web', 'up'), true);
    assert.equal(t.evaluate(100, up).effective, 90);
    assert.equal(t.set('check', 'other', 'down'), false, 'untracked names change nothing');
    assert.equal(t.set('interface', 'eth1', 'down'), true);
    assert.equal(t.evaluate(100, up).fault, true);
    assert.deepEqual(t.names('interface'), ['eth1']);
    assert.equal(t.has('check', 'web'), true);
    assert.equal(t.has('check', 'nope'), false);
  });
});

describe('RiseFallCounter', () => {
  it('needs rise successes to go up and fall failures to go down', () => {
    const c = new RiseFallCounter(2, 3);
    assert.equal(c.push(true), undefined);
    assert.equal(c.push(true), 'up');
    assert.equal(c.push(true), undefined);
    assert.equal(c.push(false), undefined);
    assert.equal(c.push(false), undefined);
    assert.equal(c.push(true), undefined, 'a success resets the failure run');
    assert.equal(c.push(false), undefined);
    assert.equal(c.push(false), undefined);
    assert.equal(c.push(false), 'down');
    assert.equal(c.state, 'down');
  });

  it('goes down from unknown after fall failures', () => {
    const c = new RiseFallCounter(1, 1);
    assert.equal(c.push(false), 'down');
    assert.equal(c.push(true), 'up');
  });
});

describe('track scripts (no shell)', () => {
  it('exit 0 is success, anything else a failure, with a reason', async () => {
    assert.deepEqual(await runScriptOnce(['/bin/true'], 2000), { ok: true, reason: 'exit 0' });
    assert.deepEqual(await runScriptOnce(['/bin/false'], 2000), { ok: false, reason: 'exit 1' });
    assert.deepEqual(await runScriptOnce(['/bin/sh', '-c', 'exit 7'], 2000), { ok: false, reason: 'exit 7' });
  });

  it('arguments are not interpreted by a shell', async () => {
    // With a shell, `;` would run `true`; without one, test(1) sees 3 args and fails.
    const r = await runScriptOnce(['/usr/bin/test', 'x', ';', 'true'], 2000);
    assert.equal(r.ok, false);
  });

  it('a missing command fails with ENOENT', async () => {
    const r = await runScriptOnce(['/nonexistent/hacore-script'], 2000);
    assert.deepEqual(r, { ok: false, reason: 'ENOENT' });
  });

  it('a script past its timeout is killed and fails', async () => {
    const t0 = performance.now();
    const r = await runScriptOnce(['/bin/sleep', '10'], 150);
    assert.deepEqual(r, { ok: false, reason: 'timeout' });
    assert.ok(performance.now() - t0 < 5000);
  });

  it('a runner reports up and down as the script result changes', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-track-'));
    const flag = path.join(dir, 'ok');
    const changes: string[] = [];
    let notify: (() => void) | undefined;
    const next = (): Promise<void> => new Promise((r) => (notify = r));
    const runner = new TrackScriptRunner('chk', { command: ['/usr/bin/test', '-e', flag], interval: 20, rise: 2, fall: 1, weight: 0 }, (name, state) => {
      changes.push(`${name}:${state}`);
      notify?.();
    });
    try {
      let wait = next();
      runner.start();
      await wait;
      assert.deepEqual(changes, ['chk:down']);
      wait = next();
      await writeFile(flag, '');
      await wait;
      assert.deepEqual(changes, ['chk:down', 'chk:up']);
      assert.equal(runner.state, 'up');
      wait = next();
      await rm(flag);
      await wait;
      assert.deepEqual(changes, ['chk:down', 'chk:up', 'chk:down']);
    } finally {
      runner.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stopping a runner kills the script it is running', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-track-'));
    const pidFile = path.join(dir, 'pid');
    // The shell here is the script under test, not a shell around it: it records its pid and becomes sleep.
    const runner = new TrackScriptRunner('slow', { command: ['/bin/sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], interval: 60_000, timeout: 60_000, rise: 1, fall: 1, weight: 0 }, () => {});
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    let pid = 0;
    try {
      runner.start();
      for (let i = 0; i < 200 && !pid; i++) {
        pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim()) || 0;
        if (!pid) await new Promise((r) => setTimeout(r, 10));
      }
      assert.ok(pid > 0, 'the script started');
      runner.stop();
      for (let i = 0; i < 200 && alive(pid); i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(alive(pid), false, 'the script is gone within 2 s of stop()');
    } finally {
      runner.stop();
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a script past its timeout is killed with what it started', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-track-'));
    const pidFile = path.join(dir, 'pid');
    let pid = 0;
    try {
      // A wrapper that starts a long job and waits for it, as a health-check script may.
      const r = await runScriptOnce(['/bin/sh', '-c', `sleep 30 & echo $! > ${pidFile}; wait`], 300);
      assert.deepEqual(r, { ok: false, reason: 'timeout' });
      pid = Number((await readFile(pidFile, 'utf8')).trim());
      assert.ok(pid > 0);
      const alive = (): boolean => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 200 && alive(); i++) await new Promise((res) => setTimeout(res, 10));
      assert.equal(alive(), false, 'the job the script started is gone too');
    } finally {
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an aborted run resolves at once as stopped', async () => {
    const ac = new AbortController();
    const t0 = performance.now();
    const p = runScriptOnce(['/bin/sleep', '10'], 10_000, ac.signal);
    setTimeout(() => ac.abort(), 50);
    assert.deepEqual(await p, { ok: false, reason: 'stopped' });
    assert.ok(performance.now() - t0 < 5000);
  });
});
