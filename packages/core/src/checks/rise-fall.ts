import type { TargetStateName } from '../types.js';

export interface RiseFallStep {
  /** Set when this observation changed the state. */
  changed?: 'up' | 'down';
  /** True while a change is being confirmed: the next probe comes after retryDelay. */
  confirming: boolean;
}

/**
 * The rise/fall rule as pure logic: `rise` consecutive successes make a target
 * up, `fall` consecutive failures make it down. A result that agrees with the
 * current state resets the opposite count.
 */
export class RiseFall {
  state: TargetStateName;
  private okRun = 0;
  private failRun = 0;

  constructor(
    readonly rise: number,
    readonly fall: number,
    initial: TargetStateName = 'unknown',
  ) {
    this.state = initial;
  }

  observe(ok: boolean): RiseFallStep {
    if (ok) {
      this.failRun = 0;
      if (this.state === 'up') return { confirming: false };
      this.okRun++;
      if (this.okRun >= this.rise) {
        this.okRun = 0;
        this.state = 'up';
        return { changed: 'up', confirming: false };
      }
      return { confirming: true };
    }
    this.okRun = 0;
    if (this.state === 'down') return { confirming: false };
    this.failRun++;
    if (this.failRun >= this.fall) {
      this.failRun = 0;
      this.state = 'down';
      return { changed: 'down', confirming: false };
    }
    return { confirming: true };
  }
}
