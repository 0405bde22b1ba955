// checkWorkers: the check process's checks sharded over worker processes, with
// real TCP and HTTP servers on loopback: the workers are children of the check
// process, the status and events are those of one process, a worker killed with
// SIGKILL is restarted and its checks go on from their state, a reload adds and
// removes checks across workers, and a reload that changes checkWorkers is refused.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HacoreProcess, acceptingServer, hacoreCli, repoTempDir } from '../lib/daemon.mjs';

const dir = repoTempDir('check-workers');
const servers = [];
let tcpUp;
let tcpDown;
let httpPort;
let httpStatus = 200;

before(async () => {
  const tcp = await acceptingServer();
  servers.push(tcp);
  tcpUp = tcp.address().port;
  const closed = net.createServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  tcpDown = closed.address().port;
  await new Promise((r) => closed.close(r));
  const web = http.createServer((req, res) => {
    res.writeHead(httpStatus, { connection: 'close' });
    res.end('ok');
  });
  await new Promise((r) => web.listen(0, '127.0.0.1', r));
  servers.push(web);
  httpPort = web.address().port;
});
after(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

const tcpCheck = (name, port) => `  - { name: ${name}, type: tcp, address: 127.0.0.1, port: ${port}, interval: 100ms, timeout: 500ms, warmup: 0ms, rise: 1, fall: 2 }`;
const httpCheck = (name) => `  - { name: ${name}, type: http, address: 127.0.0.1, port: ${httpPort}, urls: [{ path: / }], interval: 100ms, timeout: 500ms, warmup: 0ms, rise: 1, fall: 2 }`;

function writeConfig(name, workers, checks) {
  const file = path.join(dir, `${name}.yaml`);
  const lines = [
    'plugins: ["@hacore/checker-tcp", "@hacore/checker-http", "@hacore/metrics"]',
    `controlSocket: ${path.join(dir, `${name}.sock`)}`,
    `pidFile: ${path.join(dir, `${name}.pid`)}`,
    `stateDir: ${path.join(dir, `${name}.state`)}`,
    `checkWorkers: ${workers}`,
    'metrics: { listen: "127.0.0.1:0", processMetrics: false }',
    'checks:',
    ...checks,
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const BASE = () => [tcpCheck('t1', tcpUp), tcpCheck('t2', tcpUp), tcpCheck('t3', tcpDown), httpCheck('h1'), httpCheck('h2')];

async function status(cfg) {
  const r = await hacoreCli(['status', '--json', '--config', cfg]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function parentOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

const stateEvents = (d, from = 0) => d.since(from, (r) => r.msg?.startsWith('check ') && r.to !== undefined && r.from !== undefined);

/** Starts a daemon and waits until every check of BASE has its first state. */
async function startSettled(name, workers) {
  const cfg = writeConfig(name, workers, BASE());
  const d = new HacoreProcess(['--config', cfg]);
  for (const c of ['t1', 't2', 'h1', 'h2']) await d.waitFor((r) => r.check === c && r.to === 'up', 15000, `${c} up`);
  await d.waitFor((r) => r.check === 't3' && r.to === 'down', 15000, 't3 down');
  return { d, cfg };
}

async function until(what, fn, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('checkWorkers', () => {
  test('2 workers: checks spread over two child processes of the check process; status and events as with 1', async () => {
    const one = await startSettled('one', 1);
    let single;
    try {
      single = await status(one.cfg);
      assert.equal(single.check.workers, undefined, 'checkWorkers: 1 starts no worker');
    } finally {
      await one.d.stop();
    }
    const two = await startSettled('two', 2);
    try {
      const st = await status(two.cfg);
      const checkPid = st.main.children.check.pid;
      const workers = st.check.workers;
      assert.equal(workers.length, 2);
      const pids = workers.map((w) => w.pid);
      assert.ok(pids[0] > 0 && pids[1] > 0 && pids[0] !== pids[1] && !pids.includes(checkPid));
      for (const pid of pids) assert.equal(parentOf(pid), checkPid, 'a worker is a child of the check process');
      assert.deepEqual(workers.map((w) => w.checks), [['t1', 't3', 'h2'], ['t2', 'h1']]);
      // The probes happen in the workers: each one's log says how many checks it runs.
      for (const w of workers) await two.d.waitFor((r) => r.pid === w.pid && r.msg === 'check worker started' && r.checks === w.checks.length, 5000, `worker ${w.index} started`);
      const view = (doc) => doc.check.targets.map((t) => ({ check: t.check, type: t.type, target: t.target, state: t.state, reason: t.lastResult?.reason }));
      assert.deepEqual(view(st), view(single));
      // The state changes are logged (and emitted) by the check process itself, as with one process.
      const events = (d) => stateEvents(d.d).map((r) => `${r.check}:${r.from}->${r.to}`).sort();
      assert.deepEqual(events(two), events(one));
      assert.ok(stateEvents(two.d).every((r) => r.pid === checkPid));
      // metrics in the check process counts the probes of every worker.
      assert.deepEqual(Object.keys(st.check.probes).sort(), ['h1', 'h2', 't1', 't2', 't3']);
      assert.ok(Object.values(st.check.probes).every((p) => p.probes > 0));
    } finally {
      await two.d.stop();
    }
    assert.deepEqual(await two.d.exited, { code: 0, signal: null });
  });

  test('a reload sent while the check workers are still starting waits for them and is carried out', async () => {
    // Each worker is held 1.5 s before it loads anything (NODE_OPTIONS reaches every process; only a worker has --worker),
    // so the reload below arrives while the check process is still starting its workers.
    const hold = path.join(dir, 'hold-worker.mjs');
    writeFileSync(hold, "if (process.argv.includes('--worker')) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);\n");
    const cfg = writeConfig('early', 2, [tcpCheck('t1', tcpUp)]);
    const d = new HacoreProcess(['--config', cfg], { env: { NODE_OPTIONS: `--import=${hold}` } });
    try {
      await d.waitFor((r) => r.msg === 'started check worker 1', 15000, 'worker 1 forked');
      assert.equal(d.lines.filter((r) => r.msg === 'check worker started').length, 0, 'no worker has started yet');
      writeConfig('early', 2, [tcpCheck('t1', tcpUp), tcpCheck('n1', tcpUp)]);
      const r = await hacoreCli(['reload', '--json', '--config', cfg]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.deepEqual(JSON.parse(r.stdout).checks.added, ['n1']);
      await d.waitFor((x) => x.check === 'n1' && x.to === 'up', 10000, 'n1 up');
      const st = await status(cfg);
      assert.deepEqual(st.check.workers.map((w) => w.checks), [['t1'], ['n1']]);
    } finally {
      await d.stop();
    }
    assert.deepEqual(await d.exited, { code: 0, signal: null });
  });

  test('a worker killed with SIGKILL is restarted and its checks go on from their state; a reload adds and removes checks across workers', async () => {
    const { d, cfg } = await startSettled('kill', 2);
    try {
      const st = await status(cfg);
      const victim = st.check.workers[1];
      const mark = d.lines.length;
      process.kill(victim.pid, 'SIGKILL');
      await d.waitFor((r) => r.msg?.startsWith('check worker 1 exited (SIGKILL)'), 5000, 'worker exit');
      const restarted = await d.waitFor((r) => r.msg === 'started check worker 1' && r.workerPid !== victim.pid, 5000, 'worker restart');
      await d.waitFor((r) => r.pid === restarted.workerPid && r.msg === 'check worker started', 10000, 'restarted worker runs');
      const probedAt = Object.fromEntries(st.check.targets.map((t) => [t.check, t.lastProbeAt]));
      const after = await until('the restarted worker probes t2 and h1', async () => {
        const s = await status(cfg);
        const fresh = s.check.targets.filter((t) => victim.checks.includes(t.check) && t.lastProbeAt > probedAt[t.check] + 500);
        return fresh.length === victim.checks.length ? s : undefined;
      });
      assert.equal(after.check.workers[1].pid, restarted.workerPid);
      assert.equal(after.check.workers[1].restarts, 1);
      assert.equal(after.check.workers[0].pid, st.check.workers[0].pid, 'the other worker ran on');
      for (const t of after.check.targets) assert.equal(t.state, t.check === 't3' ? 'down' : 'up');
      assert.deepEqual(stateEvents(d, mark), [], 'resumed from its state: no check went through unknown again');

      // The new worker's checks fail as its server does: h1 goes down, h2 (in the other worker) too.
      httpStatus = 503;
      await d.waitFor((r) => r.check === 'h1' && r.to === 'down', 5000, 'h1 down');
      await d.waitFor((r) => r.check === 'h2' && r.to === 'down', 5000, 'h2 down');
      httpStatus = 200;
      await d.waitFor((r, i) => r.check === 'h1' && r.to === 'up' && r.from === 'down', 5000, 'h1 up again');

      // Reload: remove t1 (worker 0) and h1 (worker 1), add n1..n3; the others keep their worker and their state.
      const since = Object.fromEntries(after.check.targets.map((t) => [t.check, t.since]));
      writeConfig('kill', 2, [tcpCheck('t2', tcpUp), tcpCheck('t3', tcpDown), httpCheck('h2'), tcpCheck('n1', tcpUp), tcpCheck('n2', tcpUp), httpCheck('n3')]);
      const r = await hacoreCli(['reload', '--json', '--config', cfg]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const reply = JSON.parse(r.stdout);
      assert.deepEqual(reply.checks.added.sort(), ['n1', 'n2', 'n3']);
      assert.deepEqual(reply.checks.removed.sort(), ['h1', 't1']);
      for (const c of ['n1', 'n2', 'n3']) await d.waitFor((x) => x.check === c && x.to === 'up', 10000, `${c} up`);
      const re = await status(cfg);
      assert.deepEqual(re.check.workers.map((w) => w.checks), [['t3', 'h2', 'n2'], ['t2', 'n1', 'n3']]);
      assert.deepEqual(re.check.targets.map((t) => t.check).sort(), ['h2', 'n1', 'n2', 'n3', 't2', 't3']);
      for (const c of ['t2', 't3']) assert.equal(re.check.targets.find((t) => t.check === c).since, since[c], `${c} kept its state`);
      assert.equal(re.check.probes.t1, undefined, 'metrics forgot a removed check');

      // checkWorkers is fixed at start: a reload that changes it is refused, and nothing changes.
      writeConfig('kill', 3, [tcpCheck('t2', tcpUp)]);
      const refused = await hacoreCli(['reload', '--config', cfg]);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr + refused.stdout, /checkWorkers/);
      const still = await status(cfg);
      assert.equal(still.check.targets.length, 6);
    } finally {
      await d.stop();
    }
    assert.deepEqual(await d.exited, { code: 0, signal: null });
  });
});
