/**
 * Hysteresis and hold-down of one prefix, pure and clock-driven: the condition
 * must hold for `riseDelay` before the prefix is announced and fail for
 * `fallDelay` before it is withdrawn, and two changes of the announcement are
 * never closer than `minAnnounceInterval` (so a flapping check cannot make the
 * route flap). `update()` and `tick()` return the decision and when to call
 * `tick()` again.
 */
export interface GateTiming {
  riseDelay: number;
  fallDelay: number;
  minAnnounceInterval: number;
}

export interface GateDecision {
  /** Set when the announcement changes now. */
  change?: 'announce' | 'withdraw';
  /** When (ms, same clock) to call tick() again, if a change is pending. */
  wakeAt?: number;
}

export class PrefixGate {
  announced = false;
  private wanted = false;
  /** Since when the condition has had its current value. */
  private wantedSince = 0;
  private lastChange = Number.NEGATIVE_INFINITY;

  constructor(private timing: GateTiming) {}

  /** New delays from a reload; the state and the time of the last change stay. */
  retime(timing: GateTiming): void {
    this.timing = timing;
  }

  /** The condition's value at `now`. */
  update(value: boolean, now: number): GateDecision {
    if (value !== this.wanted) {
      this.wanted = value;
      this.wantedSince = now;
    }
    return this.tick(now);
  }

  /** A change at `now` if the condition has held long enough and the hold-down has passed. */
  tick(now: number): GateDecision {
    if (this.wanted === this.announced) return {};
    const delay = this.wanted ? this.timing.riseDelay : this.timing.fallDelay;
    const due = Math.max(this.wantedSince + delay, this.lastChange + this.timing.minAnnounceInterval);
    if (now < due) return { wakeAt: due };
    this.announced = this.wanted;
    this.lastChange = now;
    return { change: this.announced ? 'announce' : 'withdraw' };
  }

  /** The condition's current value (after hysteresis, not yet applied). */
  get conditionValue(): boolean {
    return this.wanted;
  }
}
