// Idle CPU of the VRRP process, keepalived 2.2.7 beside hacore in one lab and run
// (issue 18): each is the Master of its own VRID (v3, --interval ms adverts, one VIP)
// on the same bridge, nothing else happens. CPU is summed over every thread of the
// process from /proc/PID/task/*/schedstat (nanoseconds on CPU, so no 10 ms ticks),
// for keepalived's vrrp child and hacore's vrrp child, over --runs windows of
// --seconds each.
//   node bench/failover/idle.mjs [--runs 5] [--seconds 10] [--interval 100] [--profile DIR] [--no-bare] [--strace]
// Beside them (--bare, on by default) two bare Node processes that only wake every
// --interval ms (idle-bare.mjs: setTimeout, and the timerfd the vrrp process uses): Node's floor;
// then, over --runs more windows, a third one in r3 that also sends an advert-sized VRRP
// packet to 224.0.0.18 on each wake (keepalived receives those, so it is not measured then).
// --node-args=FLAGS: node/V8 flags for hacore's processes (space-separated).
// --strace: after the windows, `strace -c -f` of hacore's vrrp child for one window.
// --profile: hacore runs with --cpu-prof (profiles written to DIR when it stops);
// --threads: also the hacore vrrp child's CPU per thread over one more window;
// --trace-gc: hacore's processes run with --trace-gc and the last GC lines are printed.
// Root, after `npm run build`; on demand only.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { VrrpLab, VIP4, VIP4B, hacoreConfig, median } from '../../test/lib/vrrp-lab.mjs';
import { vrrpChildPid } from '../../test/lib/vrrp-scenario.mjs';

const { values: o } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '10' },
    interval: { type: 'string', default: '100' },
    profile: { type: 'string' },
    'trace-gc': { type: 'boolean', default: false },
    threads: { type: 'boolean', default: false },
    bare: { type: 'boolean', default: true },
    strace: { type: 'boolean', default: false },
    'node-args': { type: 'string', default: '' },
  },
  allowNegative: true,
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU ms per thread name of `pid`. */
async function threadCpuMs(pid) {
  const out = {};
  for (const t of await readdir(`/proc/${pid}/task`)) {
    const s = await readFile(`/proc/${pid}/task/${t}/schedstat`, 'utf8').catch(() => '0');
    const comm = (await readFile(`/proc/${pid}/task/${t}/comm`, 'utf8').catch(() => '?')).trim();
    out[comm] = (out[comm] ?? 0) + Number(s.split(' ')[0]) / 1e6;
  }
  return out;
}

/** CPU time of every thread of `pid`, ms. */
export async function processCpuMs(pid) {
  let ns = 0;
  for (const t of await readdir(`/proc/${pid}/task`)) {
    const s = await readFile(`/proc/${pid}/task/${t}/schedstat`, 'utf8').catch(() => '0');
    ns += Number(s.split(' ')[0]);
  }
  return ns / 1e6;
}

const interval = Number(o.interval);
const bare = o.bare
  ? Object.fromEntries(
      ['timer', 'timerfd'].map((k) => [`bare Node, ${k}`, spawn(process.execPath, [path.join(import.meta.dirname, 'idle-bare.mjs'), k, String(interval)], { stdio: 'ignore' })]),
    )
  : {};
