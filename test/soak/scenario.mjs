// The soak: builds the lab (routers running hacore, a namespace of real servers,
// a client), runs the helpers (UDP echo on the VIPs, the client's prober, webhook
// receivers, the advert trickle, the VIP watch) and the fault loops for the given
// time, asserting the invariants as it goes. Returns a report; breaches carry the
// time and the seed. See docs/reliability.md.
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HACORE_CLI, ROOT, VrrpLab, sh, waitFor } from '../lib/vrrp-lab.mjs';
import { Faults } from './faults.mjs';
import { NotifierLedger } from './notifier-ledger.mjs';
import { LEAK_MIN_WINDOW_MIN, LEAK_SLOPE_PCT_PER_HOUR, ResourceTracker } from './resources.mjs';
import { Rng } from './rng.mjs';
import { StallMeter } from './stall-meter.mjs';
import { TimeNamespace, timeNamespacesMissing } from './time-namespace.mjs';
import { ECHO_PORT, WEBHOOK_PORT, checks, instances, routerConfig, servers, worstMasterDown } from './topology.mjs';
import { VipWatch } from './vip-watch.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = (n) => path.join(here, n);
// The client's prober and the routers' UDP echo are the instrument, not what is measured:
// they run SCHED_RR 1 (as the vrrp process does by default), so that on a loaded machine
// a starved prober or echo is not read as a lost VIP. chrt execs: the PID is node's.
const instrument = (args) => ['chrt', ['-r', '1', process.execPath, ...args]];
const SLACK_MS = 50;

/** Reads JSON lines of a child's stdout into `onLine`. */
function lines(child, onLine, stream = 'stdout') {
  let buf = '';
  child[stream].on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!l) continue;
      let rec;
      try {
        rec = JSON.parse(l);
      } catch {
        rec = { text: l };
      }
      onLine(rec);
    }
  });
}

