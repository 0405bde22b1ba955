// SMTP probe cost against Debian's exim4 in a network namespace: N probes one
// after another, plain and with STARTTLS (verified), from a client namespace.
// Prints one JSON line: latency p50/p90 and the prober's CPU seconds per 1,000 probes.
// Env: BENCH_PROBES (default 200). Needs root (namespaces) and exim4-daemon-light.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startExim } from '../../test/lib/exim-lab.mjs';
import { Lab } from '../../test/lib/lab.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const n = Number(process.env.BENCH_PROBES ?? 200);
const MX = '198.51.100.25';
const PROBER = `
import { SmtpChecker } from '@hacore/checker-smtp';
const { spec, n } = JSON.parse(process.argv[1]);
const c = new SmtpChecker(spec);
for (let i = 0; i < 5; i++) await c.probe(AbortSignal.timeout(2000));
const ms = [];
const cpu0 = process.cpuUsage();
let failed = 0;
for (let i = 0; i < n; i++) {
  const t0 = performance.now();
  const r = await c.probe(AbortSignal.timeout(2000));
  ms.push(performance.now() - t0);
  if (!r.ok) failed++;
}
const cpu = process.cpuUsage(cpu0);
ms.sort((a, b) => a - b);
const r2 = (x) => Math.round(x * 100) / 100;
process.stdout.write(JSON.stringify({ p50Ms: r2(ms[Math.floor(n / 2)]), p90Ms: r2(ms[Math.floor(n * 0.9)]), cpuSecPer1000: r2(((cpu.user + cpu.system) / 1e6) * (1000 / n)), failed }) + '\\n');
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-bench-smtp-'));
const lab = await Lab.create('bsmtp', ['mx', 'cli'], { addresses: { mx: [`${MX}/24`], cli: ['198.51.100.20/24'] } });
try {
  await startExim(lab, 'mx', dir, MX);
  const base = { name: 'mx', type: 'smtp', target: { address: MX, port: 25 }, interval: 1000, timeout: 2000, rise: 1, fall: 1, retryDelay: 100, warmup: 0, alpha: false, heloName: 'lb1.example.test', starttls: false, tlsVerify: true, maxReplyBytes: 16384 };
  const run = async (spec) => JSON.parse(await lab.exec('cli', process.execPath, ['--input-type=module', '-e', PROBER, JSON.stringify({ spec, n })], { cwd: root }));
  const plain = await run(base);
  const starttls = await run({ ...base, starttls: true, ca: path.join(dir, 'ca.pem'), servername: 'mx.example.test' });
  process.stdout.write(`${JSON.stringify({ probes: n, loadavg: os.loadavg()[0], plain, starttls })}\n`);
} finally {
  await lab.destroy();
  rmSync(dir, { recursive: true, force: true });
}
