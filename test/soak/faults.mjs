// The faults of the soak, drawn from the seed, and the windows they open: which
// invariant bound applies when (an isolated router may hold a VIP beside the new
// master until it is back; a killed process may lose the notifications it had
// queued). One VRRP-side fault at a time, so each bound is the fault's own; real
// servers stop, hang and return meanwhile on a loop of their own.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sh, waitFor } from '../lib/vrrp-lab.mjs';
import { childPids, procInfo } from './resources.mjs';
import { worstMasterDown } from './topology.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PROBE_MS = 10;
const SLACK_MS = 50;

/** Faults during which a router is cut off, stopped, lossy or dead: a VIP may be held twice. */
const ISOLATING = new Set(['link-down', 'packet-loss', 'sigstop', 'kill-daemon', 'kill-vrrp']);
/** Faults that may move a VIP: the client may lose it for a Master_Down_Interval. */
const FAILOVER = new Set(['link-down', 'sigstop', 'kill-daemon', 'kill-vrrp']);
export const LOSS_PERCENT = 30;

export const VRRP_FAULT_WEIGHTS = {
  'link-down': 2,
  'packet-loss': 2,
  sigstop: 2,
  'reload-valid': 2,
  'reload-invalid': 2,
  'kill-vrrp': 1,
  'kill-check': 1,
  'kill-daemon': 1,
};

/** Invalid configs for a reload, each refused by validation with nothing changed. */
const INVALID = [
  ['priority 300', (doc) => (doc.vrrp.instances[0].priority = 300)],
  ['v2 with 150ms adverts', (doc) => (doc.vrrp.instances[2].advertInterval = '150ms')],
  ['a check of an unknown type', (doc) => doc.checks.push({ name: 'bogus', type: 'no-such-type', address: '198.51.100.1', port: 1 })],
  ['two checks of one name', (doc) => doc.checks.push({ ...doc.checks[0] })],
  ['a sync group naming no instance', (doc) => doc.vrrp.syncGroups.push({ name: 'G9', instances: ['VI_404'] })],
  ['not JSON', () => 'truncated'],
];

export class Faults {
  constructor(soak) {
    this.soak = soak;
    this.rng = soak.rng.fork('faults');
    this.srvRng = soak.rng.fork('servers');
    this.counts = {};
    this.windows = [];
    this.maxTakeover = {};
    this.lastKill = new Map();
    this.serverMode = new Map();
    this.active = new Set();
  }

