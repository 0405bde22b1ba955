// The client's view of a VIP for the VRRP lab: TCP connects that read the
// answering host's name (see vrrp-echo-server.mjs).
//   --once ADDR PORT TIMEOUT_MS                       one attempt
//   --loop ADDR PORT TIMEOUT_MS EVERY_MS COUNT        a bounded loop
// One JSON line per attempt: {t: epoch ms when it started, ok, who, ms}.
import { createConnection } from 'node:net';

const [mode, addr, port, timeoutMs, everyMs = '20', count = '1'] = process.argv.slice(2);

function attempt() {
  const t = performance.timeOrigin + performance.now();
  return new Promise((resolve) => {
    let data = '';
    let settled = false;
    const c = createConnection({ host: addr, port: Number(port) });
    const finish = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      c.destroy();
      const end = performance.timeOrigin + performance.now();
      resolve({ t, end, ok, who: ok ? data.trim() : null, ms: Math.round((end - t) * 100) / 100 });
    };
    const timer = setTimeout(() => finish(false), Number(timeoutMs));
    c.on('data', (d) => (data += d));
    c.on('end', () => finish(data.length > 0));
    c.on('error', () => finish(false));
  });
}

if (mode === '--once') {
  process.stdout.write(JSON.stringify(await attempt()) + '\n');
} else {
  let stopped = false;
  process.on('SIGTERM', () => (stopped = true));
  process.on('SIGINT', () => (stopped = true));
  const n = Number(count);
  const every = Number(everyMs);
  const start = performance.now();
  // Attempts start on a fixed cadence and overlap (at most TIMEOUT_MS / EVERY_MS in flight),
  // so a stalled connect does not hide the next 20 ms.
  const pending = [];
  for (let i = 0; i < n && !stopped; i++) {
    pending.push(attempt().then((r) => process.stdout.write(JSON.stringify(r) + '\n')));
    const next = start + (i + 1) * every;
    const wait = next - performance.now();
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  await Promise.all(pending);
  process.exit(0);
}
