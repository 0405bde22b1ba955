// The vrrp process's scheduling is what docs/vrrp.md says (issue 14): by default its
// event-loop thread runs SCHED_RR 1 with SCHED_RESET_ON_FORK and RLIMIT_RTTIME 2 s; the
// check process, the supervisor, Node's helper threads and a track script run
// SCHED_OTHER at nice 0; `realtimePriority: 0` (by reload) puts the thread back to
// SCHED_OTHER, and dropping the key again restores the default; --single-process (the
// checks share the thread) gets no real-time default. Read from /proc/PID/stat,
// /proc/PID/limits and chrt -p, as an operator would.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { HACORE_CLI, ROOT } from '../lib/vrrp-lab.mjs';
import { VIP4, VrrpLab, hacoreConfig, instance, logs, skipHacore, vrrpChildPid, waitFor } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();
const run = promisify(execFile);

/** policy (0 SCHED_OTHER, 2 SCHED_RR), rt priority and nice of a task, from /proc/.../stat. */
async function sched(statPath) {
  const st = await readFile(statPath, 'utf8');
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return { policy: Number(f[38]), rtPriority: Number(f[37]), nice: Number(f[16]) };
}
const OTHER = { policy: 0, rtPriority: 0, nice: 0 };

async function otherThreads(pid) {
  const tids = (await readdir(`/proc/${pid}/task`)).filter((t) => t !== String(pid));
  return Promise.all(tids.map(async (t) => ({ tid: t, ...(await sched(`/proc/${pid}/task/${t}/stat`).catch(() => OTHER)) })));
}

test('vrrp process: SCHED_RR 1 by default, check process and scripts untouched, realtimePriority 0 turns it off on reload', { skip, timeout: 60000 }, async () => {
  const lab = await VrrpLab.create('vsch', { routers: 1 });
  try {
    const stamp = path.join(lab.dir, 'script-stat');
    await lab.startEchoServer('c', [lab.addr4('c')], 9100);
    const config = (vrrpOptions = {}) =>
      hacoreConfig([instance({ priority: 150, track: { scripts: ['probe'] } })], {
        plugins: ['@hacore/checker-tcp'],
        checks: [{ name: 'svc', type: 'tcp', address: lab.addr4('c'), port: 9100, interval: '200ms', timeout: '100ms' }],
        scripts: { probe: { command: ['/bin/sh', '-c', `cat /proc/$$/stat > ${stamp}`], interval: '200ms' } },
        vrrpOptions,
      });
    const d = await lab.startHacore('r1', config());
    const vrrp = await vrrpChildPid(lab, d);
    const check = await waitFor(async () => (await lab.childPids(d.pid)).find((p) => p !== vrrp) ?? false, { timeoutMs: 5000, what: 'the check child' });
    assert.match(await lab.cmdline(check), /--role check/);
    const rr = await waitFor(async () => {
      const s = await sched(`/proc/${vrrp}/stat`);
      return s.policy === 2 ? s : false;
    }, { timeoutMs: 10000, what: 'the vrrp child in SCHED_RR' }).catch((err) => assert.fail(`${err.message}\n${logs(lab)}`));
    assert.deepEqual(rr, { policy: 2, rtPriority: 1, nice: 0 });
    const { stdout } = await run('chrt', ['-p', String(vrrp)]);
    assert.match(stdout, /policy: SCHED_RR\|SCHED_RESET_ON_FORK/);
    assert.match(stdout, /priority: 1\b/);
    assert.match(await readFile(`/proc/${vrrp}/limits`, 'utf8'), /Max realtime timeout\s+2000000\s+2000000\s+us/);
    // Only the event-loop thread: V8's and libuv's helper threads stay SCHED_OTHER.
    for (const t of await otherThreads(vrrp)) assert.equal(t.policy, 0, `vrrp child thread ${t.tid} is policy ${t.policy}`);
    assert.deepEqual(await sched(`/proc/${check}/stat`), OTHER);
    for (const t of await otherThreads(check)) assert.equal(t.policy, 0);
    assert.deepEqual(await sched(`/proc/${d.pid}/stat`), OTHER);
    // A track script forked by the real-time thread runs SCHED_OTHER (SCHED_RESET_ON_FORK).
    await writeFile(stamp, '');
    const script = await waitFor(async () => {
      const t = await readFile(stamp, 'utf8').catch(() => '');
      return t.includes(')') ? t : false;
    }, { timeoutMs: 5000, what: 'the track script to run' });
    const f = script.slice(script.lastIndexOf(')') + 2).split(' ');
    assert.equal(Number(f[38]), 0, 'track script policy');

    const reload = async (vrrpOptions) => {
      await writeFile(d.files.config, JSON.stringify({ ...JSON.parse(await readFile(d.files.config, 'utf8')), vrrp: config(vrrpOptions).vrrp }));
      await lab.lab.exec('r1', process.execPath, [HACORE_CLI, 'reload', '--config', d.files.config], { cwd: ROOT }).catch((err) => assert.fail(`${err.message}\n${logs(lab)}`));
    };
    await reload({ realtimePriority: 0, nice: -5 });
    await waitFor(async () => (await sched(`/proc/${vrrp}/stat`)).policy === 0, { timeoutMs: 5000, what: 'SCHED_OTHER after realtimePriority: 0' });
    assert.deepEqual(await sched(`/proc/${vrrp}/stat`), { policy: 0, rtPriority: 0, nice: -5 });
    assert.deepEqual(await sched(`/proc/${check}/stat`), OTHER);
    await reload({});
    await waitFor(async () => (await sched(`/proc/${vrrp}/stat`)).policy === 2, { timeoutMs: 5000, what: 'SCHED_RR again once the key is gone' });
    assert.equal((await sched(`/proc/${vrrp}/stat`)).rtPriority, 1);
    assert.equal(await vrrpChildPid(lab, d), vrrp, 'the same vrrp child throughout');
  } finally {
    await lab.destroy();
  }
});

test('--single-process (checks on the same thread): no real-time default', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vscs', { routers: 1 });
  try {
    const d = await lab.startHacore('r1', hacoreConfig([instance({ priority: 150 })]), { singleProcess: true });
    await waitFor(async () => (await lab.holders(VIP4)).includes('r1'), { timeoutMs: 10000, what: 'r1 Master' });
    assert.deepEqual(await sched(`/proc/${d.pid}/stat`), OTHER);
    assert.doesNotMatch(d.output, /SCHED_RR/);
  } finally {
    await lab.destroy();
  }
});
