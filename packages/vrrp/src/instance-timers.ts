/**
 * The timers of one VRRP instance (Adver_Timer, Master_Down_Timer, preempt
 * delay), armed and cleared as the state machine asks. The advert timer, when
 * re-armed from its own expiry, counts from when it was due rather than from
 * when its callback ran, so callback latency does not add up into a slower
 * advert rate; after a long stall it starts over from now.
 *
 * Each timer is a CLOCK_MONOTONIC timerfd of @hacore/native armed at an absolute
 * deadline (MonotonicTimer): it fires within tens of microseconds of its due
 * time. Node's setTimeout runs on libuv's loop clock, which is milliseconds and,
 * where the kernel's coarse clock is fine enough, a jiffy (4 ms at HZ=250): that
 * made hacore's adverts 1.8 ms off their interval at the median where
 * keepalived's were 0.3 ms (bench/failover/jitter.mjs). Without the addon's
 * timerfd (an older prebuild) the timers fall back to setTimeout.
 */
import { MonotonicTimer } from '@hacore/native';
import { clockMs } from './clock.js';
import type { VrrpTimerName as TimerName } from './state-machine-types.js';

interface Armed {
  due: number;
  cancel(): void;
}

let timerfdWorks: boolean | undefined;

export class TimerDriver {
  private readonly armed = new Map<TimerName, Armed>();
  private readonly fds = new Map<TimerName, MonotonicTimer>();
  /** When the advert timer now firing was due (only during its callback). */
  private firingAdvertDue: number | undefined;
  private readonly now = clockMs;
  /**
   * While an event is handled, when it happened (a packet's arrival): the
   * Master_Down and preempt timers it arms count from then, not from when the
   * handler ran, so the RFC bound holds from the advert itself.
   */
  eventTime: number | undefined;

  /** Arms (or re-arms) `name` to call `fire` after `ms`. */
  set(name: TimerName, ms: number, fire: () => void): void {
    this.armed.get(name)?.cancel();
    const now = this.now();
    let delay = Math.max(0, ms);
    if (name !== 'advert' && this.eventTime !== undefined && this.eventTime <= now) delay = Math.max(0, this.eventTime + ms - now);
    if (name === 'advert' && this.firingAdvertDue !== undefined) {
      const fromDue = this.firingAdvertDue + ms - now;
      if (fromDue >= 0) delay = fromDue;
    }
    const due = now + delay;
    const onFire = (): void => {
      if (this.armed.get(name) === slot) this.armed.delete(name);
      if (name === 'advert') this.firingAdvertDue = due;
      try {
        fire();
      } finally {
        this.firingAdvertDue = undefined;
      }
    };
    const fd = this.timerFor(name);
    let slot: Armed;
    if (fd) {
      fd.arm(due, onFire);
      slot = { due, cancel: () => fd.disarm() };
    } else {
      // Whole milliseconds: each distinct fractional delay would build a timer list of its own.
      // The advert timer rounds (its due time carries the fraction); the others round up.
      const t = setTimeout(onFire, name === 'advert' ? Math.round(delay) : Math.ceil(delay));
      slot = { due, cancel: () => clearTimeout(t) };
    }
    this.armed.set(name, slot);
  }

  private timerFor(name: TimerName): MonotonicTimer | undefined {
    if (timerfdWorks === false) return undefined;
    let t = this.fds.get(name);
    if (t) return t;
    try {
      t = MonotonicTimer.open();
      timerfdWorks = true;
    } catch {
      timerfdWorks = false;
      return undefined;
    }
    this.fds.set(name, t);
    return t;
  }

  clear(name: TimerName): void {
    this.armed.get(name)?.cancel();
    this.armed.delete(name);
  }

  has(name: TimerName): boolean {
    return this.armed.has(name);
  }

  /** Cancels every timer and closes their descriptors (they reopen on the next set()). */
  clearAll(): void {
    for (const a of this.armed.values()) a.cancel();
    this.armed.clear();
    for (const t of this.fds.values()) t.close();
    this.fds.clear();
  }
}
