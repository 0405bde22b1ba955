// A bare Node.js process that only wakes up every --interval ms, for idle.mjs's floor:
//   node bench/failover/idle-bare.mjs timer|timerfd|send [interval] [ifname]
// timer: setTimeout re-armed from its callback; timerfd: @hacore/native's MonotonicTimer
// at absolute deadlines, as the vrrp process's advert timer (instance-timers.ts); send: the
// same timerfd, and each wake one 12-byte VRRP message (one address) (protocol 112, TTL 255) to
// 224.0.0.18 on `ifname` from a raw socket, the syscalls of an idle Master (run it in a lab
// namespace: its sendto crosses the same bridge as the adverts).
import { MonotonicTimer, RawSocket, monotonicMs } from '@hacore/native';

const [kind = 'timerfd', ms = '100', ifname = 'eth0'] = process.argv.slice(2);
const interval = Number(ms);
if (kind === 'timer') {
  const tick = () => setTimeout(tick, interval);
  tick();
} else {
  let send = () => {};
  if (kind === 'send') {
    const sock = RawSocket.open(4, 112);
    sock.bindToDevice(ifname);
    sock.setMulticastHops(255);
    // VRRPv3, VRID 53 (no instance of the lab uses it), priority 100, one address; the checksum is left 0.
    const msg = Buffer.from([0x31, 53, 100, 1, 0, 10, 0, 0, 198, 51, 100, 202]);
    send = () => sock.sendTo(msg, '224.0.0.18');
  }
  const t = MonotonicTimer.open();
  let due = monotonicMs() + interval;
  const tick = () => {
    send();
    due += interval;
    t.arm(due, tick);
  };
  t.arm(due, tick);
}
process.stdout.write('ready\n');
