// Runs one hacore BFD session (UdpBfdSession) inside a namespace for the interop test.
// argv: peer local ifname; stdin lines: "cut" / "restore" / "stop"; stdout: one JSON line per event.
import { execFileSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { UdpBfdSession, STATE_NAMES } from '../../packages/bfd/dist/src/index.js';

const [peer, local, ifname] = process.argv.slice(2);
let cutAt = 0;
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const s = new UdpBfdSession({ peer, local, localDiscr: 0x4842, desiredMinTx: 50_000, requiredMinRx: 50_000, detectMult: 3 }, (from, to, diag) => {
  out({ ev: 'state', from: STATE_NAMES[from], to: STATE_NAMES[to], diag, sinceCutMs: cutAt ? performance.now() - cutAt : undefined });
});
s.start();
// "fast": Up with the detection time at 3 x 50 ms (both sides' slow start is over).
let fast = false;
setInterval(() => {
  const v = s.session.variables();
  const now = v.state === 3 && v.detectionTime === 150_000 && v.txInterval === 50_000 && !v.pollActive;
  if (now && !fast) out({ ev: 'fast' });
  fast = now;
}, 5).unref();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'cut') {
    execFileSync('ip', ['link', 'set', ifname, 'down']);
    cutAt = performance.now();
    out({ ev: 'cut' });
  } else if (line === 'restore') {
    cutAt = 0;
    execFileSync('ip', ['link', 'set', ifname, 'up']);
    out({ ev: 'restored' });
  } else if (line.startsWith('stop-after-sent ')) {
    // stop once this many more packets have gone out
    const until = s.counters.sent + Number(line.split(' ')[1]);
    const t = setInterval(() => {
      if (s.counters.sent < until) return;
      clearInterval(t);
      out({ ev: 'counters', ...s.counters, variables: s.session.variables() });
      s.stop();
      process.exit(0);
    }, 5);
  } else if (line === 'stop') {
    out({ ev: 'counters', ...s.counters, variables: s.session.variables() });
    s.stop();
    process.exit(0);
  }
});
