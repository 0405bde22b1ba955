// @hacore/bgp over its life against a real FRR router (two directors): a
// flapping check is held down to one announcement change per
// minAnnounceInterval at the router; a reload adds and removes a prefix and
// changes one peer without touching the other announcements, an invalid one
// changes nothing; bgpd killed under hacore is reported and restarted and the
// route comes back; a degraded prefix carries its AS-path prepend at the router;
// `hacore stop` in graceful-shutdown mode re-announces with
// the RFC 8326 community (read at the router) before withdrawing.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { sh, waitFor } from '../lib/lab.mjs';
import { hacoreCli } from '../lib/daemon.mjs';
import { buildSite, dir4, dir6, fibNextHops, ROUTER6, routerShow, timeUntilFib, VIP4 } from '../lib/bgp-lab.mjs';

const HOLD_DOWN = 1500;
const EXTRA = '203.0.113.20';
let site;

before(async () => {
  site = await buildSite({
    directors: 2,
    prefix: 'hbgpl',
    minAnnounceInterval: `${HOLD_DOWN}ms`,
    // A check that follows its flag within one 50 ms probe, so a 200 ms flap reaches the gate.
    check: { interval: '50ms', retryDelay: '50ms', timeout: '150ms', rise: 1, fall: 1 },
    bgp: { shutdown: { mode: 'graceful-shutdown', drainTime: '2s' } },
  });
  await timeUntilFib(site.lab, VIP4, (h) => h.length === 2, 30000);
});
after(async () => {
  await site?.destroy();
});

const time = (l) => l.time;
const bgpChanges = (d, from, prefix) => d.hacore.since(from, (l) => l.prefix === prefix && /^(announcing|withdrawing) /.test(l.msg ?? ''));

async function status(d) {
  const r = await hacoreCli(['status', '--json', '--config', d.file]);
  assert.equal(r.code, 0, r.stderr);
  return Object.values(JSON.parse(r.stdout)).find((doc) => doc?.bgp)?.bgp;
}

