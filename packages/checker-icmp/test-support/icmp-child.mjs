// Runs ICMP probing inside a network namespace for the lab tests and the
// benchmark (a Node process cannot change its own namespace): started as
// `ip netns exec NS node icmp-child.mjs`, reads one JSON job on stdin and
// prints one JSON result line on stdout.
import { spawn } from 'node:child_process';
import { readdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { IcmpChecker, IcmpSocketPool, processIcmpSockets } from '../dist/src/index.js';

const job = JSON.parse(await new Promise((resolve) => {
  let s = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => (s += d));
  process.stdin.on('end', () => resolve(s));
}));
process.stdin.destroy();

const fdCount = () => readdirSync('/proc/self/fd').length;
const resources = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap').sort();
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const spec = (address, timeoutMs, extra = {}) => ({
  name: `icmp-${address}`, type: 'icmp', target: { address }, interval: 1000, timeout: timeoutMs,
  rise: 1, fall: 1, retryDelay: 1000, warmup: 0, alpha: false, payloadBytes: job.payloadBytes ?? 56, ...extra,
});

async function probeAll(pool, checkers, timeoutMs) {
  const all = Promise.all(checkers.map(async ({ address, checker }) => {
    const ctrl = new AbortController();
    // The scheduler's backstop: abort a little after the checker's own timeout.
    const t = setTimeout(() => ctrl.abort(new Error('timeout')), timeoutMs + 500);
    const r = await checker.probe(ctrl.signal);
    clearTimeout(t);
    return { address, ...r };
  }));
  // job.blockMs: keep the event loop busy past the deadline right after sending,
  // as a starved or overloaded process would be.
  if (job.blockMs) {
    const end = performance.now() + job.blockMs;
    while (performance.now() < end);
  }
  return all;
}

if (job.mode === 'probe') {
  await new Promise((r) => setTimeout(r, 10)); // settle stdin teardown before counting
  const fdsBefore = fdCount();
  const resBefore = resources();
  const pool = new IcmpSocketPool();
  const checkers = job.targets.map((t) => ({ address: t.address ?? t, checker: new IcmpChecker(spec(t.address ?? t, job.timeoutMs, t.options ?? {}), pool) }));
  // Someone else's pings at the same time (job.foreignPings: [address, ...]): their
  // replies reach our raw sockets too and must settle none of our probes.
  const foreign = (job.foreignPings ?? []).map((a) => {
    const p = spawn('ping', ['-n', '-q', '-c', '30', '-i', '0.01', a], { stdio: 'ignore' });
    return new Promise((resolve) => p.on('exit', resolve));
  });
  if (foreign.length) await new Promise((r) => setTimeout(r, 50));
  const rounds = [];
  for (let i = 0; i < (job.rounds ?? 1); i++) rounds.push(await probeAll(pool, checkers, job.timeoutMs));
  await Promise.all(foreign);
  const fdsDuring = fdCount();
  if (job.lateWaitMs) await new Promise((r) => setTimeout(r, job.lateWaitMs));
  const status = pool.status();
  for (const c of checkers) c.checker.close();
  await new Promise((r) => setImmediate(r));
  out({ results: rounds.at(-1), rounds, status, sockets: pool.size, fdsBefore, fdsDuring, fdsAfter: fdCount(), resBefore, resAfter: resources() });
} else if (job.mode === 'leak') {
  await new Promise((r) => setTimeout(r, 10));
  const fdsBefore = fdCount();
  const resBefore = resources();
  const pool = new IcmpSocketPool();
  const checkers = job.addresses.map((a) => new IcmpChecker(spec(a, job.timeoutMs), pool));
  let ok = 0;
  let fail = 0;
  const reasons = {};
  let maxFds = 0;
  for (let done = 0; done < job.probes; ) {
    const batch = checkers.slice(0, Math.min(checkers.length, job.probes - done));
    const rs = await Promise.all(batch.map(async (c, i) => {
      // Some probes are aborted by their signal before the checker's own timeout.
      const ctrl = new AbortController();
      const t = job.abortEvery && (done + i) % job.abortEvery === 0 ? setTimeout(() => ctrl.abort(new Error('stop')), job.abortAfterMs ?? 20) : undefined;
      const r = await c.probe(ctrl.signal);
      clearTimeout(t);
      return r;
    }));
    for (const r of rs) {
      if (r.ok) ok++;
      else { fail++; reasons[r.reason] = (reasons[r.reason] ?? 0) + 1; }
    }
    done += batch.length;
    maxFds = Math.max(maxFds, fdCount());
  }
  const status = pool.status();
  for (const c of checkers) c.close();
  await new Promise((r) => setImmediate(r));
  out({ ok, fail, reasons, status, fdsBefore, maxFds, fdsAfter: fdCount(), resBefore, resAfter: resources(), sockets: pool.size });
} else if (job.mode === 'core') {
  const { Hacore } = await import('@hacore/core');
  const dir = mkdtempSync(path.join(tmpdir(), 'hacore-icmp-'));
  const configFile = path.join(dir, 'hacore.config.json');
  writeFileSync(configFile, JSON.stringify(job.config));
  const events = [];
  let core;
  try {
    core = await Hacore.load({ configFile, role: 'single' });
    core.hooks.event.tap('test', (e) => void events.push(e));
    try {
      await core.start();
    } catch (err) {
      out({ startError: { code: err.code, message: err.message }, sockets: processIcmpSockets.size });
      await core.stop('test');
      process.exit(0);
    }
    const until = Date.now() + (job.waitMs ?? 5000);
    const want = job.want ?? 1;
    while (events.filter((e) => e.kind === 'target-state').length < want && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const status = core.status();
    await core.stop('test');
    out({ events, icmp: status.icmp, socketsAfterStop: processIcmpSockets.size });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else if (job.mode === 'cap') {
  // Opening the shared socket without CAP_NET_RAW must throw the coded error.
  try {
    new IcmpSocketPool().acquire({ family: job.family ?? 4 });
    out({ opened: true });
  } catch (err) {
    out({ opened: false, code: err.code, errno: err.errno, message: err.message });
  }
} else {
  out({ error: `unknown mode ${job.mode}` });
  process.exitCode = 2;
}
