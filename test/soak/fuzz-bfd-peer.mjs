// The BFD fuzzer's live peer, in the client namespace: one hacore UdpBfdSession to the
// router (the library, not the daemon), so that the daemon's session under fuzz is Up
// and stays Up only while real packets keep arriving. A line "status" on stdin prints
// {state, transitions, counters, variables, packet}: packet is the 24 octets it sends
// now, which the fuzzer copies when it must send the daemon something harmless.
//   node fuzz-bfd-peer.mjs JSON   ({peer, local, localDiscr, desiredMinTx, requiredMinRx, detectMult}, µs)
import { createInterface } from 'node:readline';
import { BfdState, STATE_NAMES, UdpBfdSession, encodeControl } from '../../packages/bfd/dist/src/index.js';

const o = JSON.parse(process.argv[2]);
let transitions = 0;
const s = new UdpBfdSession(o, (from, to) => {
  transitions++;
  process.stderr.write(`bfd peer: ${STATE_NAMES[from]} -> ${STATE_NAMES[to]}\n`);
});
s.start();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'stop') {
    s.stop();
    process.exit(0);
  }
  const v = s.session.variables();
  const packet = encodeControl({ diag: v.localDiag, state: v.state, poll: false, final: false, detectMult: v.detectMult, myDiscr: v.localDiscr, yourDiscr: v.remoteDiscr,
    desiredMinTx: v.desiredMinTx, requiredMinRx: v.requiredMinRx, requiredMinEchoRx: 0 });
  process.stdout.write(`${JSON.stringify({ state: STATE_NAMES[v.state], up: v.state === BfdState.Up, transitions, counters: s.counters, variables: v, packet: [...packet] })}\n`);
});
