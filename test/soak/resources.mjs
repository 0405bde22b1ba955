// RSS and open descriptors of every daemon process (the supervisor and all its
// descendants but the short-lived notify scripts), sampled from /proc, with a
// least-squares slope per process (in % of its mean per hour) over the samples
// taken after the warm-up; and zombies among the daemons' children. The slope is
// judged (LEAK_SLOPE_PCT_PER_HOUR) only over a window long enough to resolve it: in a
// minute, garbage collection alone moves RSS by more than 1 % of an hour's worth.
import { readdir, readFile } from 'node:fs/promises';

export async function childPids(pid) {
  const out = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return out.trim().split(/\s+/).filter(Boolean).map(Number);
}

export async function procInfo(pid) {
  const [status, stat, cmdline, fds] = await Promise.all([
    readFile(`/proc/${pid}/status`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/stat`, 'utf8').catch(() => ''),
    readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
    readdir(`/proc/${pid}/fd`).catch(() => null),
  ]);
  if (!stat) return null;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  const argv = cmdline.split('\0');
  const script = argv[0]?.endsWith('node') ? argv.slice(1).find((a) => !a.startsWith('-'))?.split('/').pop()?.replace(/\.js$/, '') : undefined;
  const role = /--role\0([a-z]+)/.exec(cmdline)?.[1] ?? (cmdline.includes('hacore') ? 'main' : script ?? argv[0].split('/').pop());
  return { pid, state, rss, fds: fds?.length ?? 0, role };
}

/** The bound: RSS and descriptors may grow by under 1 % of their mean per hour. */
export const LEAK_SLOPE_PCT_PER_HOUR = 1;
/** The shortest window (after warm-up) over which a slope is judged. */
export const LEAK_MIN_WINDOW_MIN = 20;

/** Least-squares slope of ys over xs. */
export function slope(xs, ys) {
  const n = xs.length;
  if (n < 3) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export class ResourceTracker {
  constructor() {
    /** key router/role/pid -> [{t, rss, fds}] */
    this.series = new Map();
    this.zombieSeen = new Map();
    this.samples = 0;
    this.zombies = [];
  }

  /** @param {Record<string, number>} supervisors router -> supervisor pid */
  async sample(supervisors, t = Date.now()) {
    for (const [router, pid] of Object.entries(supervisors)) {
      if (!pid) continue;
      // Every process of the daemon, children of children too (the script notifier's spawner).
      const all = [pid];
      for (let i = 0; i < all.length; i++) all.push(...(await childPids(all[i])));
      for (const p of all) {
        const info = await procInfo(p);
        if (!info) continue;
        if (info.state === 'Z') {
          // A child that just exited is a zombie until the parent reaps it: two samples in a row is a leak.
          const first = this.zombieSeen.get(p);
          if (first !== undefined && t - first >= 4000 && !this.zombies.some((z) => z.pid === p)) this.zombies.push({ t, router, pid: p, role: info.role });
          if (first === undefined) this.zombieSeen.set(p, t);
          continue;
        }
        this.zombieSeen.delete(p);
        if (p !== pid && ['sh', 'dash', 'bash', 'date'].includes(info.role)) continue; // notify scripts come and go
        const key = `${router}/${p === pid ? 'supervisor' : info.role}/${p}`;
        if (!this.series.has(key)) this.series.set(key, []);
        this.series.get(key).push({ t, rss: info.rss, fds: info.fds });
        this.samples++;
      }
    }
  }

  /** Per process: slope of RSS and FDs in % of the mean per hour over samples after `warmupMs` from its first. */
  report(warmupMs) {
    const out = [];
    for (const [key, s] of this.series) {
      const after = s.filter((x) => x.t >= s[0].t + warmupMs);
      if (after.length < 3) continue;
      const xs = after.map((x) => (x.t - after[0].t) / 3.6e6);
      const pct = (ys) => {
        const mean = ys.reduce((a, b) => a + b, 0) / ys.length;
        return mean === 0 ? 0 : (slope(xs, ys) / mean) * 100;
      };
      out.push({
        key,
        minutes: Math.round(((after.at(-1).t - after[0].t) / 60000) * 10) / 10,
        samples: after.length,
        rssMiB: Math.round((after.reduce((a, x) => a + x.rss, 0) / after.length / 1048576) * 10) / 10,
        rssSlopePctPerHour: Math.round(pct(after.map((x) => x.rss)) * 100) / 100,
        fds: after.at(-1).fds,
        fdSlopePctPerHour: Math.round(pct(after.map((x) => x.fds)) * 100) / 100,
        fdMin: Math.min(...after.map((x) => x.fds)),
        fdMax: Math.max(...after.map((x) => x.fds)),
      });
    }
    return out;
  }
}
