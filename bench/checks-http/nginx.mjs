// The bench's targets served by Debian's nginx (BENCH_SERVER=nginx): one worker
// listening on every address x port, answering /index.html with the same 1 KiB
// page as servers.mjs, so that the servers are a real web server and not what
// is measured. Started in the foreground under a temporary prefix; stop() ends
// it by its PID.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loopbackAddress } from '../lib/measure.mjs';

const tmpBase = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.tmp');

export async function startNginx(addrs, ports, basePort) {
  mkdirSync(tmpBase, { recursive: true });
  const dir = mkdtempSync(path.join(tmpBase, 'bench-nginx-'));
  const page = Buffer.alloc(1024, 'hacore bench page. ').toString('latin1');
  const listen = [];
  for (let a = 0; a < addrs; a++) for (let p = 0; p < ports; p++) listen.push(`    listen ${loopbackAddress(a)}:${basePort + p} backlog=511;`);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((k) => `  ${k}_temp_path ${dir}/${k};`);
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 65536;
events { worker_connections 30000; multi_accept on; }
http {
  access_log off;
${temp.join('\n')}
  keepalive_requests 100000;
  keepalive_timeout 75s;
  server {
${listen.join('\n')}
    location = /index.html { default_type text/html; return 200 "${page}"; }
  }
}
`,
  );
  const proc = spawn('sh', ['-c', `ulimit -n $(ulimit -Hn) && exec nginx -p ${dir} -c ${dir}/nginx.conf`], { stdio: ['ignore', 'inherit', 'inherit'] });
  const pidFile = path.join(dir, 'nginx.pid');
  const t0 = Date.now();
  for (;;) {
    try {
      if (Number(readFileSync(pidFile, 'utf8')) === proc.pid) break;
    } catch {}
    if (proc.exitCode !== null) throw new Error(`nginx exited ${proc.exitCode}: ${readFileSync(path.join(dir, 'error.log'), 'utf8').slice(-2000)}`);
    if (Date.now() - t0 > 30000) throw new Error('nginx did not start in 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  // The page must answer before the bench starts (the worker may still be opening its sockets).
  for (;;) {
    try {
      const r = await fetch(`http://${loopbackAddress(addrs - 1)}:${basePort + ports - 1}/index.html`);
      if (r.ok) break;
    } catch {}
    if (Date.now() - t0 > 30000) throw new Error('nginx does not answer');
    await new Promise((r) => setTimeout(r, 50));
  }
  /** CPU seconds of nginx's master and workers. */
  const cpuSec = () => {
    const pids = [proc.pid, ...readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];
    let ticks = 0;
    for (const pid of pids) {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks / 100;
  };
  const stop = async () => {
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGQUIT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  return { digest: createHash('md5').update(page, 'latin1').digest('hex'), cpuSec, stop };
}
