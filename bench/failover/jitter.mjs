// Advert interval jitter, keepalived 2.2.7 beside hacore in one lab and run (issue 18):
// each is the Master of its own VRID (v3, --interval ms adverts) on one bridge; the
// client captures both (tcpdump -U --immediate-mode, timestamps read with tshark) for
// --seconds per run, and each gap between consecutive adverts of one Master is compared
// with the configured interval: |gap - interval|, median, p99 and max per run, then the
// median of the runs.
//   node bench/failover/jitter.mjs [--runs 3] [--seconds 20] [--interval 100] [--realtime 0]
// --realtime N > 0 runs both at SCHED_RR N; without it keepalived runs SCHED_OTHER (its default) and
// hacore its own default (SCHED_RR 1 in the vrrp process since issue 14; --realtime=-1: hacore at
// realtimePriority 0, SCHED_OTHER like keepalived).
// Root, after `npm run build`; on demand only.
import { parseArgs } from 'node:util';
import { VrrpLab, VIP4, VIP4B, hacoreConfig, median, percentile, vrrpPackets } from '../../test/lib/vrrp-lab.mjs';

const { values: o } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    interval: { type: 'string', default: '100' },
    realtime: { type: 'string', default: '0' },
  },
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const interval = Number(o.interval);

const lab = await VrrpLab.create('hvjt', { routers: 2 });
try {
  const rt = Number(o.realtime);
  await lab.startKeepalived('r1', { vrid: 51, version: 3, priority: 150, advertInt: interval / 1000, vips: [`${VIP4}/24`] }, rt > 0 ? { vrrp_rt_priority: rt } : {});
  const extra = rt > 0 ? { vrrpOptions: { realtimePriority: rt } } : rt < 0 ? { vrrpOptions: { realtimePriority: 0 } } : {};
  await lab.startHacore('r2', hacoreConfig([{ name: 'VI_1', vrid: 52, version: 3, priority: 150, advertInterval: `${interval}ms`, virtualAddresses: [`${VIP4B}/24`] }], extra));
  await lab.waitHolder(VIP4, 'r1', 20000);
  await lab.waitHolder(VIP4B, 'r2', 20000);
  await sleep(2000);
  const per = { keepalived: [], hacore: [] };
  for (let run = 0; run < Number(o.runs); run++) {
    const cap = await lab.capture(`jitter-${run}`, 'proto 112');
    await sleep(Number(o.seconds) * 1000);
    await cap.stop();
    const ads = await vrrpPackets(cap.file);
    for (const [impl, mac] of [['keepalived', lab.mac('r1')], ['hacore', lab.mac('r2')]]) {
      const ts = ads.filter((a) => a.ethSrc === mac).map((a) => a.t);
      const dev = ts.slice(1).map((t, i) => Math.abs(t - ts[i] - interval));
      const r = { gaps: dev.length, p50: median(dev), p99: percentile(dev, 99), max: Math.max(...dev), mean: ts.length > 1 ? (ts.at(-1) - ts[0]) / (ts.length - 1) : NaN };
      per[impl].push(r);
      console.log(JSON.stringify({ run, impl, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, +v.toFixed(3)])) }));
    }
  }
  const f = (x) => x.toFixed(3);
  for (const impl of ['keepalived', 'hacore']) {
    const rs = per[impl];
    console.log(`${impl}: |gap - ${interval} ms|, median of ${rs.length} runs: p50 ${f(median(rs.map((r) => r.p50)))} ms, p99 ${f(median(rs.map((r) => r.p99)))} ms, max ${f(median(rs.map((r) => r.max)))} ms; mean gap ${f(median(rs.map((r) => r.mean)))} ms`);
  }
  const ratio = (k) => (median(per.hacore.map((r) => r[k])) / median(per.keepalived.map((r) => r[k]))).toFixed(2);
  console.log(`ratio hacore / keepalived: p50 ${ratio('p50')}, p99 ${ratio('p99')}`);
} finally {
  await lab.destroy();
}
