// The DNS fuzzer's checker side, in its own lab namespace: runs the DNS checker's probe
// (its real sockets, reply matching, decoder and verdict; the library, not the daemon's
// check process) over and over against the fake server, `concurrency` at a time, each
// with a new query name that carries its plan (fuzz-dns-frames.mjs). Any pass on a plan
// whose replies never held the expected answer, any failure without a reason, any probe
// that rejects and any uncaught error or unhandled rejection is a breach.
// stdin: "progress" prints the running counts; "stop" lets the probes under way end,
// then prints the report and exits.
//   node fuzz-dns-driver.mjs JSON   ({module, server, seed, concurrency, timeoutMs, retries})
import { createInterface } from 'node:readline';
import { GOOD, PLANS } from './fuzz-dns-frames.mjs';
import { Rng } from './rng.mjs';

const o = JSON.parse(process.argv[2]);
const { DnsChecker } = await import(o.module);
const rng = new Rng(o.seed).fork('dns-plans');
const breaches = [];
const uncaught = [];
process.on('uncaughtException', (err) => uncaught.push(`uncaught: ${err?.stack ?? err}`));
process.on('unhandledRejection', (err) => uncaught.push(`unhandled rejection: ${err?.stack ?? err}`));

const stats = {};
const byPlan = {};
const reasons = {};
let probes = 0;
let settledByReply = 0;
let stopping = false;
const SETTLED_WITHOUT_REPLY = /^(timeout|tcp closed before reply|tcp reply too long|E[A-Z]+)$/;

function spec(name) {
  return {
    name: 'dns-fuzz', type: 'dns', target: { address: o.server, port: 53 }, interval: 1000, timeout: o.timeoutMs, rise: 1, fall: 1, retryDelay: 1000, warmup: 0, alpha: false,
    query: name, queryType: 'A', transport: 'udp', tcpFallback: true, retries: o.retries, recursion: true, rcode: ['NOERROR'], minAnswers: 1, requireAd: false, expectAnswer: GOOD,
  };
}

async function one() {
  while (!stopping) {
    const plan = rng.weighted(PLANS);
    const n = probes++;
    const checker = new DnsChecker(spec(`${plan}-${n}.fuzz.test`));
    let r;
    try {
      r = await checker.probe(AbortSignal.timeout(o.timeoutMs));
    } catch (err) {
      breaches.push(`probe ${n} (${plan}) rejected: ${err?.stack ?? err}`);
      continue;
    }
    for (const [k, v] of Object.entries(checker.stats)) stats[k] = (stats[k] ?? 0) + v;
    const row = (byPlan[plan] ??= { probes: 0, ok: 0, fail: 0 });
    row.probes++;
    r.ok ? row.ok++ : row.fail++;
    if (typeof r.reason !== 'string' || r.reason === '') breaches.push(`probe ${n} (${plan}) ended without a reason: ${JSON.stringify(r)}`);
    else {
      const key = r.reason.replace(/\d+/g, 'N');
      reasons[key] = (reasons[key] ?? 0) + 1;
      if (!SETTLED_WITHOUT_REPLY.test(r.reason)) settledByReply++;
    }
    if (r.ok && plan !== 'good' && plan !== 'tc') breaches.push(`probe ${n}: plan ${plan} never sent ${GOOD}, but the check passed (${r.reason})`);
  }
}

const report = () => ({ probes, byPlan, reasons, stats, settledByReply, breaches: [...breaches, ...uncaught].slice(0, 20), breachCount: breaches.length + uncaught.length });
const workers = Array.from({ length: o.concurrency }, one);
createInterface({ input: process.stdin }).on('line', async (line) => {
  if (line === 'stop') {
    stopping = true;
    await Promise.all(workers);
    process.stdout.write(`${JSON.stringify(report())}\n`, () => process.exit(0));
  } else process.stdout.write(`${JSON.stringify({ probes, stats })}\n`);
});