const lab = await VrrpLab.create('hvid', { routers: o.bare ? 3 : 2 });
try {
  const ka = await lab.startKeepalived('r1', { vrid: 51, version: 3, priority: 150, advertInt: interval / 1000, vips: [`${VIP4}/24`] });
  const nodeArgs = [...(o.profile ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${o.profile}`] : []), ...(o['trace-gc'] ? ['--trace-gc'] : []), ...o['node-args'].split(' ').filter(Boolean)];
  const hc = await lab.startHacore('r2', hacoreConfig([{ name: 'VI_1', vrid: 52, version: 3, priority: 150, advertInterval: `${interval}ms`, virtualAddresses: [`${VIP4B}/24`] }]), { nodeArgs });
  await lab.waitHolder(VIP4, 'r1', 20000);
  await lab.waitHolder(VIP4B, 'r2', 20000);
  const pids = { keepalived: await lab.keepalivedVrrpPid(ka), hacore: await vrrpChildPid(lab, hc), ...Object.fromEntries(Object.entries(bare).map(([k, c]) => [k, c.pid])) };
  const impls = Object.keys(pids);
  await sleep(2000);
  const idle = Object.fromEntries(impls.map((k) => [k, []]));
  const sample = async () => Object.fromEntries(await Promise.all(impls.map(async (k) => [k, await processCpuMs(pids[k])])));
  for (let run = 0; run < Number(o.runs); run++) {
    const a = await sample();
    await sleep(Number(o.seconds) * 1000);
    const b = await sample();
    for (const impl of impls) idle[impl].push(b[impl] - a[impl]);
    if (o.threads) {
      const t1 = await threadCpuMs(pids.hacore);
      await sleep(Number(o.seconds) * 1000);
      const t2 = await threadCpuMs(pids.hacore);
      console.log('hacore vrrp child, CPU ms per thread over the next window:', JSON.stringify(Object.fromEntries(Object.entries(t2).map(([k, v]) => [k, +(v - (t1[k] ?? 0)).toFixed(2)]))));
    }
    console.log(JSON.stringify({ run, ...Object.fromEntries(impls.map((k) => [k, +idle[k][run].toFixed(2)])) }));
  }
  const fmt = (xs) => `${Math.min(...xs).toFixed(1)} / ${median(xs).toFixed(1)} / ${Math.max(...xs).toFixed(1)} ms`;
  for (const impl of impls) console.log(`${impl}: CPU per ${o.seconds} s idle (v3, ${interval} ms adverts, Master) min / median / max ${fmt(idle[impl])}`);
  console.log(`ratio hacore / keepalived (medians): ${(median(idle.hacore) / median(idle.keepalived)).toFixed(2)}`);
  if (o.bare) {
    const sender = lab.lab.spawn('r3', process.execPath, [path.join(import.meta.dirname, 'idle-bare.mjs'), 'send', String(interval), 'eth0']);
    await sleep(2000);
    const xs = [];
    for (let run = 0; run < Number(o.runs); run++) {
      const a = await processCpuMs(sender.pid);
      await sleep(Number(o.seconds) * 1000);
      xs.push((await processCpuMs(sender.pid)) - a);
    }
    await lab.lab.kill(sender);
    console.log(`bare Node, timerfd + sendto (later windows): CPU per ${o.seconds} s min / median / max ${fmt(xs)}; ratio hacore / it (medians): ${(median(idle.hacore) / median(xs)).toFixed(2)}`);
  }
  for (const k of Object.keys(bare)) console.log(`ratio hacore / ${k} (medians): ${(median(idle.hacore) / median(idle[k])).toFixed(2)}`);
  if (o.strace) {
    const { execFile } = await import('node:child_process');
    for (const [impl, pid] of [['hacore', pids.hacore], ['keepalived', pids.keepalived]]) {
      const out = await new Promise((resolve) => {
        execFile('timeout', ['-s', 'INT', String(o.seconds), 'strace', '-c', '-f', '-p', String(pid)], (err, stdout, stderr) => resolve(stderr));
      });
      console.log(`strace -c -f of ${impl}'s vrrp process over ${o.seconds} s:\n${out}`);
    }
  }
  if (o['trace-gc']) console.log(hc.output.split('\n').filter((l) => /Scavenge|Mark-Compact/.test(l)).slice(-40).join('\n'));
  if (o.profile) await lab.stop(hc);
} finally {
  for (const c of Object.values(bare)) c.kill('SIGTERM');
  await lab.destroy();
}