  count(kind) {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  open(kind, router, extra = {}) {
    const w = { kind, router, start: Date.now(), end: undefined, ...extra };
    this.windows.push(w);
    this.count(kind);
    this.soak.log(`fault ${kind} on ${router}${extra.detail ? ` (${extra.detail})` : ''}`);
    return w;
  }

  close(w) {
    w.end = Date.now();
  }

  // ---- what the invariants ask --------------------------------------------------------

  /** Is a dual holding [start, now] covered by an isolating fault? `lastEnd`: when the last one covering it ended. */
  isolationAround(start, now) {
    let active = false;
    let lastEnd;
    for (const w of this.windows) {
      if (!ISOLATING.has(w.kind) || w.start > now) continue;
      if (w.end === undefined) active = true;
      else if (w.end >= start) lastEnd = Math.max(lastEnd ?? 0, w.end);
    }
    return { active, lastEnd };
  }

  kindAt(t) {
    const w = [...this.windows].reverse().find((x) => x.start <= t && (x.end === undefined || x.end + 5000 >= t));
    return w?.kind;
  }

  describeNear(t) {
    return (
      this.windows
        .filter((w) => Math.abs(w.start - t) < 8000 || (w.end !== undefined && Math.abs(w.end - t) < 8000) || w.end === undefined)
        .map((w) => `${w.kind}@${w.router} ${w.start - t}ms..${w.end === undefined ? 'now' : `${w.end - t}ms`}`)
        .join(', ') || 'none'
    );
  }

  /** Longest outage the client may see for an instance over [from, to], and the faults that explain it. */
  clientBound(inst, from, to) {
    const md = worstMasterDown(inst);
    const base = 2 * PROBE_MS + SLACK_MS;
    let bound = base;
    const kinds = new Set();
    for (const w of this.windows) {
      const end = (w.end ?? Date.now()) + md + 1000;
      if (w.start - 100 > to || end < from) continue;
      kinds.add(w.kind);
      if (FAILOVER.has(w.kind)) bound = Math.max(bound, md + 2 * PROBE_MS + SLACK_MS);
      // Under loss a Backup that misses three adverts takes over (and GARPs), then steps
      // down without a word when the Master's next advert gets through; if the Master did
      // not hear it meanwhile (it answers a lower-priority Master with a GARP/NA burst),
      // the client keeps the loser's MAC until its neighbour entry fails (docs/vrrp.md); and the
      // client's own neighbour probes cross the lossy link too (3 lost in a row: p = 0.13), so
      // its entry for the right router can fail and need resolving again. Not a hard bound:
      // a resolution can fail again (p = 0.13 per try). (Lost probes alone: p = 0.51 each.)
      else if (w.kind === 'packet-loss') bound = Math.max(bound, md + this.soak.neighFailMs + 2 * PROBE_MS + SLACK_MS);
    }
    return { bound, kinds: [...kinds].sort() };
  }

  /** A change logged by `router` at `t` may have died with a process killed right after. */
  excusesLoss(router, t) {
    return this.windows.some((w) => w.router === router && (w.kind === 'kill-daemon' || w.kind === 'kill-check') && t >= w.start - 3000 && t <= w.start + 200);
  }

  expectsExit(router) {
    return this.windows.some((w) => w.router === router && w.kind === 'kill-daemon' && w.end === undefined);
  }

  // ---- real servers -------------------------------------------------------------------

  farm(op, i) {
    const id = `${op}-${i}-${Math.random()}`;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), 5000);
      this.soak.farmAcks.set(id, () => (clearTimeout(t), this.soak.farmAcks.delete(id), resolve(true)));
      this.soak.farm.stdin.write(`${JSON.stringify({ op, i, id })}\n`);
    });
  }

  async serverLoop(endAt) {
    const n = this.soak.servers.length;
    while (Date.now() < endAt - 3000 && !this.stopped) {
      await sleep(this.srvRng.int(500, 2500));
      const i = this.srvRng.int(0, n - 1);
      const mode = this.serverMode.get(i) ?? 'up';
      const down = [...this.serverMode.values()].filter((m) => m !== 'up').length;
      const op = mode !== 'up' ? 'up' : down >= Math.ceil(n / 5) ? null : this.srvRng.next() < 0.5 ? 'stop' : 'hang';
      if (!op) continue;
      await this.farm(op, i);
      this.serverMode.set(i, op);
      this.count(op === 'up' ? 'server-return' : `server-${op}`);
    }
  }

  // ---- VRRP-side faults -----------------------------------------------------------------

  /**
   * The next VRRP-side fault: dealt from a seeded shuffle of a deck holding each kind in
   * play `weight` times, so a run of n faults covers every kind once n reaches the deck.
   */
  nextKind() {
    if (!this.deck?.length) {
      const kinds = this.soak.opts.kinds ?? Object.keys(VRRP_FAULT_WEIGHTS);
      this.deck = kinds.flatMap((k) => Array(VRRP_FAULT_WEIGHTS[k]).fill(k));
      for (let i = this.deck.length - 1; i > 0; i--) {
        const j = this.rng.int(0, i);
        [this.deck[i], this.deck[j]] = [this.deck[j], this.deck[i]];
      }
    }
    return this.deck.shift();
  }

  async vrrpLoop(endAt) {
    const routers = this.soak.lab.routers;
    await sleep(2000);
    while (Date.now() < endAt - 15000 && !this.stopped) {
      let kind = this.nextKind();
      // Kills spare r1, so that its processes live the whole run for the leak slopes; and
      // a child killed again within a minute would restart after a longer backoff.
      const pool = kind.startsWith('kill') ? routers.slice(1) : routers;
      const router = this.rng.pick(pool);
      const hold = this.rng.int(0, 1000);
      const last = this.lastKill.get(`${kind}|${router}`) ?? -Infinity;
      if (kind.startsWith('kill-') && kind !== 'kill-daemon' && Date.now() - last < 65000) kind = 'reload-valid';
      if (kind.startsWith('kill')) this.lastKill.set(`${kind}|${router}`, Date.now());
      try {
        await this[`do_${kind.replace('-', '_')}`](router, hold);
      } catch (err) {
        this.soak.breach('fault', `${kind} on ${router} failed: ${err.stack ?? err}`);
        // A window left open would excuse every later outage and double holding.
        for (const w of this.windows) if (w.end === undefined) this.close(w);
      }
      await this.settle(kind);
      await sleep(this.rng.int(1500, 4000));
    }
  }

  /** After a fault: every VIP held by its top-priority router alone (preempt), within a bound. */
  async settle(kind) {
    for (const i of this.soak.insts) {
      const top = Object.entries(i.prios).sort((a, b) => b[1] - a[1])[0][0];
      // Slowest path back: a Backup that comes up waits a Master_Down_Interval, a restarted
      // child waits its backoff; 30 s covers both on a loaded machine.
      await waitFor(() => {
        const h = this.soak.watch.holders(i.vip);
        return h.length === 1 && h[0] === top;
      }, { timeoutMs: 30000, everyMs: 20, what: `${i.name} back on ${top}` }).catch(() =>
        this.soak.breach('no-convergence', `after ${kind}: ${i.name} (${i.vip}) held by [${this.soak.watch.holders(i.vip)}] 30 s later, expected ${top} alone`),
      );
    }
  }

  /** VIPs that `router` alone holds now. */
  owned(router) {
    return this.soak.vips.filter((v) => {
      const h = this.soak.watch.holders(v);
      return h.length === 1 && h[0] === router;
    });
  }

  /** Records, per fault kind, how long each VIP owned by the faulted router took to move. */
  watchTakeover(kind, router, t0) {
    const vips = this.owned(router);
    return Promise.all(
      vips.map((v) =>
        waitFor(() => this.soak.watch.holders(v).some((r) => r !== router), { timeoutMs: 15000, everyMs: 5, what: '' })
          .then(() => {
            const inst = this.soak.insts.find((i) => i.vip === v);
            const k = `${kind} v${inst.version}/${inst.intervalMs}ms`;
            this.maxTakeover[k] = Math.max(this.maxTakeover[k] ?? 0, Date.now() - t0);
          })
          .catch(() => {}),
      ),
    );
  }

  /**
   * Resolves when every VRRP instance of `router` has started again (logged its INIT ->
   * transition): only then has a restarted vrrp child removed the VIPs its killed
   * predecessor left (the isolation window of a kill lasts until here). Arm it before the kill.
   */
  vrrpRestarted(router) {
    return Promise.all(
      this.soak.insts.map((i) => this.soak.nextLog(router, (r) => typeof r.msg === 'string' && r.msg.startsWith(`${i.name}: INIT ->`), 90000, `${i.name} started again`)),
    ).catch((err) => this.soak.breach('restart', `${router}: ${err.message}`));
  }

  async daemonPids(router) {
    const d = this.soak.routers.get(router).d;
    return [d.pid, ...(await childPids(d.pid))];
  }

  async childOf(router, role) {
    const d = this.soak.routers.get(router).d;
    for (const p of await childPids(d.pid)) if ((await procInfo(p))?.role === role) return p;
    return undefined;
  }

  async do_link_down(router, hold) {
    const w = this.open('link-down', router);
    const moved = this.watchTakeover('link-down', router, w.start);
    await this.soak.lab.cut(router);
    await sleep(1500 + hold * 2);
    await this.soak.lab.restore(router);
    this.close(w);
    await moved;
  }

  /** The nftables table that makes a router's link lossy: in the switch namespace, one per router, named exactly. */
  lossTable(router) {
    return `soak_loss_${router}`;
  }

  async do_packet_loss(router, hold) {
    // This kernel has no sch_netem: drop at random on the router's bridge port instead,
    // both ways, every frame (adverts, ARP, GARP, probes), as a lossy cable would.
    const lab = this.soak.lab;
    const port = `p${lab.hosts.indexOf(router)}`;
    const table = this.lossTable(router);
    const file = path.join(this.soak.dir, `${table}.nft`);
    writeFileSync(
      file,
      `table bridge ${table} {\n  chain loss {\n    type filter hook forward priority 0; policy accept;\n` +
        `    iifname "${port}" numgen random mod 100 < ${LOSS_PERCENT} drop\n    oifname "${port}" numgen random mod 100 < ${LOSS_PERCENT} drop\n  }\n}\n`,
    );
    const w = this.open('packet-loss', router, { detail: `${LOSS_PERCENT}% each way on ${port}` });
    try {
      await sh('ip', ['netns', 'exec', lab.lab.bridgeNs, 'nft', '-f', file]);
      await sleep(3000 + hold * 5);
    } finally {
      await this.dropLossTable(router);
      this.close(w);
    }
  }

  async dropLossTable(router) {
    const lab = this.soak.lab;
    const tables = await sh('ip', ['netns', 'exec', lab.lab.bridgeNs, 'nft', 'list', 'tables']);
    if (tables.split('\n').includes(`table bridge ${this.lossTable(router)}`)) await sh('ip', ['netns', 'exec', lab.lab.bridgeNs, 'nft', 'delete', 'table', 'bridge', this.lossTable(router)]);
  }

  async do_sigstop(router, hold) {
    // Longer than the longest Master_Down_Interval (the v2 1 s instance, ~3.8 s).
    const ms = Math.max(...this.soak.insts.map(worstMasterDown)) + 500 + hold;
    const w = this.open('sigstop', router, { detail: `${Math.round(ms)} ms` });
    const moved = this.watchTakeover('sigstop', router, w.start);
    const pids = await this.daemonPids(router);
    this.stoppedPids = pids;
    for (const p of pids) signalIfAlive(p, 'SIGSTOP');
    await sleep(ms);
    for (const p of pids) signalIfAlive(p, 'SIGCONT');
    this.stoppedPids = undefined;
    this.close(w);
    await moved;
  }

  async killChild(kind, router, role) {
    const pid = await this.childOf(router, role);
    if (!pid) throw new Error(`no ${role} child on ${router}`);
    const w = this.open(kind, router, { detail: `pid ${pid}` });
    const moved = role === 'vrrp' ? this.watchTakeover(kind, router, w.start) : Promise.resolve();
    const restarted = role === 'vrrp' ? this.vrrpRestarted(router) : Promise.resolve();
    process.kill(pid, 'SIGKILL');
    const next = await waitFor(async () => {
      const p = await this.childOf(router, role);
      return p && p !== pid ? p : false;
    }, { timeoutMs: 40000, everyMs: 50, what: `a new ${role} child on ${router}` });
    await this.soak.nextLog(router, (r) => r.pid === next && r.msg === 'hacore started', 30000, `the new ${role} child started`).catch(() => {});
    await restarted;
    this.close(w);
    await moved;
  }

  do_kill_vrrp(router) {
    return this.killChild('kill-vrrp', router, 'vrrp');
  }

  do_kill_check(router) {
    return this.killChild('kill-check', router, 'check');
  }

  async do_kill_daemon(router) {
    const st = this.soak.routers.get(router);
    const pids = await this.daemonPids(router);
    const w = this.open('kill-daemon', router, { detail: `pids ${pids.join(',')}` });
    const moved = this.watchTakeover('kill-daemon', router, w.start);
    // The whole unit at once, as systemd's KillMode=control-group or the OOM killer does.
    for (const p of pids) process.kill(p, 'SIGKILL');
    await st.d.exited;
    await sleep(2000); // RestartSec=2s in the systemd unit
    const restarted = this.vrrpRestarted(router);
    await this.soak.startDaemon(router);
    await restarted;
    this.close(w);
    await moved;
  }

  async sighup(router, pred, what) {
    const st = this.soak.routers.get(router);
    const seen = this.soak.nextLog(router, pred, 20000, what);
    process.kill(st.d.pid, 'SIGHUP');
    return seen;
  }

  async do_reload_valid(router) {
    const st = this.soak.routers.get(router);
    const c = st.doc.checks[this.rng.int(0, st.doc.checks.length - 1)];
    // The original interval is kept here, not in the document: any unknown key makes the config invalid.
    this.origIntervals ??= new Map();
    if (!this.origIntervals.has(c.name)) this.origIntervals.set(c.name, c.interval);
    c.interval = c.interval === '250ms' ? this.origIntervals.get(c.name) : '250ms';
    if (c.interval === '250ms' && this.origIntervals.get(c.name) === '250ms') c.interval = '300ms';
    const w = this.open('reload-valid', router, { detail: `${c.name} interval ${c.interval}` });
    await this.soak.writeConfig(router, st.doc);
    const from = st.lines.length;
    await this.sighup(router, (r) => r.msg === 'config reloaded', 'config reloaded').catch((err) => {
      const said = st.lines.slice(from).filter((l) => /reload/i.test(`${l.msg}`) || (l.level ?? 30) >= 40).map((l) => `${l.role ?? 'main'}: ${l.msg}${l.err ? ` (${l.err})` : ''}`);
      this.soak.breach('reload', `a valid reload on ${router} was not applied: ${err.message}; the daemon said: ${said.join(' | ') || 'nothing about it'}`);
    });
    this.close(w);
  }

  async snapshot(router) {
    const st = await this.soak.lab.hacoreStatus(this.soak.routers.get(router).d);
    const vrrp = Object.values(st).flatMap((doc) => doc?.vrrp?.instances ?? []).map((i) => `${i.name}:${i.state}:${i.priority}`).sort();
    // The check process's targets (hacore status: `targets`; their states move with the server faults).
    const checks = Object.values(st).flatMap((doc) => (doc?.targets ?? []).map((t) => `${t.check}:${t.type}:${JSON.stringify(t.target)}`)).sort();
    const holders = this.soak.vips.map((v) => `${v}:${this.soak.watch.holders(v).join('+')}`);
    return { vrrp, checks, holders };
  }

  async do_reload_invalid(router) {
    const st = this.soak.routers.get(router);
    const [name, mutate] = this.rng.pick(INVALID);
    const before = await this.snapshot(router);
    const doc = JSON.parse(st.good);
    const out = mutate(doc);
    const w = this.open('reload-invalid', router, { detail: name });
    writeFileSync(st.d.files.config, typeof out === 'string' ? st.good.slice(0, 40) : JSON.stringify(doc));
    const refused = await this.sighup(router, (r) => r.level >= 40 && /reload/i.test(`${r.msg}`), 'reload refused').catch((err) => {
      this.soak.breach('reload', `an invalid reload (${name}) on ${router} was not refused in the log: ${err.message}`);
    });
    writeFileSync(st.d.files.config, st.good);
    await sleep(300);
    const after = await this.snapshot(router);
    this.soak.counts.invalidReloadChecks++;
    if (before.checks.length === 0) this.soak.breach('invalid-reload', `hacore status on ${router} listed no check target: the comparison would prove nothing`);
    const same = JSON.stringify(before) === JSON.stringify(after);
    if (!same) this.soak.breach('invalid-reload', `an invalid reload (${name}) on ${router} changed something: before ${JSON.stringify(before)} after ${JSON.stringify(after)}`);
    if (refused && !this.firstRefusal) this.firstRefusal = refused.msg;
    this.close(w);
  }

  // ---- end ------------------------------------------------------------------------------

  /** Undo whatever is still applied (at the end, or when the run is interrupted). */
  async restoreAll() {
    this.stopped = true;
    for (const p of this.stoppedPids ?? []) {
      try {
        process.kill(p, 'SIGCONT');
      } catch {}
    }
    for (const r of this.soak.lab.routers) {
      await this.soak.lab.restore(r).catch(() => {});
      await this.dropLossTable(r).catch((err) => this.soak.breach('leftover', `could not remove ${this.lossTable(r)}: ${err.message}`));
    }
    for (const [i, m] of this.serverMode) if (m !== 'up') await this.farm('up', i);
    for (const w of this.windows) if (w.end === undefined) w.end = Date.now();
  }

  stopAll() {
    this.stopped = true;
  }
}

/** A process listed a moment ago may have exited since (a notify script's runner, a child being restarted): nothing to stop. */
function signalIfAlive(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if (err.code !== 'ESRCH') throw err;
  }
}
