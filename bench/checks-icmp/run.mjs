// bench/checks-icmp: 10,000 ICMP targets at a 1 s interval for 60 s, probed by
// a Hacore core with role `check` (the check child's code) running inside a
// network namespace, against a second namespace that holds 10,000 addresses
// (250 IPv4 in 203.0.113.0/24 and the rest IPv6 in 2001:db8:1::/64, on its
// link (not on lo: this kernel answers ICMPv6 for thousands of addresses on lo
// several times slower, fping included), reached through one next hop so that the prober's neighbour
// table holds one entry per family). Prints one JSON line: probesPerSec,
// cpuSecPer1000, eldP50Ms, eldP99Ms, rssMiB (the same as bench/checks-tcp).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, ipBatch } from '../../test/lib/lab.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const TARGETS = Number(process.env.BENCH_TARGETS ?? 10000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const V4 = Math.min(250, TARGETS);
const ANYIP = process.env.BENCH_ANYIP === '1';

const targets = [];
for (let i = 1; i <= V4; i++) targets.push(`203.0.113.${i}`);
// BENCH_V4ONLY=1: the IPv4 addresses again and again instead of IPv6 ones (one socket, 250 addresses).
for (let i = 1; targets.length < TARGETS; i++) targets.push(process.env.BENCH_V4ONLY === '1' ? `203.0.113.${1 + (i % V4)}` : `2001:db8:1::${i.toString(16)}`);

const lab = await Lab.create('bicmp', ['chk', 'many'], {
  addresses: { chk: ['198.51.100.1/24', '2001:db8::1/64'], many: ['198.51.100.2/24', '2001:db8::2/64'] },
  dad: false,
});
try {
  if (ANYIP) {
    // BENCH_ANYIP=1: the same targets answered through local routes (AnyIP) instead of addresses.
    await ipBatch(['route add local 203.0.113.0/24 dev lo', 'route add local 2001:db8:1::/64 dev lo'], lab.ns('many'));
  } else {
    await ipBatch([...new Set(targets)].map((a) => `addr add ${a}/${a.includes(':') ? '128 nodad' : 32} dev eth0`), lab.ns('many'));
  }
  await ipBatch(['route add 203.0.113.0/24 via 198.51.100.2', 'route add 2001:db8:1::/64 via 2001:db8::2'], lab.ns('chk'));
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", go to the measured process.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn('ip', ['netns', 'exec', lab.ns('chk'), process.execPath, ...nodeArgs, path.join(here, 'check-child.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_SECONDS: String(SECONDS) },
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stdin.end(JSON.stringify(targets));
  const code = await new Promise((r) => child.on('exit', r));
  if (code !== 0) throw new Error(`check child exited ${code}: ${out}`);
  process.stdout.write(out.trim().split('\n').at(-1) + '\n');
} finally {
  await lab.destroy();
}
