// Scenario helpers for the VRRP namespace tests: start a hacore cluster, and
// assert a failover the way the issue asks: where the VIP is (ip addr in every
// router), that the client reaches it through the expected router, and that the
// client's neighbour entry points at the new master's MAC because of a GARP/NA
// seen on the wire in the client's namespace.
import assert from 'node:assert/strict';
import {
  VIP4,
  VIP6,
  VrrpLab,
  announcements,
  hacoreConfig,
  hacoreMissing,
  labMissing,
  nowMs,
  vrrpPackets,
  waitFor,
} from './vrrp-lab.mjs';

export { VIP4, VIP6, VrrpLab, announcements, hacoreConfig, nowMs, vrrpPackets, waitFor };

/** node:test `skip` value: a reason when this machine cannot run the hacore VRRP lab. */
export function skipHacore(tools) {
  return labMissing(tools) || hacoreMissing() || false;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Priorities of the three routers. Two Backups racing for a dead master differ only by
 * their skew time, (priority difference / 256) x interval: 120 vs 100 at 100 ms is 8 ms,
 * which timer jitter on a loaded machine can invert, and then the lower one also becomes
 * Master for a moment and its GARP/NA (sent last) leaves the client pointing at it.
 * 150 vs 50 is 39 ms apart.
 */
export const PRIOS = Object.freeze({ r1: 200, r2: 150, r3: 50 });

/** Master_Down_Interval (RFC 5798 6.1) in ms for an interval and a priority. */
export function masterDown(intervalMs, prio) {
  return 3 * intervalMs + ((256 - prio) * intervalMs) / 256;
}

/**
 * The vrrp instance most scenarios use: v3, 100 ms adverts, VRID 51, one VIP.
 * Only the first GARP burst (garpMasterDelay 0) so captures stay small.
 */
export function instance(overrides = {}) {
  const family = overrides.family ?? (String(overrides.virtualAddresses?.[0] ?? '').includes(':') ? 6 : 4);
  return {
    name: 'VI_1',
    vrid: 51,
    version: 3,
    advertInterval: '100ms',
    virtualAddresses: [family === 6 ? `${VIP6}/64` : `${VIP4}/24`],
    garpMasterDelay: '0',
    ...overrides,
  };
}

/**
 * Starts hacore in each router with one instance; priorities by router name.
 * `perRouter(router)` may return { instance: {...overrides}, extra: {...config} }.
 * Also starts the echo server (bound on the VIPs) in every router.
 * Resolves with { router: Daemon }.
 */
export async function startCluster(lab, prios, { vips = [VIP4], perRouter = () => ({}), order, singleProcess = false, port = 8080 } = {}) {
  const routers = order ?? Object.keys(prios);
  await Promise.all(routers.map((r) => lab.startEchoServer(r, vips, port)));
  const daemons = {};
  for (const r of routers) {
    const o = perRouter(r);
    const inst = instance({ priority: prios[r], ...(vips[0]?.includes(':') ? { virtualAddresses: [`${vips[0]}/64`] } : {}), ...(o.instance ?? {}) });
    daemons[r] = await lab.startHacore(r, hacoreConfig(o.instances ?? [inst], o.extra ?? {}), { singleProcess });
  }
  return daemons;
}

/** Explains a failure with the daemons' last log lines. */
export function logs(lab) {
  return lab.daemons.map((d) => `--- ${d.kind} ${d.router} (pid ${d.pid})\n${d.output.split('\n').slice(-25).join('\n')}`).join('\n');
}

/** Samples who holds `vip` every 50 ms until `stop()`, which resolves with the samples ("r1", "r1,r2", "" ...). */
export function watchHolders(lab, vip) {
  const samples = [];
  let watching = true;
  const loop = (async () => {
    while (watching) {
      samples.push((await lab.holders(vip)).join(','));
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      watching = false;
      await loop;
      return samples;
    },
  };
}

/**
 * Asserts that `router` alone holds `vip` (within timeoutMs) and that the client
 * reaches the VIP through it. Gives the client a neighbour entry for the VIP.
 */
export async function expectMaster(lab, vip, router, { timeoutMs = 15000 } = {}) {
  try {
    await lab.waitHolder(vip, router, timeoutMs);
  } catch (err) {
    err.message += `\nholders: ${JSON.stringify(await lab.holders(vip))}\n${logs(lab)}`;
    throw err;
  }
  const who = await waitFor(() => lab.whoAnswers(vip), { timeoutMs: 6000, everyMs: 50, what: `client reaching ${vip}` });
  assert.equal(who, router, `the client reaches ${vip} through ${who}, expected ${router}`);
  const n = await lab.neigh(vip);
  assert.equal(n?.mac, lab.mac(router), `client neighbour entry for ${vip}`);
}

/**
 * Asserts a failover to `to`: it alone holds the VIP, the client's neighbour entry
 * moved to its MAC without the client sending anything (so by the GARP/NA that the
 * capture shows, sent after `since`), and the client reaches the VIP through it.
 */
export async function expectFailover(lab, cap, vip, to, { since, timeoutMs = 8000 } = {}) {
  try {
    await lab.waitHolder(vip, to, timeoutMs);
  } catch (err) {
    err.message += `\nholders: ${JSON.stringify(await lab.holders(vip))}\n${logs(lab)}`;
    throw err;
  }
  await waitFor(async () => (await lab.neigh(vip))?.mac === lab.mac(to), {
    timeoutMs: 3000,
    everyMs: 20,
    what: `client neighbour entry for ${vip} -> ${lab.mac(to)} (${to})`,
  }).catch(async (err) => {
    const ann = (await announcements(cap.file)).map((a) => ({ ...a, t: Math.round(a.t - (since ?? 0)) }));
    err.message += `\nneighbour: ${JSON.stringify(await lab.neigh(vip))}\nannouncements since: ${JSON.stringify(ann)}\n${logs(lab)}`;
    throw err;
  });
  const ann = await waitFor(
    async () => {
      const a = (await announcements(cap.file)).filter((x) => x.addr === vip && x.mac === lab.mac(to) && (since === undefined || x.t >= since));
      return a.length > 0 ? a : false;
    },
    { timeoutMs: 3000, everyMs: 100, what: `a GARP/NA for ${vip} from ${to} in the client capture` },
  );
  if (vip.includes(':')) assert.ok(ann.every((a) => a.override), 'unsolicited NAs carry the Override flag');
  const who = await waitFor(() => lab.whoAnswers(vip), { timeoutMs: 6000, everyMs: 50, what: `client reaching ${vip} again` });
  assert.equal(who, to, `after the failover the client reaches ${vip} through ${who}, expected ${to}`);
  return ann;
}

/** The VRRP adverts of a capture sent by one router (by MAC), optionally for a VRID and after a time. */
export async function advertsFrom(lab, file, router, { vrid, since } = {}) {
  return (await vrrpPackets(file)).filter(
    (p) => p.ethSrc === lab.mac(router) && (vrid === undefined || p.vrid === vrid) && (since === undefined || p.t >= since),
  );
}

/** PID of the `vrrp` child of a hacore supervisor, from /proc (its argv carries --role vrrp). */
export async function vrrpChildPid(lab, d) {
  return waitFor(
    async () => {
      for (const pid of await lab.childPids(d.pid)) if ((await lab.cmdline(pid)).includes('--role vrrp')) return pid;
      return false;
    },
    { timeoutMs: 5000, what: `the vrrp child of ${d.router}` },
  );
}

/** Runs the VRRP advert injector in the client namespace (see vrrp-inject.mjs). */
export async function inject(lab, args) {
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('./vrrp-inject.mjs', import.meta.url));
  const argv = [script, '--src', lab.addr4(lab.client)];
  for (const [k, v] of Object.entries(args)) argv.push(`--${k}`, String(v));
  return lab.lab.exec(lab.client, process.execPath, argv);
}

/** Sends whole Ethernet frames from the client namespace (see vrrp-frame-inject.mjs): any source, TTL and destination. */
export async function injectFrames(lab, args) {
  const { fileURLToPath } = await import('node:url');
  const script = fileURLToPath(new URL('./vrrp-frame-inject.mjs', import.meta.url));
  const argv = [script];
  for (const [k, v] of Object.entries(args)) argv.push(`--${k}`, String(v));
  return lab.lab.exec(lab.client, process.execPath, argv);
}

/** Gaps between consecutive adverts (ms, sorted): count, median, p90, max and the longest few. */
export function advertGapStats(adverts) {
  const gaps = adverts.slice(1).map((a, i) => a.t - adverts[i].t).sort((a, b) => a - b);
  const q = (p) => gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))];
  return { n: gaps.length, median: q(0.5), p90: q(0.9), max: gaps[gaps.length - 1], top: gaps.slice(-4).map((g) => Math.round(g)) };
}

/**
 * The best p90 of `count` windows of `ms` from `t0`: the machine's own stalls (other work
 * on a shared 2-core box) hit either router at random; a cause in hacore would show in every window.
 */
export function bestWindowP90(adverts, t0, ms = 2000, count = 3) {
  return Math.min(...Array.from({ length: count }, (_, i) => advertGapStats(adverts.filter((a) => a.t >= t0 + i * ms && a.t < t0 + (i + 1) * ms)).p90));
}

export const formatGaps = (s) => `median ${s.median.toFixed(1)}ms p90 ${s.p90.toFixed(1)}ms max ${s.max.toFixed(1)}ms (${s.n} gaps; longest ${s.top.join(', ')})`;
