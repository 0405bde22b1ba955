/**
 * Peers configured differently from us (authentication, interval, address list,
 * version, unicast vs multicast), remembered per peer and reason so that the log
 * gets one line per peer and reason per window (keepalived 2.2.7 writes a line
 * for every such packet, which floods the log at 10 adverts a second) and
 * `hacore status` can show what differs. Pure: time is passed in.
 */
import type { MisconfigReason } from './drop-reasons.js';

/** One peer's disagreement with our configuration, as `hacore status` shows it. */
export interface MisconfigEntry {
  peer: string;
  reason: MisconfigReason;
  /** What differs, from the last such advert. */
  detail: string;
  /** Adverts seen with this disagreement. */
  count: number;
  /** Wall-clock ms of the first and the last one. */
  firstSeen: number;
  lastSeen: number;
}

export interface MisconfigNote {
  /** Write a log line now (the first in this window for this peer and reason). */
  log: boolean;
  /** Adverts of this peer and reason that were not logged since the previous line. */
  unlogged: number;
}

export interface MisconfigReportOptions {
  /** One log line per peer and reason per window; default 60 s. */
  windowMs?: number;
  /** An entry not refreshed for this long leaves the status; default 10 minutes. */
  expireMs?: number;
  /** Bound on remembered entries (spoofed sources must not grow memory); default 64. */
  maxEntries?: number;
  /** Monotonic ms for the window; default performance.now(). */
  now?: () => number;
  /** Wall-clock ms for status; default Date.now(). */
  wallClock?: () => number;
}

interface Slot extends MisconfigEntry {
  lastLogAt: number;
  lastAt: number;
  unlogged: number;
}

export class MisconfigReport {
  readonly #windowMs: number;
  readonly #expireMs: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #wall: () => number;
  readonly #slots = new Map<string, Slot>();

  constructor(options: MisconfigReportOptions = {}) {
    this.#windowMs = options.windowMs ?? 60_000;
    this.#expireMs = options.expireMs ?? 600_000;
    this.#max = options.maxEntries ?? 64;
    this.#now = options.now ?? (() => performance.now());
    this.#wall = options.wallClock ?? (() => Date.now());
  }

  /** Record one advert of `peer` disagreeing for `reason`; says whether to log it. */
  note(peer: string, reason: MisconfigReason, detail: string): MisconfigNote {
    const key = `${peer} ${reason}`;
    const now = this.#now();
    const wall = this.#wall();
    const slot = this.#slots.get(key);
    if (!slot) {
      if (this.#slots.size >= this.#max) this.#evictOldest();
      this.#slots.set(key, { peer, reason, detail, count: 1, firstSeen: wall, lastSeen: wall, lastLogAt: now, lastAt: now, unlogged: 0 });
      return { log: true, unlogged: 0 };
    }
    slot.count++;
    slot.lastSeen = wall;
    slot.lastAt = now;
    // Strictly one line per window, even if the detail changed: a spoofing peer
    // varying its packets must not get past the limit. Status shows the latest.
    slot.detail = detail;
    if (now - slot.lastLogAt >= this.#windowMs || now < slot.lastLogAt) {
      const unlogged = slot.unlogged;
      slot.unlogged = 0;
      slot.lastLogAt = now;
      return { log: true, unlogged };
    }
    slot.unlogged++;
    return { log: false, unlogged: slot.unlogged };
  }

  /** The disagreements seen within the expiry time, oldest first. */
  entries(): MisconfigEntry[] {
    const now = this.#now();
    const out: MisconfigEntry[] = [];
    for (const [key, s] of this.#slots) {
      if (now - s.lastAt > this.#expireMs) {
        this.#slots.delete(key);
        continue;
      }
      out.push({ peer: s.peer, reason: s.reason, detail: s.detail, count: s.count, firstSeen: s.firstSeen, lastSeen: s.lastSeen });
    }
    return out;
  }

  #evictOldest(): void {
    let oldestKey: string | undefined;
    let oldest = Infinity;
    for (const [k, s] of this.#slots) {
      if (s.lastAt < oldest) {
        oldest = s.lastAt;
        oldestKey = k;
      }
    }
    if (oldestKey !== undefined) this.#slots.delete(oldestKey);
  }
}
