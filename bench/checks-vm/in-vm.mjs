// Runs inside the test VM (started by bench/checks-vm/run.mjs), where the kernel has
// IPVS and so keepalived's checker runs: keepalived 2.2.7 and hacore each run the same
// keepalived.conf (hacore through --keepalived-config) checking BENCH_HTTP (1,000)
// HTTP_GET and BENCH_TCP (1,000) TCP_CHECK real servers at delay_loop 1 s, one after the
// other, for BENCH_SECONDS (60) after a warm-up. The real servers count the connections
// they accept (the probes each daemon made); the daemon's CPU is the sum of utime +
// stime of all its processes, its memory the sum of their RSS and PSS. One JSON line.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const HACORE = path.join(ROOT, 'packages/core/bin/hacore.js');
const HTTP = Number(process.env.BENCH_HTTP ?? 1000);
const TCP = Number(process.env.BENCH_TCP ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 15000);
const ADDRS = 100;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const addr = (i) => `127.0.1.${1 + (i % ADDRS)}`;
const httpPort = (i) => 21000 + Math.floor(i / ADDRS);
const tcpPort = (i) => 22000 + Math.floor(i / ADDRS);

const dir = mkdtempSync(path.join(tmpdir(), 'hacore-checks-vm-'));
const PAGE = Buffer.alloc(1024, 'hacore bench page. ');
const MD5 = createHash('md5').update(PAGE).digest('hex');

// The real servers: a 1 KiB page for HTTP (then close), accept-and-close for TCP; stdin "count" prints the totals.
writeFileSync(
  path.join(dir, 'servers.mjs'),
  `import net from 'node:net';
import readline from 'node:readline';
const page = Buffer.alloc(1024, 'hacore bench page. ');
const reply = Buffer.concat([Buffer.from('HTTP/1.1 200 OK\\r\\nContent-Length: 1024\\r\\nConnection: close\\r\\n\\r\\n'), page]);
const n = { http: 0, tcp: 0 };
let pending = 0;
const listen = (host, port, kind) => {
  pending++;
  net.createServer((c) => {
    n[kind]++;
    c.on('error', () => {});
    if (kind === 'tcp') return c.destroy();
    let buf = '';
    c.on('data', (d) => { buf += d; if (buf.includes('\\r\\n\\r\\n')) c.end(reply); });
  }).listen({ host, port, backlog: 511 }, () => { if (--pending === 0) console.log('ready'); });
};
for (let i = 0; i < ${HTTP}; i++) listen('127.0.1.' + (1 + (i % ${ADDRS})), 21000 + Math.floor(i / ${ADDRS}), 'http');
for (let i = 0; i < ${TCP}; i++) listen('127.0.1.' + (1 + (i % ${ADDRS})), 22000 + Math.floor(i / ${ADDRS}), 'tcp');
readline.createInterface({ input: process.stdin }).on('line', () => console.log(JSON.stringify(n)));
`,
);

