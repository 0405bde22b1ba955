/**
 * The contract between the pure VRRP state machine (state-machine.ts) and the
 * I/O shell (instance.ts): events in, actions out, time passed in by the caller.
 */
export type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

export interface VrrpInstanceParams {
  name: string;
  vrid: number;
  version: 2 | 3;
  family: 4 | 6;
  /** Configured priority 1..255 (255 = address owner). */
  priority: number;
  /** Advertisement interval in milliseconds (v2: whole seconds; v3: centiseconds). */
  advertIntervalMs: number;
  preempt: boolean;
  /** Milliseconds a Backup waits before preempting a lower-priority Master. */
  preemptDelayMs: number;
  /** Our primary address on the interface, for tie-breaking (higher address wins). */
  primaryAddress: string;
  /** Start in Backup (default) or try Master at once (keepalived `state MASTER` still waits for adverts unless priority is 255). */
  initialState?: 'BACKUP' | 'MASTER';
}

/** A received advert that passed every validity check of the codec and the shell. */
export interface ReceivedAdvert {
  /** Source address of the IP header. */
  source: string;
  priority: number;
  /** Advertised interval in milliseconds. */
  advertIntervalMs: number;
}

/** The timers the state machine arms; `answer` sends a rate-limited answer when its window ends. */
export type VrrpTimerName = 'advert' | 'masterDown' | 'preempt' | 'answer';

export type VrrpInput =
  | { type: 'startup' }
  | { type: 'shutdown' }
  | { type: 'advert'; advert: ReceivedAdvert }
  | { type: 'timer'; timer: VrrpTimerName }
  /** The effective priority changed (tracking); 0 or below means fault. */
  | { type: 'priority'; effective: number }
  /** A tracked interface or the instance's own interface went down (true) or up (false). */
  | { type: 'fault'; on: boolean; reason: string }
  /** A sync-group peer forces a state. */
  | { type: 'force'; state: 'BACKUP' | 'FAULT'; reason: string };

export type VrrpAction =
  /** `intervalMs`: the interval to write in it, when not ours (a Master stepping down writes the new Master's). */
  | { type: 'sendAdvert'; priority: number; intervalMs?: number }
  | { type: 'setTimer'; timer: VrrpTimerName; ms: number }
  | { type: 'clearTimer'; timer: VrrpTimerName }
  | { type: 'addVips' }
  | { type: 'removeVips' }
  | { type: 'announce' }
  /** One GARP/NA burst for the VIPs now, no second one (a lower-priority Master was heard: win its neighbours back). */
  | { type: 'reannounce' }
  | { type: 'transition'; from: VrrpStateName; to: VrrpStateName; reason: string };
