// @hacore/bgp against a real FRR router: three directors announce one VIP
// (IPv4 and IPv6), the router's FIB spreads it over them (ECMP), a failing
// check withdraws, kill -9 withdraws (bgpd dies by PDEATHSIG, the TCP session
// closes), recovery re-announces, `hacore stop` drains. A request open at the
// instant the router drops a next hop is reset by the director it is re-hashed
// to (see unexplainedFailures); every other request must succeed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { waitFor } from '../lib/lab.mjs';
import { buildSite, clientRequests, clientLoop, dir4, dir6, fibNextHops, timeUntilFib, unexplainedFailures, VIP4, VIP6 } from '../lib/bgp-lab.mjs';

let site;
const all4 = [0, 1, 2].map(dir4).sort();
const figures = {};

before(async () => {
  site = await buildSite({ minAnnounceInterval: '1s' });
});
after(async () => {
  await site?.destroy();
  if (process.env.HBGP_FIGURES) writeFileSync(process.env.HBGP_FIGURES, JSON.stringify(figures, null, 2));
});

const has = (hops, ip) => hops.includes(ip);

test('the router FIB has the VIP with three next hops (IPv4 and IPv6), and new connections spread over all three', async () => {
  await timeUntilFib(site.lab, VIP4, (h) => h.length === 3, 30000);
  assert.deepEqual(await fibNextHops(site.lab, VIP4), all4);
  await timeUntilFib(site.lab, VIP6, (h) => h.length === 3, 15000);
  assert.deepEqual(await fibNextHops(site.lab, VIP6), [0, 1, 2].map(dir6).sort());
  const r = await clientRequests(site.lab, site.tmp, 300);
  assert.equal(r.failed, 0, JSON.stringify(r));
  for (const d of ['d1', 'd2', 'd3']) assert.ok((r.by[d] ?? 0) > 30, `director ${d} got ${r.by[d] ?? 0} of 300: ${JSON.stringify(r.by)}`);
  const r6 = await clientRequests(site.lab, site.tmp, 30, { address: VIP6 });
  assert.equal(r6.failed, 0, JSON.stringify(r6));
});

test('a failing check withdraws within fall + 1 s and no new connection fails; recovery re-announces after rise + hold-down', async () => {
  const d = site.directors[0];
  const withdraw = [];
  const announce = [];
  let inFlightResets = 0;
  for (let round = 0; round < 5; round++) {
    const loop = clientLoop(site.lab, site.tmp, 2500);
    writeFileSync(d.flag, '1');
    try {
      withdraw.push(await timeUntilFib(site.lab, VIP4, (h) => h.length === 2 && !has(h, dir4(0)), 5000));
      const fibChangedAt = Date.now();
      const r = await loop;
      inFlightResets += r.failed;
      assert.deepEqual(unexplainedFailures(r, fibChangedAt), [], `round ${round}: ${JSON.stringify(r)}`);
    } finally {
      // A failed round must not leave the director withdrawn for the tests after it.
      rmSync(d.flag, { force: true });
    }
    announce.push(await timeUntilFib(site.lab, VIP4, (h) => h.length === 3, 8000));
  }
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  figures.checkWithdrawMs = { all: withdraw, median: median(withdraw) };
  figures.reannounceMs = { all: announce, median: median(announce) };
  figures.withdrawInFlightResets = inFlightResets;
  // fall 2 × 200 ms + probe + 1 s
  assert.ok(median(withdraw) < 400 + 1000 + 300, `withdraw median ${median(withdraw)} ms: ${withdraw}`);
  // rise 2 × 200 ms + hold-down 1 s + BGP
  assert.ok(median(announce) < 400 + 1000 + 1500, `re-announce median ${median(announce)} ms: ${announce}`);
});

test('kill -9 of a director\'s hacore withdraws its route at once: bgpd dies by PDEATHSIG and the router sees the TCP session close', async () => {
  const d = site.directors[1];
  const bgpdPid = Number(readFileSync(`${d.dir}/bgpd/bgpd.pid`, 'utf8'));
  const kids = readFileSync(`/proc/${d.hacore.pid}/task/${d.hacore.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  // The supervisor is `ip netns exec` → node; kill every hacore process we started (by PID).
  const tree = [d.hacore.pid, ...kids];
  for (const k of kids) {
    try {
      tree.push(...readFileSync(`/proc/${k}/task/${k}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {}
  }
  const hacorePids = tree.filter((p) => p !== bgpdPid);
  const t0 = Date.now();
  for (const p of hacorePids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {}
  }
  await timeUntilFib(site.lab, VIP4, (h) => !has(h, dir4(1)), 5000);
  figures.kill9WithdrawMs = Date.now() - t0;
  assert.ok(figures.kill9WithdrawMs < 3000, `kill -9 withdraw took ${figures.kill9WithdrawMs} ms (hold time 3 s)`);
  // Dead: gone, or a zombie waiting for a reaper (its parent was killed too).
  const state = () => {
    try {
      return readFileSync(`/proc/${bgpdPid}/stat`, 'utf8').split(') ')[1]?.[0];
    } catch {
      return 'gone';
    }
  };
  await waitFor(() => ['Z', 'X', 'gone'].includes(state()), { timeoutMs: 2000, what: 'bgpd to die with hacore' });
});

test('`hacore stop` drains: withdrawn first, no failed request, then the VIP goes', async () => {
  const d = site.directors[2];
  await timeUntilFib(site.lab, VIP4, (h) => has(h, dir4(2)), 5000);
  const loop = clientLoop(site.lab, site.tmp, 3000);
  await new Promise((r) => setTimeout(r, 300));
  const stopped = d.hacore.stop('SIGTERM', 10000);
  await timeUntilFib(site.lab, VIP4, (h) => !has(h, dir4(2)), 5000);
  const fibChangedAt = Date.now();
  const r = await loop;
  await stopped;
  figures.stopInFlightResets = r.failed;
  assert.deepEqual(unexplainedFailures(r, fibChangedAt), [], JSON.stringify(r));
  assert.ok(d.hacore.lines.some((l) => /withdrawing 203\.0\.113\.10\/32/.test(l.msg ?? '')));
});
