/**
 * `type: bfd` (keepalived BFD_CHECK): a check that follows a named BFD
 * session. The sessions run in the bfd process; their `bfd-state` events reach
 * the check process through the supervisor, and BfdStateBook keeps the latest
 * per session. A probe answers at once when the state differs from what the
 * previous probe reported, and otherwise waits for a change (up to 80 % of the
 * check's timeout), so with the short default interval a change reaches the
 * scheduler within a few milliseconds while an idle check probes about once
 * per timeout.
 */
import type { CheckResult, CheckSpec, Checker, GenericEvent } from '@hacore/core';
import { schema as s } from '@hacore/core';
import type { BfdStateName } from './codec.js';
import { readBfdState } from './events.js';

export interface BookEntry {
  state: BfdStateName;
  diagText: string;
  at: number;
}

/** The latest state of every BFD session, from the event stream of this process. */
export class BfdStateBook {
  private readonly entries = new Map<string, BookEntry>();
  private readonly waiters = new Map<string, Set<() => void>>();

  observe(e: GenericEvent): void {
    const r = readBfdState(e);
    if (!r) return;
    const prev = this.entries.get(r.instance);
    this.entries.set(r.instance, { state: r.to, diagText: typeof e.diagText === 'string' ? e.diagText : '', at: typeof e.time === 'number' ? e.time : Date.now() });
    if (prev?.state === r.to) return;
    const ws = this.waiters.get(r.instance);
    if (!ws) return;
    this.waiters.delete(r.instance);
    for (const w of ws) w();
  }

  get(name: string): BookEntry | undefined {
    return this.entries.get(name);
  }

  /** Resolves at the next change of the session's state, after `ms`, or when `signal` aborts. */
  nextChange(name: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(name);
      if (!set) this.waiters.set(name, (set = new Set()));
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set!.delete(done);
        if (set!.size === 0 && this.waiters.get(name) === set) this.waiters.delete(name);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }

  /** Waiters parked now (leak tests). */
  waiting(): number {
    let n = 0;
    for (const s of this.waiters.values()) n += s.size;
    return n;
  }
}

/** Options of a `type: bfd` check, on top of the common check fields. */
export const bfdCheckOptions = s.object({
  session: s.string({ pattern: /^[A-Za-z0-9_.:@-]{1,64}$/, patternText: 'the name of a session under bfd.instances' }).describe('The BFD session followed (keepalived BFD_CHECK `name`): Up is a success, anything else a failure.'),
  interval: s
    .optional(s.duration({ min: 10 }), 10)
    .describe('Pause between two probes. A probe only reads the session state and waits for its next change, so the default is short. Default 10ms.'),
});

export type BfdCheckSpec = CheckSpec<{ session: string }>;

export class BfdChecker implements Checker {
  private reported: string | undefined;

  constructor(
    private readonly spec: BfdCheckSpec,
    private readonly book: BfdStateBook,
  ) {}

  async probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    const key = (): string => this.book.get(this.spec.session)?.state ?? 'unknown';
    if (key() === this.reported && !signal.aborted) await this.book.nextChange(this.spec.session, Math.max(1, this.spec.timeout * 0.8), signal);
    const e = this.book.get(this.spec.session);
    this.reported = key();
    const latencyMs = performance.now() - started;
    if (!e) return { ok: false, latencyMs, reason: `bfd ${this.spec.session}: no state from the bfd process yet` };
    if (e.state === 'Up') return { ok: true, latencyMs, reason: 'bfd Up' };
    return { ok: false, latencyMs, reason: `bfd ${e.state}${e.diagText && e.diagText !== 'no diagnostic' ? ` (${e.diagText})` : ''}` };
  }
}
