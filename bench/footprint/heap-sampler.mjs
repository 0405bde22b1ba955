// Loaded with NODE_OPTIONS=--import into every hacore process (bench/footprint/supervisor-heap.mjs):
// every HEAP_EVERY_MS each process appends its memoryUsage, V8 heap statistics and per-space
// use to HEAP_OUT.<role>.<pid>.jsonl (several daemons, or a restarted child, each get their own file). In-process, because a heap snapshot would change the RSS it measures.
import v8 from 'node:v8';
import { appendFileSync } from 'node:fs';
const ri = process.argv.indexOf('--role');
const role = ri >= 0 ? process.argv[ri + 1] + (process.argv.includes('--worker') ? 'w' + process.argv[process.argv.indexOf('--worker') + 1] : '') : process.argv.includes('start') ? 'main' : undefined;
if (role && process.argv.some((a) => a.includes('hacore') || a.includes('main.js') || a.includes('child-main'))) {
  const out = (process.env.HEAP_OUT ?? '/tmp/hacore-heap') + `.${role}.${process.pid}.jsonl`;
  const t0 = Date.now();
  setInterval(() => {
    const m = process.memoryUsage();
    const h = v8.getHeapStatistics();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, Math.round(s.space_used_size / 1024)]));
    appendFileSync(out, JSON.stringify({ t: (Date.now() - t0) / 1000, rss: m.rss >> 10, heapTotal: m.heapTotal >> 10, heapUsed: m.heapUsed >> 10, external: m.external >> 10, arrayBuffers: m.arrayBuffers >> 10, malloced: h.malloced_memory >> 10, peakMalloced: h.peak_malloced_memory >> 10, contexts: h.number_of_native_contexts, detached: h.number_of_detached_contexts, spaces }) + '\n');
  }, Number(process.env.HEAP_EVERY_MS ?? 10000)).unref();
}
