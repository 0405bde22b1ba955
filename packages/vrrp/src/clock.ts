/**
 * The vrrp process's clock for timers and packet arrival: CLOCK_MONOTONIC from
 * @hacore/native (the clock the timerfds are armed on), or performance.now()
 * where the addon predates it. Chosen once, so every reading is on one clock.
 */
import { monotonicMs } from '@hacore/native';

function pick(): () => number {
  try {
    monotonicMs();
    return monotonicMs;
  } catch {
    return () => performance.now();
  }
}

/** Milliseconds, fractional, monotonic. */
export const clockMs: () => number = pick();
