/**
 * Priority-0 adverts armed for the stop signal: while an instance is Master,
 * its priority-0 advert(s) sit ready-made in @hacore/native, whose SIGTERM/SIGINT
 * handler sends them from the signal handler itself, before the event loop (and
 * so the daemon's stop path) runs. leave() then skips what the handler already
 * sent, so the Backups see one priority 0 and take over after Skew_Time.
 * Without the addon's stop frames (an old prebuild) leave() sends them as before.
 */
import { setStopFrames, stopFramesSent, type StopFrame } from '@hacore/native';

const armed = new Map<number, StopFrame[]>();
let nextKey = 1;
let broken = false;

/** A key per instance (for stopFramesSent). */
export function stopAdvertKey(): number {
  return nextKey++;
}

function publish(): void {
  if (broken) return;
  try {
    setStopFrames([...armed.values()].flat());
  } catch {
    // An addon without stop frames, or a table over 64 frames: leave() sends them.
    broken = true;
    armed.clear();
  }
}

/** Arms (or replaces) the priority-0 frames of instance `key`. */
export function armStopAdverts(key: number, frames: Omit<StopFrame, 'key'>[]): void {
  if (broken) return;
  armed.set(key, frames.map((f) => ({ ...f, key })));
  publish();
}

/** Disarms instance `key` (it left Master, or its socket goes away). */
export function disarmStopAdverts(key: number): void {
  if (armed.delete(key)) publish();
}

/** How many frames of instance `key` the signal handler sent (0 if no signal came). */
export function sentOnSignal(key: number): number {
  if (broken) return 0;
  try {
    return stopFramesSent().filter((k) => k === key).length;
  } catch {
    return 0;
  }
}
