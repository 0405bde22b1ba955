// GC pauses of the vrrp child (issue 14: none longer than 2 ms) while 5,000 TCP checks
// run in the check child of the same daemon and the instance is Master with v3 adverts
// every --intervals ms (100 and 20). The daemon runs with --trace-gc, which the
// supervisor's children inherit (childExecArgv keeps process.execArgv); only the lines
// of the vrrp child's PID are counted. One lab (test/lib/vrrp-lab.mjs): r1 runs hacore,
// the client c the TCP server the checks connect to. Per interval: the first
// --warmup seconds (start-up, the memory reducer's GCs) and the --seconds after them
// are reported apart. Pause = V8's own figure for the atomic pause; for an incremental
// mark-compact, the biggest incremental step is reported too.
//   node bench/failover/gc.mjs [--intervals 100,20] [--checks 5000] [--warmup 15] [--seconds 30]
//                              [--variants default,rt50] [--flags "--no-parallel-scavenge"]
// --variants: default (the daemon as shipped), rt50 (vrrp.realtimePriority: 50, so the
// machine's other load cannot preempt the child inside a pause), flags (the daemon
// started with --flags as well, inherited by every child), or a sum (rt50+flags), each
// run in turn per interval.
// Root, after `npm run build`; on demand only.
import { parseArgs } from 'node:util';
import { VrrpLab, VIP4, hacoreConfig } from '../../test/lib/vrrp-lab.mjs';
import { vrrpChildPid } from '../../test/lib/vrrp-scenario.mjs';

const { values: o } = parseArgs({
  options: {
    intervals: { type: 'string', default: '100,20' },
    checks: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '15' },
    seconds: { type: 'string', default: '30' },
    variants: { type: 'string', default: 'default,rt50' },
    flags: { type: 'string', default: '' },
  },
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// [pid:isolate]  elapsed ms: Kind ... MB, pause / external ms  (+ x ms in n steps since start of marking, biggest step y ms, ...)
const GC_LINE = /^\[(\d+):0x[0-9a-f]+\]\s+(\d+) ms: (Scavenge|Minor Mark-Compact|Mark-Compact(?: \(reduce\))?|Mark-sweep(?: \(reduce\))?)\b[^,]*MB, ([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ [\d.]+ ms in \d+ steps since start of marking, biggest step ([\d.]+) ms)?(.*)$/;

const pct = (xs, p) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

function summary(events, seconds) {
  const out = { seconds };
  for (const kind of ['scavenge', 'mark-compact']) {
    const ev = events.filter((e) => e.kind === kind);
    const pauses = ev.map((e) => e.pauseMs);
    out[kind] = {
      count: ev.length,
      p50: pct(pauses, 50),
      p99: pct(pauses, 99),
      max: pauses.length ? Math.max(...pauses) : null,
      over2ms: pauses.filter((p) => p > 2).length,
      ...(kind === 'mark-compact' ? { biggestStep: Math.max(0, ...ev.map((e) => e.stepMs ?? 0)), reasons: [...new Set(ev.map((e) => e.reason))] } : {}),
    };
  }
  return out;
}

const intervals = o.intervals.split(',').map(Number);
const nChecks = Number(o.checks);
const lab = await VrrpLab.create('hgc', { routers: 1 });
const results = [];
try {
  const server = await lab.startEchoServer('c', [lab.addr4('c')], 9100);
  for (const interval of intervals) for (const variant of o.variants.split(',')) {
    const parts = variant.split('+');
    const vrrpOptions = parts.includes('rt50') ? { realtimePriority: 50 } : {};
    const flags = parts.includes('flags') ? o.flags.split(/\s+/).filter(Boolean) : [];
    const checks = Array.from({ length: nChecks }, (_, i) => ({ name: `load-${i}`, type: 'tcp', address: lab.addr4('c'), port: 9100, interval: '1s', timeout: '500ms' }));
    const config = hacoreConfig([{ name: 'VI_1', vrid: 61, version: 3, priority: 150, advertInterval: `${interval}ms`, virtualAddresses: [`${VIP4}/24`] }], {
      plugins: ['@hacore/checker-tcp'],
      checks,
      logLevel: 'warn',
      vrrpOptions,
    });
    const d = await lab.startHacore('r1', config, { nodeArgs: ['--trace-gc', ...flags] });
    const lines = [];
    let buf = '';
    d.child.stdout.on('data', (c) => {
      buf += c;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (l.startsWith('[')) lines.push({ at: Date.now(), l });
      }
    });
    const t0 = Date.now();
    await lab.waitHolder(VIP4, 'r1', 20000);
    const pid = await vrrpChildPid(lab, d);
    await sleep(Math.max(0, Number(o.warmup) * 1000 - (Date.now() - t0)));
    const tWarm = Date.now();
    await sleep(Number(o.seconds) * 1000);
    const tEnd = Date.now();
    await lab.stop(d);
    const events = [];
    for (const { at, l } of lines) {
      const m = GC_LINE.exec(l);
      if (!m || Number(m[1]) !== pid) continue;
      events.push({ at, kind: m[3] === 'Scavenge' ? 'scavenge' : 'mark-compact', pauseMs: Number(m[4]), stepMs: m[5] === undefined ? undefined : Number(m[5]), reason: (m[6].split(';')[0].replace(/\(average mu[^)]*\)/, '').trim() || m[3]), raw: l });
    }
    const warm = events.filter((e) => e.at < tWarm);
    const steady = events.filter((e) => e.at >= tWarm && e.at <= tEnd);
    const r = { interval, variant: variant.replace('flags', o.flags), checks: nChecks, vrrpPid: pid, warmup: summary(warm, +((tWarm - t0) / 1000).toFixed(1)), steady: summary(steady, +((tEnd - tWarm) / 1000).toFixed(1)) };
    r.longest = events.sort((a, b) => b.pauseMs - a.pauseMs).slice(0, 3).map((e) => e.raw.replace(/^\[\d+:0x[0-9a-f]+\]\s+/, ''));
    results.push(r);
    process.stderr.write(`${JSON.stringify(r)}\n`);
  }
  await lab.lab.kill(server);
} finally {
  await lab.destroy();
}
process.stdout.write(`${JSON.stringify({ bench: 'vrrp-child-gc', results })}\n`);
