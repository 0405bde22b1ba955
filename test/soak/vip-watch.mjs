// Who holds each VIP, on every router, from rtnetlink: one `ip -o monitor address`
// per router namespace (a netlink subscription: every RTM_NEWADDR/RTM_DELADDR as it
// happens, stamped on arrival), checked against a full address dump every second.
// The holder sets are read by the invariants every 10 ms.
import { spawn } from 'node:child_process';
import { sh } from '../lib/lab.mjs';

export class VipWatch {
  /** @param {{ns: (r: string) => string}} lab @param {string[]} routers @param {string[]} vips */
  constructor(lab, routers, vips) {
    this.lab = lab;
    this.routers = routers;
    this.vips = vips;
    /** router -> Set of VIPs it holds now */
    this.held = new Map(routers.map((r) => [r, new Set()]));
    this.procs = [];
    this.changes = 0;
    this.resyncs = 0;
    this.mismatches = [];
    this.onChange = () => {};
  }

  async start() {
    for (const r of this.routers) {
      const p = spawn('ip', ['-n', this.lab.ns(r), '-o', 'monitor', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let buf = '';
      p.stdout.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          this.#line(r, buf.slice(0, i), Date.now());
          buf = buf.slice(i + 1);
        }
      });
      this.procs.push(p);
    }
    await Promise.all(this.routers.map((r) => this.resync(r, true)));
    this.timer = setInterval(() => {
      for (const r of this.routers) void this.resync(r).catch(() => {});
    }, 1000);
  }

  #line(router, line, t) {
    const deleted = line.startsWith('Deleted');
    const m = /\binet6? ([0-9a-f.:]+)\//.exec(line);
    if (!m || !this.vips.includes(m[1])) return;
    this.#set(router, m[1], !deleted, t);
  }

  #set(router, vip, on, t) {
    const s = this.held.get(router);
    if (s.has(vip) === on) return;
    if (on) s.add(vip);
    else s.delete(vip);
    this.changes++;
    this.onChange(vip, router, on, t);
  }

  /** Compares the monitor's view with a dump; a difference seen twice in a row is a mismatch (then the dump wins). */
  async resync(router, initial = false) {
    const t = Date.now();
    const links = JSON.parse(await sh('ip', ['-n', this.lab.ns(router), '-j', 'addr', 'show']));
    const now = new Set(links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local)).filter((a) => this.vips.includes(a)));
    this.resyncs++;
    const s = this.held.get(router);
    const differ = [...this.vips].filter((v) => now.has(v) !== s.has(v));
    if (differ.length === 0 || initial) {
      this.pending?.delete(router);
      if (initial) for (const v of this.vips) this.#set(router, v, now.has(v), t);
      return;
    }
    this.pending ??= new Map();
    const prev = this.pending.get(router);
    if (prev && prev.some((v) => differ.includes(v))) {
      this.mismatches.push({ t, router, vips: differ });
      for (const v of differ) this.#set(router, v, now.has(v), t);
      this.pending.delete(router);
    } else this.pending.set(router, differ);
  }

  holders(vip) {
    return this.routers.filter((r) => this.held.get(r).has(vip));
  }

  async stop() {
    clearInterval(this.timer);
    await Promise.all(this.procs.map((p) => (p.exitCode !== null ? null : new Promise((r) => (p.once('exit', r), p.kill('SIGTERM'))))));
  }
}
