// In the fuzzer's client namespace: sends the fuzz frames through a packet socket, in
// chunks the runner asks for on stdin ({"d": INDEX, "n": COUNT}), and answers each with
// {"d", "sent", "filtered"} (filtered: frames a kernel filter drops before the process
// sees them: the VRRP sockets' BPF programs, the ICMP socket's ICMP_FILTER; the BFD
// socket has none). {"report": true} prints the counts per class and ends.
//   node fuzz-sender.mjs JSON   ({seed, srcMac, decoders: [{kind: 'vrrp'|'icmp'|'bfd', ...}]})
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { PacketSocket } from '@hacore/native';
import { bfdFuzzer } from './fuzz-bfd-frames.mjs';
import { icmpFuzzer, passesIcmpFilter, passesIpv4Filter, passesIpv6Filter, vrrpFuzzer } from './fuzz-frames.mjs';
import { Rng } from './rng.mjs';

const spec = JSON.parse(process.argv[2]);
const ifindex = Number(readFileSync('/sys/class/net/eth0/ifindex', 'utf8'));
const sock = PacketSocket.open();
const root = new Rng(spec.seed);
const fuzzers = spec.decoders.map((d, i) =>
  d.kind === 'icmp'
    ? icmpFuzzer(root.fork(`icmp-${i}`), { src: d.src, srcMac: spec.srcMac, dst: d.dst, dstMac: d.dstMac })
    : d.kind === 'bfd'
      ? bfdFuzzer(root.fork(`bfd-${i}`), { ...d, srcMac: spec.srcMac })
      : vrrpFuzzer(root.fork(`vrrp-${i}`), d, { src: d.src, srcMac: spec.srcMac }),
);
const vridsOf = (family) => spec.decoders.filter((d) => d.kind === 'vrrp' && d.family === family).map((d) => d.vrid);
const [ipv4Vrids, ipv6Vrids] = [vridsOf(4), vridsOf(6)];
const errors = fuzzers.map(() => 0);

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line);
  if (cmd.report) {
    const out = spec.decoders.map((d, i) => ({ name: d.name, classes: fuzzers[i].counts, lowered: fuzzers[i].lowered ?? 0, sendErrors: errors[i], ...(fuzzers[i].expected ? { expected: fuzzers[i].expected } : {}) }));
    process.stdout.write(JSON.stringify({ report: out }) + '\n', () => process.exit(0));
    return;
  }
  const d = spec.decoders[cmd.d];
  const f = fuzzers[cmd.d];
  let filtered = 0;
  let sent = 0;
  for (let k = 0; k < cmd.n; k++) {
    const { frame, vrrp, icmp } = f.next();
    const dropped = d.kind === 'bfd' ? false : d.kind === 'icmp' ? !passesIcmpFilter(icmp) : d.family === 4 ? !passesIpv4Filter(vrrp, ipv4Vrids) : !passesIpv6Filter(vrrp, ipv6Vrids);
    try {
      sock.sendFrame(ifindex, frame);
      sent++;
      if (dropped) filtered++;
    } catch {
      errors[cmd.d]++;
    }
  }
  process.stdout.write(JSON.stringify({ d: cmd.d, sent, filtered }) + '\n');
});