function firstLine(child, re, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}: ${buf.slice(-300)}`)), timeoutMs);
    child.stdout.on('data', function on(d) {
      buf += d;
      if (re.test(buf)) {
        clearTimeout(t);
        child.stdout.off('data', on);
        resolve(buf);
      }
    });
    child.once('exit', (c) => (clearTimeout(t), reject(new Error(`${what} exited (${c}): ${buf.slice(-300)}`))));
  });
}

export class Soak {
  /**
   * @param {{minutes: number, seed: number, profile: 'two'|'three', servers?: number, log?: (s: string) => void, keep?: boolean}} opts
   */
  constructor(opts) {
    this.opts = { servers: 50, log: (s) => process.stdout.write(`${s}\n`), ...opts };
    this.seed = opts.seed >>> 0;
    this.rng = new Rng(this.seed);
    this.insts = instances(opts.profile);
    this.vips = this.insts.map((i) => i.vip);
    this.breaches = [];
    this.counts = { holderChecks: 0, clientOutages: 0, clientChecks: 0, notifierChecks: 0, invalidReloadChecks: 0, cleanupChecks: 0, resourceSamples: 0 };
    /** router -> { d: Daemon, doc, good: string (valid config text) } */
    this.routers = new Map();
    this.overlaps = new Map(this.vips.map((v) => [v, null]));
    this.maxOverlap = {};
    this.maxOutage = {};
    this.t0 = Date.now();
    this.stopping = false;
    this.clockRng = this.rng.fork('clock');
    this.stalls = new StallMeter();
    this.stalls.start();
    /** Bounds that held only thanks to the measured scheduling delay (stall-meter.mjs). */
    this.heldByStallAllowance = 0;
    /** Offsets (s) of the clock router's monotonic and boottime clocks, one per daemon start. */
    this.clockOffsets = [];
  }

  log(s) {
    this.opts.log(`[soak +${((Date.now() - this.t0) / 1000).toFixed(1)}s seed=${this.seed}] ${s}`);
    this.trace(s);
  }

  /** A line of the run's trace (opts.trace: a file), for replaying a breach by eye. */
  trace(s, t = Date.now()) {
    if (this.opts.trace) appendFileSync(this.opts.trace, `${new Date(t).toISOString()} +${((t - this.t0) / 1000).toFixed(3)} ${s}\n`);
  }

  breach(kind, what, t = Date.now()) {
    const b = { kind, what, t: new Date(t).toISOString(), atS: Math.round((t - this.t0) / 100) / 10, seed: this.seed };
    this.breaches.push(b);
    this.log(`BREACH ${kind}: ${what}`);
  }

  async setup() {
    const n = this.opts.profile === 'three' ? 3 : 2;
    this.faults = new Faults(this);
    this.lab = await VrrpLab.create('soak', { routers: n, extra: ['srv'] });
    const lab = this.lab;
    // The last router's daemon runs in a time namespace of its own, days ahead of the
    // others, and every restart (kill -9 of the daemon) moves it days forward or back.
    const noClock = await timeNamespacesMissing();
    this.clockRouter = noClock ? undefined : lab.routers.at(-1);
    if (noClock) this.log(`clock steps skipped: ${noClock}`);
    this.log(`lab ${lab.lab.prefix}: ${lab.hosts.map((h) => `${h}=${lab.addr4(h)}`).join(' ')}`);
    this.dir = lab.dir;
    // The real servers.
    this.farm = lab.lab.spawn('srv', process.execPath, [script('server-farm.mjs'), lab.addr4('srv'), lab.addr6('srv'), '9000', String(this.opts.servers)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.farmAcks = new Map();
    lines(this.farm, (r) => r.ack !== undefined && this.farmAcks.get(r.ack)?.(r));
    await firstLine(this.farm, /"ready"/, 15000, 'server farm');
    this.servers = servers(this.opts.servers, lab.addr4('srv'), lab.addr6('srv'));
    this.checkList = checks(this.servers, this.rng.fork('checks'));
    // Per router: UDP echo on the VIPs, a webhook receiver, the notify script, hacore.
    this.ledger = new NotifierLedger(['webhook', 'script'], (router, t) => this.faults.excusesLoss(router, t));
    for (const r of lab.routers) {
      await lab.lab.exec(r, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_nonlocal_bind; echo 1 > /proc/sys/net/ipv6/ip_nonlocal_bind']);
      const echo = lab.lab.spawn(r, ...instrument([script('udp-echo.mjs'), r, String(ECHO_PORT), ...this.vips]));
      await firstLine(echo, /^listening/, 10000, `udp echo in ${r}`);
      const rx = lab.lab.spawn(r, process.execPath, [script('webhook-receiver.mjs'), String(WEBHOOK_PORT), '7']);
      await firstLine(rx, /listening/, 10000, `webhook receiver in ${r}`);
      lines(rx, (rec) => {
        if (!rec.body) return;
        const doc = JSON.parse(rec.body);
        const ev = doc.event;
        if (ev?.kind === 'target-state') this.ledger.received('webhook', r, ev.check, ev.to, ev.time, doc.id);
      });
      const out = path.join(this.dir, `${r}-notify.log`);
      writeFileSync(out, '');
      const sh1 = path.join(this.dir, `${r}-notify.sh`);
      // keepalived-style arguments: CHECK name UP|DOWN weight; one line per run, appended (atomic for short lines).
      writeFileSync(sh1, `#!/bin/sh\necho "$(date +%s%3N) $1 $2 $3 $4" >> ${out}\n`);
      chmodSync(sh1, 0o755);
      const stateDir = path.join(this.dir, `${r}-state`);
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      const doc = routerConfig({ router: r, profile: this.opts.profile, checkList: this.checkList, notifyScript: sh1, stateDir });
      this.routers.set(r, { doc, notifyLog: out, notifyRead: 0, d: undefined, good: '' });
      await this.startDaemon(r);
    }
    // Wait for the first election: every VIP held by its top-priority router alone.
    this.watch = new VipWatch(lab.lab, lab.routers, this.vips);
    this.watch.onChange = (vip, router, on, t) => this.onHolderChange(vip, router, on, t);
    await this.watch.start();
    for (const i of this.insts) {
      const top = Object.entries(i.prios).sort((a, b) => b[1] - a[1])[0][0];
      await waitFor(() => {
        const h = this.watch.holders(i.vip);
        return h.length === 1 && h[0] === top;
      }, { timeoutMs: 90000, everyMs: 50, what: `${i.name} (${i.vip}) held by ${top} alone` });
    }
    this.log(`first election done: ${this.insts.map((i) => `${i.name}@${this.watch.holders(i.vip)}`).join(' ')}`);
    // How long the client keeps a neighbour entry that stopped answering, and then finds
    // the VIP again: the first probe after delay_first_probe_time, ucast_solicit probes
    // retrans_time apart, then a new resolution of mcast_solicit probes (the bound of a loss
    // fault, faults.mjs: under loss the client's own probes and their answers get lost too).
    const neigh = async (fam) => {
      const r = (k) => this.lab.lab.exec('c', 'cat', [`/proc/sys/net/${fam}/neigh/eth0/${k}`]).then(Number);
      return (await r('delay_first_probe_time')) * 1000 + ((await r('ucast_solicit')) + (await r('mcast_solicit'))) * (await r('retrans_time_ms'));
    };
    this.neighFailMs = Math.max(await neigh('ipv4'), await neigh('ipv6'));
    // The client: probes every VIP every 10 ms; the advert trickle.
    const maxS = Math.ceil(this.opts.minutes * 60 + 120);
    this.prober = lab.lab.spawn('c', ...instrument([script('udp-prober.mjs'), String(ECHO_PORT), '10', '200', String(maxS), ...this.vips]));
    lines(this.prober, (r) => this.onProbe(r));
    await firstLine(this.prober, /ready/, 10000, 'prober');
    const link6 = await lab.link6('c');
    const trickle = this.insts.map((i) => ({ vrid: i.vrid, version: i.version, intervalMs: i.intervalMs, vips: [i.vip] }));
    this.trickle = lab.lab.spawn('c', process.execPath, [script('advert-trickle.mjs'), '400', String(maxS), lab.addr4('c'), link6, lab.mac('c'), JSON.stringify(trickle)]);
    lines(this.trickle, (r) => r.sent && (this.trickleSent = r.sent));
  }

  async writeConfig(r, doc) {
    const st = this.routers.get(r);
    const text = JSON.stringify({ logLevel: 'info', ...doc, controlSocket: path.join(this.dir, `${r}-hacore.sock`), pidFile: path.join(this.dir, `${r}-hacore.pid`) }, null, 2);
    writeFileSync(path.join(this.dir, `${r}-hacore.json`), text);
    st.good = text;
  }

  /**
   * Starts (or restarts, as systemd would) the daemon of a router; resolves when its VRRP and
   * checks run. Up to 90 s: a Node daemon loading its plugins took 38 s on this 2-core machine
   * at a load average of 17 (the start is not what the soak measures).
   */
  async startDaemon(r) {
    const st = this.routers.get(r);
    let wrap;
    if (r === this.clockRouter) {
      const prev = st.tns;
      await prev?.release(); // its daemon is gone (a restart follows a kill)
      const offsetS = this.clockRng.int(1, 400) * 86400 + this.clockRng.int(0, 86399);
      st.tns = await TimeNamespace.create(path.join(this.dir, `${r}-time-${(st.generation ?? 0) + 1}`), offsetS);
      this.clockOffsets.push(offsetS);
      if (prev) {
        this.faults.count('clock-step');
        this.log(`clock step on ${r}: monotonic and boottime ${offsetS > prev.offsetS ? '+' : ''}${offsetS - prev.offsetS} s from the last daemon's`);
      }
      wrap = st.tns.wrap;
    }
    st.d = await this.lab.startHacore(r, st.doc, wrap ? { wrap } : {});
    st.good = readFileSync(st.d.files.config, 'utf8');
    st.lines = [];
    st.generation = (st.generation ?? 0) + 1;
    const gen = st.generation;
    lines(st.d.child, (rec) => this.onDaemonLog(r, rec));
    st.d.exited.then(({ code, signal }) => {
      if (!this.stopping && st.generation === gen && !this.faults?.expectsExit(r)) this.breach('daemon-exit', `${r} hacore exited unexpectedly (${signal ?? code}): ${st.d.output.slice(-800)}`);
    });
    await waitFor(() => st.lines.some((l) => /hacore started|ready/i.test(l.msg ?? '') && l.role === undefined) || st.lines.filter((l) => l.msg === 'hacore started').length >= 2, {
      timeoutMs: 90000,
      everyMs: 50,
      what: `${r} hacore started`,
    }).catch((err) => {
      throw new Error(`${err.message}\n${st.d.output.slice(-2000)}`);
    });
  }

  onDaemonLog(r, rec) {
    const st = this.routers.get(r);
    st.lines.push(rec);
    if (st.lines.length > 2000) st.lines.splice(0, 1000);
    if (rec.reason !== undefined && rec.to !== undefined && rec.from !== undefined) this.trace(`${r} ${rec.msg}`, rec.time ?? Date.now());
    else if ((rec.level ?? 30) >= 40) this.trace(`${r} warn: ${rec.msg}`, rec.time ?? Date.now());
    const m = /^check (\S+) is (up|down)$/.exec(rec.msg ?? '');
    if (m && rec.check) this.ledger.logged(r, rec.check, rec.to, rec.time ?? Date.now());
    for (const w of [...(st.waiters ?? [])]) if (w.pred(rec)) w.resolve(rec);
  }

  /** Resolves with the next log record of router r matching pred (only future ones). */
  nextLog(r, pred, timeoutMs, what) {
    const st = this.routers.get(r);
    st.waiters ??= [];
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (rec) => {
          clearTimeout(t);
          st.waiters.splice(st.waiters.indexOf(w), 1);
          resolve(rec);
        },
      };
      const t = setTimeout(() => {
        st.waiters.splice(st.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what} on ${r}`));
      }, timeoutMs);
      st.waiters.push(w);
    });
  }

  readNotifyScripts() {
    for (const [r, st] of this.routers) {
      const text = readFileSync(st.notifyLog, 'utf8');
      const fresh = text.slice(st.notifyRead);
      const end = fresh.lastIndexOf('\n');
      if (end < 0) continue;
      st.notifyRead += end + 1;
      for (const l of fresh.slice(0, end).split('\n')) {
        const [t, kind, name, state] = l.split(' ');
        if (kind === 'CHECK') this.ledger.received('script', r, name, state.toLowerCase(), Number(t));
      }
    }
  }

  // ---- invariant: at most one holder per VIP -------------------------------------------

  onHolderChange(vip, router, on, t) {
    const h = this.watch.holders(vip);
    this.trace(`holder ${vip} ${on ? '+' : '-'}${router} now [${h}]`, t);
    const cur = this.overlaps.get(vip);
    if (h.length >= 2 && !cur) this.overlaps.set(vip, { start: t, routers: h, reported: false });
    if (h.length < 2 && cur) {
      const ms = t - cur.start;
      const kind = this.faults.kindAt(cur.start) ?? 'takeover';
      this.maxOverlap[kind] = Math.max(this.maxOverlap[kind] ?? 0, ms);
      this.overlaps.set(vip, null);
      if (!cur.reported) this.checkOverlap(vip, cur, t, true);
    }
  }

  /** Allowed length of a dual holding that started at `start`, judged at `now` (before the stall allowance). */
  overlapAllowed(vip, start, now) {
    const inst = this.insts.find((i) => i.vip === vip);
    const takeover = inst.intervalMs + SLACK_MS;
    const iso = this.faults.isolationAround(start, now);
    if (iso.active) return Infinity;
    // After a split brain (isolation, a stopped or killed router) heals: one advert interval.
    if (iso.lastEnd !== undefined) return iso.lastEnd - start + takeover;
    return takeover;
  }

  checkOverlap(vip, cur, now, closing = false) {
    this.counts.holderChecks++;
    const strict = this.overlapAllowed(vip, cur.start, now);
    if (now - cur.start <= strict) return;
    const allowed = strict + this.stalls.worst(cur.start - 1000, now);
    if (closing && now - cur.start <= allowed) this.heldByStallAllowance++;
    if (now - cur.start > allowed) {
      cur.reported = true;
      this.breach('two-holders', `${vip} held by ${this.watch.holders(vip).join('+') || cur.routers.join('+')} for ${now - cur.start} ms${closing ? '' : ' (and counting)'}, allowed ${Math.round(strict)} ms + ${Math.round(allowed - strict)} ms measured stall; faults near: ${this.faults.describeNear(cur.start)}`, now);
    }
  }

  holderTick() {
    const now = Date.now();
    for (const vip of this.vips) {
      this.counts.holderChecks++;
      const cur = this.overlaps.get(vip);
      if (cur && !cur.reported) this.checkOverlap(vip, cur, now);
    }
  }

  // ---- invariant: client loss bounded per fault -------------------------------------

  onProbe(r) {
    if (r.stats) {
      this.probeStats = r.stats;
      return;
    }
    if (!r.outage) return;
    const o = r.outage;
    this.trace(`outage ${o.vip} ${o.ms} ms ${o.before} -> ${o.after} from +${((o.from - this.t0) / 1000).toFixed(3)}`, o.to);
    this.counts.clientOutages++;
    const inst = this.insts.find((i) => i.vip === o.vip);
    const { bound: strict, kinds } = this.faults.clientBound(inst, o.from, o.to);
    const key = kinds.join('+') || 'none';
    this.maxOutage[key] = Math.max(this.maxOutage[key] ?? 0, o.ms);
    const bound = strict + this.stalls.worst(o.from - 1000, o.to);
    if (o.ms > strict && o.ms <= bound) this.heldByStallAllowance++;
    if (o.ms > bound) this.breach('client-loss', `${o.vip} (${inst.name}) unreachable for ${o.ms} ms (${o.lost} probes, ${o.before} -> ${o.after}), bound ${Math.round(strict)} ms + ${Math.round(bound - strict)} ms measured stall for ${key}`, o.to);
  }

  // ---- run ---------------------------------------------------------------------------

  async run() {
    // The faults run for the whole duration asked, however long the lab took to come up.
    const endAt = Date.now() + this.opts.minutes * 60000;
    const tick = setInterval(() => this.holderTick(), 10);
    this.resources = new ResourceTracker();
    const sampleRes = async () => {
      const sup = Object.fromEntries([...this.routers].map(([r, st]) => [r, st.d.alive ? st.d.pid : 0]));
      await this.resources.sample(sup);
      for (const z of this.resources.zombies.splice(0)) this.breach('zombie', `${z.router} ${z.role} pid ${z.pid} is a zombie`, z.t);
    };
    const res = setInterval(() => void sampleRes().catch(() => {}), 5000);
    const notif = setInterval(() => {
      this.readNotifyScripts();
      for (const b of this.ledger.reconcile(Date.now(), 15000)) this.breach('notifier', b.what, b.t);
    }, 2000);
    try {
      await Promise.all([this.faults.serverLoop(endAt), this.faults.vrrpLoop(endAt)]);
    } finally {
      clearInterval(tick);
      clearInterval(res);
      clearInterval(notif);
    }
    await this.finish();
  }

  async finish() {
    this.log('run over: every server up, waiting for one holder per VIP and the notifiers to drain');
    await this.faults.restoreAll();
    await this.faults.settle('end');
    // Drain the notifiers: wait until nothing new arrives for 3 s (bounded).
    let last = -1;
    for (let i = 0; i < 40; i++) {
      this.readNotifyScripts();
      const n = this.ledger.stats.matched.webhook + this.ledger.stats.matched.script + this.ledger.stats.logged;
      this.ledger.reconcile(Date.now(), 1e9);
      if (n === last && i > 3) break;
      last = n;
      await new Promise((r) => setTimeout(r, 1000));
    }
    for (const b of this.ledger.reconcile(Date.now(), 0)) this.breach('notifier', b.what, b.t);
    this.counts.notifierChecks = this.ledger.stats.checks;
    this.counts.resourceSamples = this.resources.samples;
    // Flat RSS and descriptors: judged where the window after warm-up can resolve the bound.
    for (const p of this.resources.report(this.warmupMs())) {
      if (p.minutes < LEAK_MIN_WINDOW_MIN) continue;
      this.counts.leakChecks = (this.counts.leakChecks ?? 0) + 1;
      for (const [what, v] of [['RSS', p.rssSlopePctPerHour], ['open descriptors', p.fdSlopePctPerHour]]) {
        if (v > LEAK_SLOPE_PCT_PER_HOUR) this.breach('leak', `${p.key}: ${what} grow ${v} % of their mean per hour over ${p.minutes} min after warm-up (bound ${LEAK_SLOPE_PCT_PER_HOUR} %)`);
      }
    }
  }

  /** Graceful stop of every daemon, then: no VIP, no nftables rule left in any router; then the lab goes. */
  async teardown() {
    this.stopping = true;
    this.stalls.stop();
    try {
      this.faults?.stopAll();
      if (this.prober && this.prober.exitCode === null) {
        const done = new Promise((r) => this.prober.once('exit', r));
        this.prober.kill('SIGTERM');
        await done;
      }
      for (const [r, st] of this.routers) if (st.d?.alive) await this.lab.stop(st.d, 'SIGTERM', 15000);
      for (const st of this.routers.values()) await st.tns?.release().catch((err) => this.breach('leftover', `time namespace ${st.tns.file} not released: ${err.message}`));
      if (this.dir) {
        this.counts.cleanupChecks++;
        const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(this.dir));
        if (mounts.length) this.breach('leftover', `mounts left: ${mounts.join('; ')}`);
      }
      await this.watch?.stop();
      if (this.lab) {
        for (const r of this.lab.routers) {
          this.counts.cleanupChecks++;
          const left = JSON.parse(await this.lab.lab.ip(r, ['-j', 'addr'])).flatMap((l) => (l.addr_info ?? []).map((a) => a.local)).filter((a) => this.vips.includes(a));
          if (left.length) this.breach('leftover', `${r} still holds ${left.join(', ')} after hacore stopped`);
          const rules = await this.lab.lab.exec(r, 'nft', ['list', 'ruleset']).catch((e) => `nft failed: ${e.message}`);
          if (rules.trim()) this.breach('leftover', `${r} has nftables rules after hacore stopped: ${rules.trim().slice(0, 200)}`);
        }
        this.counts.cleanupChecks++;
        const swRules = await sh('ip', ['netns', 'exec', this.lab.lab.bridgeNs, 'nft', 'list', 'ruleset']).catch((e) => `nft failed: ${e.message}`);
        if (swRules.trim()) this.breach('leftover', `the switch has nftables rules after the run: ${swRules.trim().slice(0, 200)}`);
      }
    } finally {
      const prefix = this.lab?.lab.prefix;
      await this.lab?.destroy({ keepDir: this.opts.keep });
      if (prefix) {
        this.counts.cleanupChecks++;
        const ns = (await sh('ip', ['netns', 'list'])).split('\n').filter((l) => l.startsWith(prefix));
        if (ns.length) this.breach('leftover', `namespaces left: ${ns.join(', ')}`);
      }
    }
  }

  /** Warm-up before the leak slopes: a quarter of the run, at most 10 minutes (the V8 heap grows to its working size). */
  warmupMs() {
    return Math.min(600000, (this.opts.minutes * 60000) / 4);
  }

  report() {
    return {
      seed: this.seed,
      profile: this.opts.profile,
      minutes: this.opts.minutes,
      ranSeconds: Math.round((Date.now() - this.t0) / 1000),
      lab: { prefix: this.lab?.lab.prefix, dir: this.dir },
      faults: this.faults?.counts ?? {},
      counts: this.counts,
      holderChanges: this.watch?.changes,
      netlinkResyncs: this.watch?.resyncs,
      netlinkMismatches: this.watch?.mismatches,
      maxOverlapMs: this.maxOverlap,
      maxClientOutageMs: this.maxOutage,
      maxTakeoverMs: this.faults?.maxTakeover ?? {},
      stalls: { ...this.stalls.report(), heldByStallAllowance: this.heldByStallAllowance },
      clock: this.clockRouter ? { router: this.clockRouter, offsetsS: this.clockOffsets } : 'time namespaces unavailable',
      notifiers: this.ledger?.stats,
      trickle: this.trickleSent,
      probes: this.probeStats,
      resources: this.resources?.report(this.warmupMs()),
      breaches: this.breaches,
    };
  }
}

/** Runs one soak: setup, faults for `minutes`, teardown. Resolves with the report. */
export async function runSoak(opts) {
  const soak = new Soak(opts);
  const onSig = () => void soak.teardown().finally(() => process.exit(130));
  // SIGTERM too: the test runner ends a file that outlives its timeout with it, and the
  // lab (namespaces, daemons, a time namespace's mount) must not outlive the file.
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  // A bug in the runner must not leave the lab behind.
  const onCrash = (err) => {
    soak.breach('runner', `the soak itself crashed: ${err?.stack ?? err}`);
    void soak.teardown().finally(() => process.exit(1));
  };
  process.on('uncaughtException', onCrash);
  try {
    await soak.setup();
    await soak.run();
  } catch (err) {
    soak.breach('runner', `the soak itself failed: ${err.stack ?? err}`);
  } finally {
    await soak.teardown().catch((err) => soak.breach('runner', `teardown failed: ${err.stack ?? err}`));
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    process.off('uncaughtException', onCrash);
  }
  return soak.report();
}

export { HACORE_CLI, ROOT, worstMasterDown, appendFileSync };
