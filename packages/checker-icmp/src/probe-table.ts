/**
 * The table of probes in flight on one socket and the matcher of replies to
 * them: pure, driven by the caller and a clock it passes in.
 *
 * A probe is known by a 32-bit key, sent as identifier (high 16 bits) and
 * sequence (low 16 bits). A reply is matched by identifier AND sequence, then
 * its payload must equal what was sent and its source must be the target; a
 * reply that fails either check is counted and ignored, so a stray packet can
 * never settle a probe. Keys of probes that timed out stay "expired" for a
 * while, so that a late reply is recognised (and counted) rather than mistaken
 * for a foreign packet, and so that such keys are not reused too early.
 */

export type ProbeOutcome = { kind: 'reply' } | { kind: 'error'; reason: string };

export interface PendingProbe {
  key: number;
  /** Canonical text of the target address. */
  address: string;
  payload: Buffer;
  settle(outcome: ProbeOutcome): void;
}

export type MatchResult = 'matched' | 'late' | 'unknown' | 'payload-mismatch' | 'source-mismatch';

export interface ProbeTableCounters {
  matched: number;
  late: number;
  unknown: number;
  payloadMismatch: number;
  sourceMismatch: number;
  errors: number;
}

export interface ProbeTableOptions {
  /** How long a timed-out probe's key is remembered, to count its late reply. */
  lateWindowMs?: number;
  /** Upper bound of remembered timed-out keys (oldest forgotten first). */
  maxExpired?: number;
  now?: () => number;
  /** First key; random by default so two sockets of one host start apart. */
  firstKey?: number;
}

interface ExpiredProbe {
  address: string;
  payload: Buffer;
  until: number;
}

export function keyOf(id: number, seq: number): number {
  return ((id & 0xffff) * 0x10000 + (seq & 0xffff)) >>> 0;
}

export function idOf(key: number): number {
  return key >>> 16;
}

export function seqOf(key: number): number {
  return key & 0xffff;
}

export class ProbeTable {
  private readonly pending = new Map<number, PendingProbe>();
  // Insertion order is expiry order (the window is constant), so pruning pops from the front.
  private readonly expired = new Map<number, ExpiredProbe>();
  private next: number;
  private readonly lateWindowMs: number;
  private readonly maxExpired: number;
  private readonly now: () => number;
  readonly counters: ProbeTableCounters = { matched: 0, late: 0, unknown: 0, payloadMismatch: 0, sourceMismatch: 0, errors: 0 };

  constructor(opts: ProbeTableOptions = {}) {
    this.lateWindowMs = opts.lateWindowMs ?? 30_000;
    this.maxExpired = opts.maxExpired ?? 131_072;
    this.now = opts.now ?? Date.now;
    this.next = (opts.firstKey ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
  }

  /** Probes in flight. */
  get size(): number {
    return this.pending.size;
  }

  /** Timed-out keys still remembered. */
  get expiredSize(): number {
    return this.expired.size;
  }

  /** The next free key (neither in flight nor remembered as expired). */
  allocate(): number {
    this.prune();
    // Bounded: at most pending + expired keys can be taken, far below 2^32.
    for (let tries = 0; tries <= this.pending.size + this.expired.size; tries++) {
      const key = this.next;
      this.next = (this.next + 1) >>> 0;
      if (!this.pending.has(key) && !this.expired.has(key)) return key;
    }
    throw new RangeError('no free ICMP identifier/sequence');
  }

  add(probe: PendingProbe): void {
    if (this.pending.has(probe.key) || this.expired.has(probe.key)) throw new RangeError(`key ${probe.key} is in use`);
    this.pending.set(probe.key, probe);
  }

  has(key: number): boolean {
    return this.pending.has(key);
  }

  /** An echo reply arrived with (id, seq) from `source` (canonical text). */
  onReply(id: number, seq: number, source: string, payload: Uint8Array): MatchResult {
    const key = keyOf(id, seq);
    const p = this.pending.get(key);
    if (p) {
      if (!p.payload.equals(payload)) return this.count('payloadMismatch', 'payload-mismatch');
      if (p.address !== source) return this.count('sourceMismatch', 'source-mismatch');
      this.pending.delete(key);
      this.counters.matched++;
      p.settle({ kind: 'reply' });
      return 'matched';
    }
    this.prune();
    const e = this.expired.get(key);
    if (e && e.address === source && e.payload.equals(payload)) {
      this.expired.delete(key);
      this.counters.late++;
      return 'late';
    }
    return this.count('unknown', 'unknown');
  }

  /** An ICMP error quoting our request (id, seq) to `destination` (canonical text). */
  onError(id: number, seq: number, destination: string, reason: string): MatchResult {
    const key = keyOf(id, seq);
    const p = this.pending.get(key);
    if (!p) return this.count('unknown', 'unknown');
    if (p.address !== destination) return this.count('sourceMismatch', 'source-mismatch');
    this.pending.delete(key);
    this.counters.errors++;
    p.settle({ kind: 'error', reason });
    return 'matched';
  }

  /**
   * The probe gave up (timeout, abort, send failure): forget it as pending but
   * remember its key for the late-reply window. Does not settle it.
   */
  expire(key: number): boolean {
    const p = this.pending.get(key);
    if (!p) return false;
    this.pending.delete(key);
    this.expired.set(key, { address: p.address, payload: p.payload, until: this.now() + this.lateWindowMs });
    this.prune();
    return true;
  }

  /** Forgets a probe without remembering it (it never went out). */
  remove(key: number): boolean {
    return this.pending.delete(key);
  }

  /** Settles every probe in flight (the socket is closing) and forgets everything. */
  drain(reason: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.expired.clear();
    for (const p of all) p.settle({ kind: 'error', reason });
  }

  private prune(): void {
    const now = this.now();
    for (const [key, e] of this.expired) {
      if (e.until > now && this.expired.size <= this.maxExpired) break;
      this.expired.delete(key);
    }
  }

  private count(counter: keyof ProbeTableCounters, result: MatchResult): MatchResult {
    this.counters[counter]++;
    return result;
  }
}
