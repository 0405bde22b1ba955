// Wall time of one-shot CLI commands, as an operator or a monitoring script runs
// them: `hacore --version` (no config), and `hacore status` against a running
// single-process daemon with 20 TCP checks. Each command is spawned N times
// (default 10) after one warm-up run; prints one JSON line per command with the
// median, min and max in milliseconds, and a `node -e ""` baseline (Node's own start).
//   node bench/cli/run.mjs [--runs N] [--bin PATH/TO/hacore.js ...]
// Several --bin compare builds in one run (their runs interleaved): the first is
// the reference of each ratio.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, bin: { type: 'string', multiple: true } } });
const runs = Number(values.runs);
const bins = values.bin?.length ? values.bin.map((b) => path.resolve(b)) : [path.join(root, 'packages/core/bin/hacore.js')];

const base = path.join(root, '.tmp');
mkdirSync(base, { recursive: true });
const dir = mkdtempSync(path.join(base, 'bench-cli-'));
const sock = path.join(dir, 's.sock');
const config = path.join(dir, 'hacore.yaml');
const env = { ...process.env, HACORE_LOG_PRETTY: '0' };
delete env.HACORE_CONFIG;

/** Wall milliseconds of one run; throws if it fails. */
function once(args, cwd = dir) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// A server for the checks to find, so the status has up targets.
const server = net.createServer((c) => c.end()).listen(0, '127.0.0.1');
await new Promise((r) => server.once('listening', r));
const port = server.address().port;
const checks = Array.from({ length: 20 }, (_, i) => `  - { name: c${i}, type: tcp, address: 127.0.0.1, port: ${port}, interval: 1s }`);
writeFileSync(config, `plugins: ["@hacore/checker-tcp"]\ncontrolSocket: ${sock}\npidFile: ${dir}/p.pid\nchecks:\n${checks.join('\n')}\n`);
const daemon = spawn(process.execPath, [bins[0], 'start', '--single-process', '-c', config], { cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  let buf = '';
  daemon.stdout.on('data', (d) => {
    buf += d;
    if (buf.includes('"hacore started"')) resolve();
  });
  daemon.once('exit', (c) => reject(new Error(`daemon exited ${c}`)));
});
daemon.stdout.resume();

const commands = [
  { name: 'node -e ""', args: () => ['-e', ''] },
  { name: 'hacore --version', args: (bin) => [bin, '--version'] },
  { name: 'hacore status', args: (bin) => [bin, 'status', '-c', config] },
];
const results = [];
try {
  for (const c of commands) {
    const variants = c.name.startsWith('node') ? [bins[0]] : bins;
    const times = new Map(variants.map((b) => [b, []]));
    for (const b of variants) once(c.args(b));   // warm the file cache
    for (let i = 0; i < runs; i++) for (const b of variants) times.get(b).push(once(c.args(b)));
    const ref = median(times.get(variants[0]));
    for (const b of variants) {
      const t = times.get(b);
      const m = median(t);
      results.push({
        command: c.name, ...(variants.length > 1 ? { bin: path.relative(root, b) } : {}), runs,
        medianMs: Number(m.toFixed(1)), minMs: Number(Math.min(...t).toFixed(1)), maxMs: Number(Math.max(...t).toFixed(1)),
        ...(variants.length > 1 ? { ratioToFirst: Number((m / ref).toFixed(2)) } : {}),
      });
    }
  }
} finally {
  daemon.kill('SIGTERM');
  await new Promise((r) => daemon.once('exit', r));
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
