/** Counts a check's state flips within a sliding window: pure, with the time passed in. */
export class FlapWindow {
  readonly #flips = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly threshold: number,
  ) {}

  /** Records a flip; returns the flips in the window when this one reaches the threshold, else undefined. */
  flip(check: string, now: number): number | undefined {
    const recent = (this.#flips.get(check) ?? []).filter((t) => now - t < this.windowMs);
    recent.push(now);
    this.#flips.set(check, recent);
    return recent.length === this.threshold ? recent.length : undefined;
  }

  forget(check: string): void {
    this.#flips.delete(check);
  }
}
