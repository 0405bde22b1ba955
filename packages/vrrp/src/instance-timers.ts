/**
 * The timers of one VRRP instance (Adver_Timer, Master_Down_Timer, preempt
 * delay), armed and cleared as the state machine asks. The advert timer, when
 * re-armed from its own expiry, counts from when it was due rather than from
 * when its callback ran, so callback latency does not add up into a slower
 * advert rate; after a long stall it starts over from now.
 */
export type TimerName = 'advert' | 'masterDown' | 'preempt';

export class TimerDriver {
  private readonly timers = new Map<TimerName, NodeJS.Timeout>();
  /** When the advert timer now firing was due (only during its callback). */
  private firingAdvertDue: number | undefined;

  /** Arms (or re-arms) `name` to call `fire` after `ms`. */
  set(name: TimerName, ms: number, fire: () => void): void {
    const old = this.timers.get(name);
    if (old) clearTimeout(old);
    const now = performance.now();
    let delay = Math.max(0, ms);
    if (name === 'advert' && this.firingAdvertDue !== undefined) {
      const fromDue = this.firingAdvertDue + ms - now;
      if (fromDue >= 0) delay = fromDue;
    }
    // Whole milliseconds: Node's timers fire on a millisecond clock anyway, and each
    // distinct fractional delay would build (and tear down) a timer list of its own.
    // The advert timer rounds (its due time carries the fraction forward); the others
    // round up, never firing before the RFC's bound.
    const due = now + delay;
    delay = name === 'advert' ? Math.round(delay) : Math.ceil(delay);
    const t = setTimeout(() => {
      if (this.timers.get(name) === t) this.timers.delete(name);
      if (name === 'advert') this.firingAdvertDue = due;
      try {
        fire();
      } finally {
        this.firingAdvertDue = undefined;
      }
    }, delay);
    this.timers.set(name, t);
  }

  clear(name: TimerName): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.delete(name);
  }

  has(name: TimerName): boolean {
    return this.timers.has(name);
  }

  clearAll(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
