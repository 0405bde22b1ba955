#!/usr/bin/env node
// hacore failover demo (`npm run demo`): three hacore load balancers and a client in
// network namespaces on one bridge, the master cut off the network, the VIP moving to
// the next one, and what the client saw meanwhile. Everything is removed at the end.
//
//   node test/demo/failover-demo.mjs [--keepalived] [--interval 100ms]
//
// Needs root (network namespaces) and iproute2. --keepalived runs the same show with
// keepalived 2.2.7 in place of hacore, for comparison.
import { parseArgs } from 'node:util';
import { HACORE_CLI, VIP4, VrrpLab, hacoreConfig, hacoreMissing, labMissing, nowMs, waitFor } from '../lib/vrrp-lab.mjs';

const { values: o } = parseArgs({
  options: {
    keepalived: { type: 'boolean', default: false },
    interval: { type: 'string', default: '100ms' },
  },
});

const impl = o.keepalived ? 'keepalived' : 'hacore';
const intervalMs = o.interval.endsWith('ms') ? Number(o.interval.slice(0, -2)) : Number(o.interval.replace(/s$/, '')) * 1000;
// Priorities well apart: two backups racing for a dead master differ by (difference / 256) x interval.
const PRIOS = { r1: 200, r2: 150, r3: 50 };
const NAME = { r1: 'lb1', r2: 'lb2', r3: 'lb3' };
const PORT = 8080;
const t0 = nowMs();
const tty = process.stdout.isTTY;
const c = (code, s) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const bold = (s) => c('1', s);
const green = (s) => c('32', s);
const red = (s) => c('31', s);
const dim = (s) => c('2', s);
const stamp = () => dim(`[${((nowMs() - t0) / 1000).toFixed(2).padStart(5)} s]`);
const say = (...a) => console.log(stamp(), ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function preflight() {
  const why = labMissing(impl === 'keepalived' ? ['ip', 'keepalived'] : ['ip']) || (impl === 'hacore' ? hacoreMissing() : '');
  if (why) {
    console.error(`demo cannot run: ${why}${why.includes('root') ? ' (try: sudo npm run demo)' : ''}`);
    process.exit(2);
  }
}

/** Waits until one router alone has held the VIP for `quietMs` (the election has settled). */
async function stableHolder(lab, quietMs, timeoutMs = 15000) {
  const end = nowMs() + timeoutMs;
  let cur = null;
  let since = nowMs();
  while (nowMs() < end) {
    const h = await lab.holders(VIP4);
    const k = h.length === 1 ? h[0] : null;
    if (k !== cur) {
      cur = k;
      since = nowMs();
    } else if (k && nowMs() - since >= quietMs) return k;
    await sleep(10);
  }
  throw new Error(`no stable VIP holder within ${timeoutMs} ms`);
}

async function holders(lab) {
  return (await lab.holders(VIP4)).map((r) => NAME[r]);
}

/** Runs of equal outcomes of the client's probes: "lb1 x41, LOST x18, lb2 x60". */
function runs(results) {
  const out = [];
  for (const r of results) {
    const k = r.ok ? r.who : null;
    const last = out.at(-1);
    if (last && last.k === k) {
      last.n++;
      last.end = r.end;
    } else out.push({ k, n: 1, start: r.t, end: r.end });
  }
  return out;
}

async function main() {
  preflight();
  console.log(bold(`hacore failover demo: ${impl}, 3 load balancers + 1 client, VIP ${VIP4}, VRRPv3 every ${intervalMs} ms`));
  const lab = await VrrpLab.create('hfd');
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await lab.destroy();
  };
  for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => void cleanup().then(() => process.exit(130)));
  try {
    say(`lab up: namespaces ${lab.hosts.map((h) => lab.ns(h)).join(', ')} on one bridge`);
    for (const r of lab.routers) say(`  ${NAME[r]}: ${lab.addr4(r)}  mac ${lab.mac(r)}  priority ${PRIOS[r]}`);
    say(`  client: ${lab.addr4('c')}`);

    // Each load balancer serves the VIP on TCP port 8080 and answers with its own name.
    await Promise.all(lab.routers.map((r) => lab.startEchoServer(r, [VIP4], PORT)));
    const daemons = {};
    for (const r of lab.routers) {
      if (impl === 'hacore') {
        daemons[r] = await lab.startHacore(
          r,
          hacoreConfig([{ name: 'VI_1', vrid: 51, version: 3, priority: PRIOS[r], advertInterval: `${intervalMs}ms`, virtualAddresses: [`${VIP4}/24`] }]),
        );
      } else {
        daemons[r] = await lab.startKeepalived(r, { vrid: 51, version: 3, priority: PRIOS[r], advertInt: intervalMs / 1000, vips: [`${VIP4}/24`] });
      }
    }
    say(`${impl} started on ${lab.routers.map((r) => NAME[r]).join(', ')}`);
    const master = await stableHolder(lab, Math.max(1000, 6 * intervalMs));
    say(`${bold(NAME[master])} is ${green('MASTER')}: it holds ${VIP4} (ip addr in every namespace: ${JSON.stringify(await holders(lab))})`);
    const first = await waitFor(() => lab.whoAnswers(VIP4, PORT), { timeoutMs: 3000, what: 'the client reaching the VIP' });
    const n0 = await lab.neigh(VIP4);
    say(`client -> ${VIP4}:${PORT} answered by ${bold(NAME[first] ?? first)}; client's ARP entry: ${n0?.mac} (${NAME[lab.routers.find((r) => lab.mac(r) === n0?.mac)] ?? '?'})`);

    say(`client starts connecting to ${VIP4}:${PORT} every 20 ms`);
    const loop = lab.startProbeLoop(VIP4, PORT, { everyMs: 20, count: 400, timeoutMs: 100 });
    await sleep(1000);
    const shell = lab.ipShell(master);
    const cutAt = nowMs();
    shell.run('link set eth0 down');
    say(red(`cutting ${NAME[master]} off the network (its eth0 down): a dead box`));
    const next = await waitFor(
      async () => {
        const h = await lab.holders(VIP4);
        return h.length === 1 && h[0] !== master ? h[0] : false;
      },
      { timeoutMs: 10000, everyMs: 5, what: 'another router to take the VIP' },
    );
    const tookMs = nowMs() - cutAt;
    say(`${bold(NAME[next])} is ${green('MASTER')} now, ${Math.round(tookMs)} ms after the cut (RFC 5798: ${Math.round(3 * intervalMs + ((256 - PRIOS[next]) * intervalMs) / 256)} ms after ${NAME[master]}'s last advert, 3 x ${intervalMs} ms + skew; seen here by polling ip addr)`);
    await waitFor(async () => (await lab.neigh(VIP4))?.mac === lab.mac(next), { timeoutMs: 2000, what: 'the ARP entry to move' }).catch(() => {});
    const n1 = await lab.neigh(VIP4);
    say(`client's ARP entry for ${VIP4}: ${n1?.mac} (${NAME[lab.routers.find((r) => lab.mac(r) === n1?.mac)] ?? '?'}), moved by the new master's gratuitous ARP`);
    if (impl === 'hacore') {
      for (const r of lab.routers.filter((x) => x !== master)) {
        const out = await lab.lab.exec(r, process.execPath, [HACORE_CLI, 'status', '--config', daemons[r].files.config]).catch((e) => String(e.message));
        const vrrp = out.slice(out.indexOf('VRRP INSTANCE')).trim().split('\n');
        say(`hacore status on ${NAME[r]}:`);
        for (const l of vrrp) console.log(`           ${dim('|')} ${l}`);
      }
    }
    await sleep(800);
    await loop.stop();
    await shell.close();

    const res = [...loop.results].sort((a, b) => a.t - b.t);
    const after = res.filter((r) => r.t >= cutAt);
    const firstNew = after.find((r) => r.ok && r.who !== master);
    const lastOld = res.filter((r) => r.ok && r.who === master && r.t < (firstNew?.t ?? Infinity)).at(-1);
    console.log();
    console.log(bold("the client's view") + dim(` (${res.length} connects, one every 20 ms)`));
    for (const r of runs(res)) {
      const label = r.k === null ? red('no answer') : `answered by ${NAME[r.k] ?? r.k}`;
      const from = ((r.start - cutAt) / 1000).toFixed(3);
      console.log(`  ${dim(`${from.padStart(7)} s`)}  ${label.padEnd(tty ? 28 : 20)} x${r.n}`);
    }
    const lost = firstNew && lastOld ? firstNew.t - lastOld.end : NaN;
    const failed = after.filter((r) => !r.ok).length;
    console.log();
    say(
      bold(
        `client lost the VIP for ${Number.isNaN(lost) ? '?' : Math.round(lost)} ms (${failed} failed connects); ` +
          `first answer from ${NAME[firstNew?.who] ?? '?'} ${firstNew ? Math.round(firstNew.end - cutAt) : '?'} ms after the cut`,
      ),
    );
    if (!firstNew) throw new Error('the client never reached the VIP again');
  } finally {
    await cleanup();
    say(`cleaned up: namespaces, daemons and temp files removed`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(red(`demo failed: ${err.stack ?? err}`));
    process.exit(1);
  },
);
