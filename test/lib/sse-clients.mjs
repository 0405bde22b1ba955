// N browser-like live pages in one process: each opens the console's
// server-sent event stream and times every `event` frame of the flapping check
// against the time the daemon stamped on it. Status frames are received and
// dropped unparsed (a page would parse them; here the client must not be the
// bottleneck). Prints `ready` once every stream has its first frame, and on
// SIGTERM one JSON line with the latencies.
import http from 'node:http';

const [url, count, check] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const MARK = Buffer.from('event: event\ndata: ');
const END = Buffer.from('\n\n');
const latencies = [];
const perClient = new Array(count).fill(0);
let ready = 0;
let bytes = 0;
let cut = 0;

function open(i) {
  const q = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
    let carry = Buffer.alloc(0);
    let first = true;
    res.on('data', (chunk) => {
      bytes += chunk.length;
      if (first) {
        first = false;
        if (++ready === count) process.stdout.write('ready\n');
      }
      let buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const now = Date.now();
      let at = 0;
      for (;;) {
        const m = buf.indexOf(MARK, at);
        if (m < 0) break;
        const e = buf.indexOf(END, m);
        if (e < 0) {
          at = m;
          break;
        }
        const entry = JSON.parse(buf.subarray(m + MARK.length, e).toString('utf8'));
        if (entry.event?.kind === 'target-state' && entry.event.check === check) {
          latencies.push(now - entry.event.time);
          perClient[i]++;
        }
        at = e + 2;
      }
      // Keep only what may start an event frame that the next chunk completes.
      const rest = buf.subarray(at);
      carry = rest.indexOf(MARK) >= 0 ? Buffer.from(rest) : Buffer.from(rest.subarray(Math.max(0, rest.length - MARK.length)));
    });
    res.on('close', () => cut++);
  });
  q.on('error', () => cut++);
}

for (let i = 0; i < count; i++) open(i);
// SIGUSR2: every page of every process is connected now; count from here.
process.on('SIGUSR2', () => {
  latencies.length = 0;
  perClient.fill(0);
  bytes = 0;
});
// SIGUSR1: how many events each page has seen so far (the harness waits for the last ones to arrive).
process.on('SIGUSR1', () => process.stdout.write(`count ${Math.min(...perClient)} ${Math.max(...perClient)}\n`));
process.on('SIGTERM', () => {
  process.stdout.write(`${JSON.stringify({ latencies, perClient, bytes, cut })}\n`);
  process.exit(0);
});
