// Runs checker probes inside a lab namespace (started with `ip netns exec`):
// reads one JSON job on stdin, prints one JSON answer. Used by the DNS and UDP
// checker tests, so that the checker's sockets live in the lab, not in the root
// namespace.
//
// job: { module: absolute path of a checker package's dist/src/index.js,
//        className: 'DnsChecker' | 'UdpChecker' | ...,
//        specs: [spec, ...]                        full check specs as the core hands them over
//        mode: 'probe'   probes: [{ spec: i, timeoutMs }], run all at once
//            | 'leak'    probes: N, timeoutMs, abortEvery, abortAfterMs: N probes, 50 at a time, over the specs in turn }
import { readdirSync } from 'node:fs';

const job = JSON.parse(await new Promise((resolve) => {
  let s = '';
  process.stdin.on('data', (d) => (s += d));
  process.stdin.on('end', () => resolve(s));
}));
const mod = await import(job.module);
const Checker = mod[job.className];
const fds = () => readdirSync('/proc/self/fd').length;
const res = () => process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap' && r !== 'CloseReq').sort();
const fdsBefore = fds();
const resBefore = res();
const checkers = job.specs.map((s) => new Checker(s));

async function settle() {
  // Sockets close on the next turns of the loop after close()/destroy(): bounded wait.
  for (let i = 0; i < 50 && (fds() > fdsBefore || res().length > resBefore.length); i++) await new Promise((r) => setTimeout(r, 20));
}

if (job.mode === 'probe') {
  const results = await Promise.all(job.probes.map(async (p) => ({ spec: p.spec, ...(await checkers[p.spec].probe(AbortSignal.timeout(p.timeoutMs))) })));
  await settle();
  console.log(JSON.stringify({ results, stats: checkers.map((c) => c.stats ?? null), fdsBefore, fdsAfter: fds(), resBefore, resAfter: res() }));
} else if (job.mode === 'leak') {
  const reasons = {};
  let ok = 0;
  let fail = 0;
  let maxFds = 0;
  let next = 0;
  const one = async () => {
    while (next < job.probes) {
      const i = next++;
      const ac = new AbortController();
      const t = setTimeout(() => ac.abort(), i % job.abortEvery === 0 ? job.abortAfterMs : job.timeoutMs);
      const r = await checkers[i % checkers.length].probe(ac.signal);
      clearTimeout(t);
      maxFds = Math.max(maxFds, fds());
      r.ok ? ok++ : fail++;
      reasons[r.reason] = (reasons[r.reason] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 50 }, one));
  await settle();
  console.log(JSON.stringify({ ok, fail, reasons, maxFds, fdsBefore, fdsAfter: fds(), resBefore, resAfter: res(), stats: checkers.map((c) => c.stats ?? null) }));
}
