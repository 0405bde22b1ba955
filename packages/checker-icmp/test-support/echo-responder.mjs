// A user-space ICMP echo responder that answers after a delay, for the
// late-reply test: run inside a namespace whose kernel echo replies are off
// (net.ipv4.icmp_echo_ignore_all=1). Prints "ready" once listening; ends on SIGTERM.
import { LINUX, RawSocket } from '@hacore/native';
import { internetChecksum } from '../dist/src/index.js';

const delayMs = Number(process.argv[2] ?? 500);
const sock = RawSocket.open(4, LINUX.IPPROTO_ICMP);
const timers = new Set();
const rx = Buffer.alloc(65536);
sock.startPolling(() => {
  for (let r = sock.recvFrom(rx); r; r = sock.recvFrom(rx)) onMessage(Buffer.from(rx.subarray(0, r.bytes)), r.src);
});
function onMessage(buf, source) {
  const ihl = (buf[0] & 0x0f) * 4;
  const icmp = Buffer.from(buf.subarray(ihl));
  if (icmp[0] !== 8) return;
  icmp[0] = 0;
  icmp.writeUInt16BE(0, 2);
  icmp.writeUInt16BE(internetChecksum(icmp), 2);
  const t = setTimeout(() => {
    timers.delete(t);
    try {
      sock.sendTo(icmp, source);
    } catch {
      // a full buffer loses this reply, as a real host may
    }
  }, delayMs);
  timers.add(t);
}
process.on('SIGTERM', () => {
  for (const t of timers) clearTimeout(t);
  sock.close();
});
process.stdout.write('ready\n');