/** Watches the router's FIB for VIP4 every few ms; `.stop()` gives the times a director's next hop came or went. */
function watchFib(addr) {
  const changes = [];
  let present;
  let done = false;
  const loop = (async () => {
    while (!done) {
      const now = (await fibNextHops(site.lab, VIP4)).includes(addr);
      if (now !== present) changes.push({ at: Date.now(), present: now });
      present = now;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return { changes, stop: async () => ((done = true), await loop, changes) };
}

test('a check flapping every 200 ms changes the announcement at most once per minAnnounceInterval, at the router too', async () => {
  const d = site.directors[0];
  const from = d.hacore.lines.length;
  const fib = watchFib(dir4(0));
  await waitFor(async () => fib.changes.length > 0, { what: 'the FIB watcher' });
  const FLAPS = 30;
  const t0 = Date.now();
  for (let i = 0; i < FLAPS; i++) {
    if (i % 2 === 0) writeFileSync(d.flag, '1');
    else rmSync(d.flag, { force: true });
    await new Promise((r) => setTimeout(r, 200));
  }
  rmSync(d.flag, { force: true });
  const t1 = Date.now();
  await timeUntilFib(site.lab, VIP4, (h) => h.includes(dir4(0)), HOLD_DOWN + 3000);
  const atRouter = (await fib.stop()).slice(1);
  process.stderr.write(`# flap: ${t1 - t0} ms of flapping, back ${Date.now() - t1} ms later; ${atRouter.length} changes at the router\n`);
  const flips = d.hacore.since(from, (l) => l.check === 'web' && /^check web is /.test(l.msg ?? ''));
  const changes = bgpChanges(d, from, `${VIP4}/32`);
  assert.ok(flips.length >= FLAPS / 2, `the check flipped ${flips.length} times: it must follow the flap for this test to mean anything`);
  assert.ok(changes.length >= 2 && atRouter.length >= 2, `announcement changes: ${changes.length} in hacore, ${atRouter.length} at the router`);
  for (let i = 1; i < changes.length; i++) {
    const gap = time(changes[i]) - time(changes[i - 1]);
    // The log line follows the vty round trip, which adds a few ms of its own.
    assert.ok(gap >= HOLD_DOWN - 100, `hacore changed the announcement twice in ${gap} ms`);
  }
  // At the router, BGP and FIB processing add jitter of their own to each change.
  for (let i = 1; i < atRouter.length; i++) {
    const gap = atRouter[i].at - atRouter[i - 1].at;
    assert.ok(gap >= HOLD_DOWN - 250, `the router's FIB changed twice in ${gap} ms: ${JSON.stringify(atRouter)}`);
  }
  assert.ok(changes.length <= Math.ceil((FLAPS * 200) / HOLD_DOWN) + 2, `${changes.length} changes in ${FLAPS * 200} ms`);
});

test('a reload adds and removes a prefix and changes one peer without touching the other announcements; an invalid reload changes nothing', async () => {
  const d = site.directors[1];
  const config = JSON.parse(readFileSync(d.file, 'utf8'));
  const write = (c) => writeFileSync(d.file, JSON.stringify(c, null, 2), { mode: 0o600 });
  const reload = () => hacoreCli(['reload', '--config', d.file]);
  const upSince = async () => {
    const doc = await routerShow(site, 'show bgp neighbors json');
    return { v4: doc[dir4(1)]?.connectionsEstablished, v6: doc[dir6(1)]?.connectionsEstablished, v6State: doc[dir6(1)]?.bgpState };
  };
  const before = await upSince();
  assert.ok(before.v4 && before.v6, JSON.stringify(before));
  const fib = watchFib(dir4(1));
  try {
    // Add a prefix with a community, and give the IPv6 session a new hold time.
    write({
      ...config,
      bgp: {
        ...config.bgp,
        neighbors: config.bgp.neighbors.map((n) => (n.address.includes(':') ? { ...n, holdTime: 6 } : n)),
        prefixes: [...config.bgp.prefixes, { prefix: `${EXTRA}/32`, when: 'web', communities: ['65001:300'] }],
      },
    });
    const r1 = await reload();
    assert.equal(r1.code, 0, r1.stdout + r1.stderr);
    await timeUntilFib(site.lab, EXTRA, (h) => h.includes(dir4(1)), 5000);
    const route = await routerShow(site, `show bgp ipv4 unicast ${EXTRA}/32 json`);
    const path = route.paths.find((p) => p.peer?.peerId === dir4(1) || p.nexthops?.some((n) => n.ip === dir4(1)));
    assert.match(path?.community?.string ?? '', /65001:300/, JSON.stringify(route));
    await waitFor(async () => (await upSince()).v6State === 'Established', { timeoutMs: 10000, what: 'the changed IPv6 session back up' });
    const afterPeerChange = await upSince();
    assert.equal(afterPeerChange.v4, before.v4, 'the IPv4 session was not reset by a change of the IPv6 peer');
    assert.equal(afterPeerChange.v6, before.v6 + 1, 'the IPv6 session was reset once to apply its new hold time');
    const own = JSON.parse(await sh('ip', ['netns', 'exec', site.lab.ns(d.host), 'vtysh', '--vty_socket', `${d.dir}/bgpd`, '-d', 'bgpd', '-c', `show bgp neighbors ${ROUTER6} json`]));
    assert.equal(own[ROUTER6]?.bgpTimerConfiguredHoldTimeMsecs, 6000, "hacore's bgpd runs the new hold time");

    // An invalid section (a bad community on the new prefix): refused, nothing changes.
    const good = readFileSync(d.file, 'utf8');
    const bad = JSON.parse(good);
    bad.bgp.prefixes[2].communities = ['65001:99999'];
    bad.bgp.prefixes[0].communities = ['65001:111'];
    write(bad);
    const r2 = await reload();
    assert.notEqual(r2.code, 0);
    assert.match(r2.stdout + r2.stderr, /bgp\.prefixes\[?\.?2\]?\.?communities/);
    const keep = await routerShow(site, `show bgp ipv4 unicast ${VIP4}/32 json`);
    const mine = keep.paths.find((p) => p.nexthops?.some((n) => n.ip === dir4(1)));
    assert.match(mine?.community?.string ?? '', /^65001:100$/, 'the refused reload did not change the VIP\'s community');
    assert.deepEqual((await status(d)).prefixes.map((p) => p.prefix), [`${VIP4}/32`, '2001:db8:10::10/128', `${EXTRA}/32`]);

    // Remove the prefix again: withdrawn at the router, the others stay.
    write(config);
    const r3 = await reload();
    assert.equal(r3.code, 0, r3.stdout + r3.stderr);
    await timeUntilFib(site.lab, EXTRA, (h) => !h.includes(dir4(1)), 5000);
    assert.deepEqual((await status(d)).prefixes.map((p) => p.prefix), [`${VIP4}/32`, '2001:db8:10::10/128']);
  } finally {
    writeFileSync(d.file, JSON.stringify(config, null, 2), { mode: 0o600 });
  }
  const seen = await fib.stop();
  const flips = d.hacore.lines.filter((l) => /^check web is /.test(l.msg ?? '')).map((l) => `${l.to}: ${l.reason}`);
  assert.deepEqual(seen.map((c) => c.present), [true], `the VIP's route from d2 never left the router's FIB during the reloads: ${JSON.stringify(seen)}; check flips: ${flips.slice(-6).join(' | ')}`);
  assert.equal((await upSince()).v4, before.v4, 'the IPv4 session stayed up through every reload');
});

test('a degraded prefix is announced with its AS-path prepend, as the router sees it', async () => {
  const d = site.directors[1];
  const config = JSON.parse(readFileSync(d.file, 'utf8'));
  const DEGRADED = '203.0.113.21';
  try {
    // Degraded while `web` is up (a condition that holds now), prepend 3.
    const withDegraded = { ...config, bgp: { ...config.bgp, prefixes: [...config.bgp.prefixes, { prefix: `${DEGRADED}/32`, when: 'web', degraded: { when: 'web', prepend: 3 } }] } };
    writeFileSync(d.file, JSON.stringify(withDegraded, null, 2), { mode: 0o600 });
    const r = await hacoreCli(['reload', '--config', d.file]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    let path;
    await waitFor(async () => {
      const route = await routerShow(site, `show bgp ipv4 unicast ${DEGRADED}/32 json`);
      path = route.paths?.find((p) => p.nexthops?.some((n) => n.ip === dir4(1)));
      return path !== undefined;
    }, { timeoutMs: 10000, everyMs: 50, what: 'the degraded prefix at the router' });
    assert.equal(path.aspath?.string, '65001 65001 65001 65001', JSON.stringify(path.aspath));
    assert.equal(path.aspath?.length, 4);
    const normal = (await routerShow(site, `show bgp ipv4 unicast ${VIP4}/32 json`)).paths.find((p) => p.nexthops?.some((n) => n.ip === dir4(1)));
    assert.equal(normal?.aspath?.string, '65001', 'the healthy prefix has no prepend');
    assert.equal((await status(d)).prefixes.find((p) => p.prefix === `${DEGRADED}/32`)?.flavour, 'degraded');
  } finally {
    writeFileSync(d.file, JSON.stringify(config, null, 2), { mode: 0o600 });
    await hacoreCli(['reload', '--config', d.file]);
  }
  await timeUntilFib(site.lab, DEGRADED, (h) => h.length === 0, 5000);
});

test('bgpd killed under a running hacore: the router withdraws, hacore reports it, restarts bgpd and re-announces', async () => {
  const d = site.directors[1];
  const pidFile = `${d.dir}/bgpd/bgpd.pid`;
  const bgpdPid = Number(readFileSync(pidFile, 'utf8'));
  const restartsBefore = (await status(d)).bgpd.restarts;
  const from = d.hacore.lines.length;
  const t0 = Date.now();
  process.kill(bgpdPid, 'SIGKILL');
  const withdrawMs = await timeUntilFib(site.lab, VIP4, (h) => !h.includes(dir4(1)), 5000);
  await d.hacore.waitFor((l) => l.msg === 'bgpd is down; restarting it' && /SIGKILL/.test(l.reason ?? ''), 5000, 'hacore to report bgpd down');
  await timeUntilFib(site.lab, VIP4, (h) => h.includes(dir4(1)), 10000);
  const backMs = Date.now() - t0;
  const st = await status(d);
  assert.equal(st.bgpd.state, 'running');
  assert.equal(st.bgpd.restarts, restartsBefore + 1);
  assert.notEqual(st.bgpd.pid, bgpdPid);
  assert.ok(d.hacore.since(from, (l) => l.msg === 'bgpd running').length === 1);
  assert.equal(d.hacore.proc.exitCode, null, 'hacore kept running');
  process.stderr.write(`# bgpd kill -9: route withdrawn at the router after ${withdrawMs} ms, back after ${backMs} ms\n`);
});

test('`hacore stop` in graceful-shutdown mode: the router sees the route with the GRACEFUL_SHUTDOWN community (local preference 0, traffic moved) during the drain, then withdrawn', async () => {
  const d = site.directors[0];
  await timeUntilFib(site.lab, VIP4, (h) => h.includes(dir4(0)), 5000);
  const stopped = d.hacore.stop('SIGTERM', 15000);
  const pathOf = async () => {
    const r = await routerShow(site, `show bgp ipv4 unicast ${VIP4}/32 json`);
    return r.paths?.find((p) => p.nexthops?.some((n) => n.ip === dir4(0)));
  };
  let marked;
  await waitFor(async () => /graceful-shutdown/.test((marked = await pathOf())?.community?.string ?? ''), { timeoutMs: 5000, everyMs: 50, what: 'the GRACEFUL_SHUTDOWN community at the router' });
  assert.match(marked.community.string, /65001:100/, 'the prefix\'s own community stays beside it');
  // FRR acts on the community as RFC 8326 asks: local preference 0, so the other director wins and new flows move.
  assert.equal(marked.locPrf, 0, JSON.stringify(marked));
  await timeUntilFib(site.lab, VIP4, (h) => h.length === 1 && h[0] === dir4(1), 1500);
  assert.ok(await pathOf(), 'the router forwards to the other director only while the route is still there (draining)');
  await waitFor(async () => (await pathOf()) === undefined, { timeoutMs: 5000, what: 'the withdrawal after the drain' });
  const r = await stopped;
  assert.equal(r.code, 0);
  assert.ok(d.hacore.lines.some((l) => l.msg === 'draining before the VIPs go'));
});
