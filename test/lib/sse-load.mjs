// The web console under load: a real hacore daemon (supervisor + check child)
// on loopback running `checks` TCP checks against a local listener plus one
// check that flaps, the console and the metrics plugin; then `clients` live
// pages (test/lib/sse-clients.mjs, in a process of their own). Measures, with
// no page and then with the pages connected: the probe rate (the check
// schedule), the daemon's CPU and memory, and each flap event's latency from
// the check process to every page.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HacoreProcess } from './daemon.mjs';
import { waitLine } from './lab.mjs';
import { pluginPath } from './vrrp-lab.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TICK = 100; // USER_HZ on Linux
const PAGE_PROCS = 4;
const share = (n, i) => Math.floor(n / PAGE_PROCS) + (i < n % PAGE_PROCS ? 1 : 0);

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/** The pids of a process and its descendants. */
function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const t of readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) out.push(Number(t));
    } catch {}
  }
  return out;
}

/** CPU ticks (user + system) and RSS (KiB) summed over the daemon's processes. */
function usage(pid) {
  let ticks = 0;
  let rss = 0;
  for (const p of tree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
      rss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {}
  }
  return { ticks, rssKiB: rss };
}

async function probesTotal(metricsPort) {
  const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
  let sum = 0;
  for (const m of text.matchAll(/^hacore_probes_total\{[^}]*\} (\d+(?:\.\d+)?)$/gm)) sum += Number(m[1]);
  return sum;
}

/** Probe rate, CPU (% of one core) and peak RSS over `ms`. */
async function phase(d, metricsPort, ms) {
  const p0 = await probesTotal(metricsPort);
  const u0 = usage(d.pid);
  const t0 = Date.now();
  let peak = u0.rssKiB;
  const sampler = setInterval(() => (peak = Math.max(peak, usage(d.pid).rssKiB)), 250);
  await new Promise((r) => setTimeout(r, ms));
  clearInterval(sampler);
  const u1 = usage(d.pid);
  const p1 = await probesTotal(metricsPort);
  const s = (Date.now() - t0) / 1000;
  return { probesPerSec: Math.round((p1 - p0) / s), cpuPct: Math.round(((u1.ticks - u0.ticks) / TICK / s) * 100), rssMiB: Math.round(Math.max(peak, u1.rssKiB) / 1024) };
}

const q = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

export async function runSseLoad({ checks = 5000, intervalMs = 5000, clients = 200, phaseMs = 10_000, flapMs = 400 } = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-sse-load-'));
  const target = net.createServer((c) => c.destroy());
  await new Promise((r) => target.listen(0, '127.0.0.1', r));
  const flapPort = await freePort();
  let flap;
  let flapping = true;
  const toggle = async () => {
    while (flapping) {
      flap = net.createServer((c) => c.destroy());
      await new Promise((r) => flap.listen(flapPort, '127.0.0.1', r));
      await new Promise((r) => setTimeout(r, flapMs));
      await new Promise((r) => flap.close(r));
      if (flapping) await new Promise((r) => setTimeout(r, flapMs));
    }
  };
  const [webPort, metricsPort] = [await freePort(), await freePort()];
  const list = Array.from({ length: checks }, (_, i) => ({ name: `c${i}`, type: 'tcp', address: '127.0.0.1', port: target.address().port, interval: `${intervalMs}ms`, timeout: '1s' }));
  list.push({ name: 'flap', type: 'tcp', address: '127.0.0.1', port: flapPort, interval: '50ms', retryDelay: '50ms', timeout: '200ms', rise: 1, fall: 1, warmup: '0ms' });
  const file = path.join(dir, 'hacore.json');
  writeFileSync(
    file,
    JSON.stringify({
      plugins: [pluginPath('@hacore/checker-tcp'), pluginPath('@hacore/metrics'), pluginPath('@hacore/web')],
      controlSocket: path.join(dir, 'ctl.sock'),
      pidFile: path.join(dir, 'hacore.pid'),
      stateDir: dir,
      checks: list,
      metrics: { listen: `127.0.0.1:${metricsPort}`, processMetrics: false },
      web: { listen: `127.0.0.1:${webPort}` },
    }),
    { mode: 0o600 },
  );
  const d = new HacoreProcess(['--config', file]);
  let pages;
  try {
    await d.waitFor((l) => /^web console on /.test(l.msg ?? ''), 30_000, 'the console');
    // Every check has had its random start offset before measuring.
    await new Promise((r) => setTimeout(r, intervalMs + 1000));
    const flapper = toggle();
    const idle = await phase(d, metricsPort, phaseMs);
    // The pages in a few processes, as browsers would be: one process parsing every stream would time itself.
    pages = Array.from({ length: PAGE_PROCS }, (_, i) => spawn(process.execPath, [path.join(here, 'sse-clients.mjs'), `http://127.0.0.1:${webPort}/api/stream`, String(share(clients, i)), 'flap'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await Promise.all(pages.map((p) => waitLine(p, /^ready/, 30_000, `${clients} live pages`)));
    for (const p of pages) p.kill('SIGUSR2');
    const pagesAt = Date.now();
    const loaded = await phase(d, metricsPort, phaseMs);
    const webClients = JSON.parse((await new Promise((resolve) => {
      const c = spawn(process.execPath, [pluginPath('@hacore/core').replace(/dist\/src\/index\.js$/, 'bin/hacore.js'), 'status', '--json', '--config', file]);
      let out = '';
      c.stdout.on('data', (x) => (out += x));
      c.on('exit', () => resolve(out));
    })) || '{}').main?.web?.clients;
    const outs = pages.map((p) => {
      const o = { text: '' };
      p.stdout.on('data', (x) => (o.text += x));
      return o;
    });
    // No new event, then every page has the ones sent (or 15 s have passed).
    flapping = false;
    await flapper;
    const settleEnd = Date.now() + 15_000;
    for (;;) {
      const counts = outs.map((o) => [...o.text.matchAll(/^count (\d+) (\d+)$/gm)].pop());
      if ((counts.every(Boolean) && new Set(counts.flatMap((m) => [m[1], m[2]])).size === 1) || Date.now() > settleEnd) break;
      for (const p of pages) p.kill('SIGUSR1');
      await new Promise((r) => setTimeout(r, 200));
    }
    await Promise.all(pages.map((p) => new Promise((r) => (p.once('exit', r), p.kill('SIGTERM')))));
    const parts = outs.map((o) => JSON.parse(o.text.trim().split('\n').pop()));
    const r = { latencies: parts.flatMap((x) => x.latencies), perClient: parts.flatMap((x) => x.perClient), bytes: parts.reduce((a, x) => a + x.bytes, 0), cut: parts.reduce((a, x) => a + x.cut, 0) };
    const streamSeconds = (Date.now() - pagesAt) / 1000;
    const lat = [...r.latencies].sort((a, b) => a - b);
    return {
      checks,
      intervalMs,
      clients,
      webClients,
      idle,
      loaded,
      events: { perClientMin: Math.min(...r.perClient), perClientMax: Math.max(...r.perClient), samples: lat.length, medianMs: q(lat, 0.5), p99Ms: q(lat, 0.99), maxMs: lat[lat.length - 1] },
      // All pages together, first frames included, from the moment every page was connected.
      streamMiBPerSec: Math.round((r.bytes / 1048576 / streamSeconds) * 10) / 10,
      streamsCut: r.cut,
    };
  } finally {
    flapping = false;
    for (const p of pages ?? []) if (p.exitCode === null) p.kill('SIGKILL');
    await d.stop('SIGTERM', 10_000);
    target.close();
    flap?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
