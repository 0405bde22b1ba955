// Child of leak.test.mjs, run inside a fresh namespace (its own loopback): BFD session
// pairs over 127.0.1.i <-> 127.0.2.i started, brought Up, one side removed (the other
// goes Down on detection), all stopped, CYCLES times; prints what the process holds.
import { readdirSync } from 'node:fs';
import { BfdReceiver, BfdRuntime } from '../../packages/bfd/dist/src/index.js';

const [cycles, pairs] = process.argv.slice(2).map(Number);
const log = { info() {}, warn() {}, error() {}, child() { return log; } };
const held = () => ({
  fds: readdirSync('/proc/self/fd').length,
  timeouts: process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length,
  receivers: BfdReceiver.openCount(),
  rss: process.memoryUsage().rss,
});
const inst = (name, neighbor, source) => ({ name, neighbor, source, minRx: 20, minTx: 20, idleTx: 1000, multiplier: 3, passive: false, multihop: false, ttl: 255 });
// One address pair per session pair: a session is one neighbor from one source.
const a = Array.from({ length: pairs }, (_, i) => inst(`a${i}`, `127.0.2.${i + 1}`, `127.0.1.${i + 1}`));
const b = Array.from({ length: pairs }, (_, i) => inst(`b${i}`, `127.0.1.${i + 1}`, `127.0.2.${i + 1}`));
const samples = [];
let ups = 0;
let downs = 0;
for (let c = 0; c < cycles; c++) {
  const states = new Map();
  let wake;
  const rt = new BfdRuntime(log, (e) => {
    states.set(e.instance, e.to);
    if (e.from === 'Up' && e.to === 'Down') downs++;
    if (e.to === 'Up') ups++;
    wake?.();
  });
  const until = async (pred) => {
    const deadline = Date.now() + 20_000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`cycle ${c}: timed out, states ${JSON.stringify([...states])}`);
      await new Promise((r) => (wake = r));
    }
  };
  rt.start({ instances: [...a, ...b] });
  await until(() => [...a, ...b].every((x) => states.get(x.name) === 'Up'));
  rt.reload({ instances: a });
  await until(() => a.every((x) => states.get(x.name) === 'Down'));
  rt.stop();
  if (rt.timersArmed() !== 0) throw new Error('timers armed after stop');
  global.gc?.();
  samples.push(held());
}
process.stdout.write(`${JSON.stringify({ samples, ups, downs })}\n`);
