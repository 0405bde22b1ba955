// A bare Node.js process that only wakes up every --interval ms, for idle.mjs's floor:
//   node bench/failover/idle-bare.mjs timer|timerfd [interval]
// timer: setTimeout re-armed from its callback; timerfd: @hacore/native's MonotonicTimer
// at absolute deadlines, as the vrrp process's advert timer (instance-timers.ts).
import { MonotonicTimer, monotonicMs } from '@hacore/native';

const [kind = 'timerfd', ms = '100'] = process.argv.slice(2);
const interval = Number(ms);
if (kind === 'timer') {
  const tick = () => setTimeout(tick, interval);
  tick();
} else {
  const t = MonotonicTimer.open();
  let due = monotonicMs() + interval;
  const tick = () => {
    due += interval;
    t.arm(due, tick);
  };
  t.arm(due, tick);
}
process.stdout.write('ready\n');
