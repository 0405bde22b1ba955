// 200 live console pages beside 5,000 TCP checks: see bench/web/README.md.
import { runSseLoad } from '../../test/lib/sse-load.mjs';

const n = (v, d) => (v === undefined ? d : Number(v));
const r = await runSseLoad({
  checks: n(process.env.BENCH_CHECKS, 5000),
  intervalMs: n(process.env.BENCH_INTERVAL_MS, 5000),
  clients: n(process.env.BENCH_CLIENTS, 200),
  phaseMs: n(process.env.BENCH_PHASE_MS, 30_000),
});
process.stdout.write(`${JSON.stringify(r)}\n`);
