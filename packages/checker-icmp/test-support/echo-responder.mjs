// A user-space ICMP echo responder that answers after a delay, for the
// late-reply test: run inside a namespace whose kernel echo replies are off
// (net.ipv4.icmp_echo_ignore_all=1). Prints "ready" once listening; ends on SIGTERM.
import { createRequire } from 'node:module';
import { internetChecksum } from '../dist/src/index.js';

const raw = createRequire(import.meta.url)('raw-socket');
const delayMs = Number(process.argv[2] ?? 500);
const sock = raw.createSocket({ protocol: raw.Protocol.ICMP });
const timers = new Set();
sock.on('message', (buf, source) => {
  const ihl = (buf[0] & 0x0f) * 4;
  const icmp = Buffer.from(buf.subarray(ihl));
  if (icmp[0] !== 8) return;
  icmp[0] = 0;
  icmp.writeUInt16BE(0, 2);
  icmp.writeUInt16BE(internetChecksum(icmp), 2);
  const t = setTimeout(() => {
    timers.delete(t);
    sock.send(icmp, 0, icmp.length, source, () => {});
  }, delayMs);
  timers.add(t);
});
process.on('SIGTERM', () => {
  for (const t of timers) clearTimeout(t);
  sock.close();
});
process.stdout.write('ready\n');