function keepalivedConf() {
  const lines = ['global_defs {', '  router_id bench', '}'];
  lines.push('virtual_server 203.0.113.1 80 {', '  delay_loop 1', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
  for (let i = 0; i < HTTP; i++) lines.push(`  real_server ${addr(i)} ${httpPort(i)} {`, '    HTTP_GET {', '      url {', '        path /index.html', `        digest ${MD5}`, '      }', '      connect_timeout 1', '      retry 1', '    }', '  }');
  lines.push('}');
  lines.push('virtual_server 203.0.113.2 80 {', '  delay_loop 1', '  lb_algo rr', '  lb_kind NAT', '  protocol TCP');
  for (let i = 0; i < TCP; i++) lines.push(`  real_server ${addr(i)} ${tcpPort(i)} {`, '    TCP_CHECK {', '      connect_timeout 1', '      retry 1', '    }', '  }');
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function children(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
const tree = (pid) => [pid, ...children(pid).flatMap(tree)];
const kib = (text, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
function usage(pid) {
  let cpu = 0;
  let rss = 0;
  let pss = 0;
  for (const p of tree(pid)) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      cpu += (Number(f[11]) + Number(f[12])) / 100;
      rss += kib(readFileSync(`/proc/${p}/status`, 'utf8'), 'VmRSS');
      pss += kib(readFileSync(`/proc/${p}/smaps_rollup`, 'utf8'), 'Pss');
    } catch {}
  }
  return { cpu, rssMiB: +(rss / 1024).toFixed(1), pssMiB: +(pss / 1024).toFixed(1) };
}

const servers = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec ${process.execPath} ${path.join(dir, 'servers.mjs')}`], { stdio: ['pipe', 'pipe', 'inherit'] });
const serverLines = [];
servers.stdout.setEncoding('utf8');
let sbuf = '';
servers.stdout.on('data', (d) => {
  sbuf += d;
  let k;
  while ((k = sbuf.indexOf('\n')) >= 0) {
    serverLines.push(sbuf.slice(0, k));
    sbuf = sbuf.slice(k + 1);
  }
});
const nextLine = async () => {
  const n = serverLines.length;
  for (let i = 0; i < 400 && serverLines.length === n; i++) await sleep(25);
  return serverLines[n];
};
async function counts() {
  const wait = nextLine();
  servers.stdin.write('count\n');
  return JSON.parse(await wait);
}
while (!serverLines.includes('ready')) await sleep(50);

const conf = path.join(dir, 'keepalived.conf');
writeFileSync(conf, keepalivedConf(), { mode: 0o600 });
writeFileSync(path.join(dir, 'overlay.yaml'), `controlSocket: ${dir}/h.sock\npidFile: ${dir}/h.pid\nstateDir: ${dir}/state\nlogLevel: warn\n`, { mode: 0o600 });

async function run(name, cmd, args) {
  execFileSync('ipvsadm', ['-C']);
  const d = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec ${[cmd, ...args].join(' ')}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(WARMUP_MS);
  const u0 = usage(d.pid);
  const c0 = await counts();
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const u1 = usage(d.pid);
  const c1 = await counts();
  const secs = (performance.now() - t0) / 1000;
  const probes = c1.http - c0.http + (c1.tcp - c0.tcp);
  const table = execFileSync('ipvsadm', ['-Ln']).toString();
  const dests = (table.match(/->\s+127\.0\.1\./g) ?? []).length;
  d.kill('SIGTERM');
  await new Promise((r) => d.once('exit', r));
  return {
    name,
    httpProbesPerSec: +((c1.http - c0.http) / secs).toFixed(0),
    tcpProbesPerSec: +((c1.tcp - c0.tcp) / secs).toFixed(0),
    cpuSecPer1000: +(((u1.cpu - u0.cpu) / probes) * 1000).toFixed(4),
    rssMiB: u1.rssMiB,
    pssMiB: u1.pssMiB,
    destinationsInTable: dests,
  };
}

try {
  const ka = await run('keepalived', 'keepalived', ['-n', '-l', '-C', '-f', conf, '-p', path.join(dir, 'k.pid'), '-c', path.join(dir, 'kc.pid')]);
  const hc = await run('hacore', process.execPath, [HACORE, 'start', '--keepalived-config', conf, '--config', path.join(dir, 'overlay.yaml')]);
  const out = {
    bench: 'checks-vm',
    http: HTTP,
    tcp: TCP,
    seconds: SECONDS,
    keepalived: ka,
    hacore: hc,
    cpuRatioHacoreToKeepalived: +(hc.cpuSecPer1000 / ka.cpuSecPer1000).toFixed(2),
    pssRatioHacoreToKeepalived: +(hc.pssMiB / ka.pssMiB).toFixed(1),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
} finally {
  servers.kill('SIGTERM');
  execFileSync('ipvsadm', ['-C']);
  rmSync(dir, { recursive: true, force: true });
}
