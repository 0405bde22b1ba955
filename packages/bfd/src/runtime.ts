/**
 * The sessions of the `bfd` section in the process that runs them: one
 * UdpBfdSession per instance, a `bfd-state` event for each change of state
 * (and one at start), the status section, and reloads that keep unchanged
 * sessions running.
 */
import { randomInt } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Logger } from '@hacore/core';
import { BfdState, DIAG_TEXT, STATE_NAMES, type BfdStateName } from './codec.js';
import type { BfdInstanceConfig, BfdSectionConfig } from './config-schema.js';
import type { BfdEventState } from './events.js';
import { SINGLE_HOP_TTL } from './ports.js';
import { BfdReceiver, type ReceiverStatus } from './receiver.js';
import { UdpBfdSession, type UdpSessionCounters } from './udp-session.js';

export interface BfdStateChange {
  instance: string;
  neighbor: string;
  local: string;
  from: BfdEventState;
  to: BfdStateName;
  diag: number;
  diagText: string;
}

/** One session's row in `hacore status` (intervals in ms). */
export interface BfdSessionStatus {
  name: string;
  neighbor: string;
  local: string;
  state: BfdStateName;
  remoteState: BfdStateName;
  diag: number;
  diagText: string;
  since: number;
  transitions: number;
  localDiscr: number;
  remoteDiscr: number;
  txIntervalMs: number;
  detectionTimeMs: number;
  counters: UdpSessionCounters;
}

interface Running {
  config: BfdInstanceConfig;
  session: UdpBfdSession;
  since: number;
  transitions: number;
}

/** The session options of an instance: keepalived's ms become RFC 5880's µs. */
export function sessionOptions(c: BfdInstanceConfig, localDiscr: number) {
  const us = (ms: number): number => Math.round(ms * 1000);
  const maxHops = c.maxHops ?? (c.multihop ? 1 : 0);
  return {
    peer: c.neighbor,
    ...(c.source !== undefined ? { local: c.source } : {}),
    ...(c.interface !== undefined ? { interface: c.interface } : {}),
    localDiscr,
    desiredMinTx: us(c.minTx),
    requiredMinRx: us(c.minRx),
    idleTx: us(c.idleTx),
    detectMult: c.multiplier,
    passive: c.passive,
    multihop: c.multihop,
    ttl: c.ttl,
    minTtl: maxHops >= 255 ? 0 : SINGLE_HOP_TTL - maxHops,
  };
}

export class BfdRuntime {
  private readonly sessions = new Map<string, Running>();
  private readonly discrs = new Set<number>();

  constructor(
    private readonly log: Logger,
    private readonly onChange: (c: BfdStateChange) => void,
  ) {}

  start(section: BfdSectionConfig): void {
    for (const c of section.instances) this.open(c);
  }

  /** Unchanged sessions keep running (and their state); changed ones start over; removed ones stop. */
  reload(next: BfdSectionConfig): { started: string[]; stopped: string[] } {
    const byName = new Map(next.instances.map((c) => [c.name, c]));
    const stopped: string[] = [];
    for (const [name, r] of this.sessions) {
      const c = byName.get(name);
      if (!c || JSON.stringify(c) !== JSON.stringify(r.config)) {
        this.close(name);
        stopped.push(name);
      }
    }
    const started: string[] = [];
    for (const c of next.instances) {
      if (this.sessions.has(c.name)) continue;
      this.open(c);
      started.push(c.name);
    }
    return { started, stopped };
  }

  stop(): void {
    for (const name of [...this.sessions.keys()]) this.close(name);
  }

  names(): string[] {
    return [...this.sessions.keys()];
  }

  get(name: string): UdpBfdSession | undefined {
    return this.sessions.get(name)?.session;
  }

  private allocDiscr(): number {
    for (;;) {
      const d = randomInt(1, 2 ** 32 - 1);
      if (!this.discrs.has(d)) {
        this.discrs.add(d);
        return d;
      }
    }
  }

  private open(c: BfdInstanceConfig): void {
    const discr = this.allocDiscr();
    const local = c.source ?? (isIPv6(c.neighbor) ? '::' : '0.0.0.0');
    const change = (from: BfdEventState, to: BfdState, diag: number): void => {
      const r = this.sessions.get(c.name);
      if (r) {
        r.since = Date.now();
        if (from !== 'none') r.transitions++;
      }
      const diagText = DIAG_TEXT[diag] ?? `diagnostic ${diag}`;
      const ev: BfdStateChange = { instance: c.name, neighbor: c.neighbor, local, from, to: STATE_NAMES[to], diag, diagText };
      const level = to === BfdState.Up || from === 'none' ? 'info' : 'warn';
      this.log[level]({ bfd: c.name, neighbor: c.neighbor, from, to: ev.to, diag }, `BFD ${c.name} (${c.neighbor}): ${from} -> ${ev.to} (${diagText})`);
      this.onChange(ev);
    };
    const session = new UdpBfdSession(sessionOptions(c, discr), (from, to, diag) => change(STATE_NAMES[from], to, diag));
    this.sessions.set(c.name, { config: c, session, since: Date.now(), transitions: 0 });
    try {
      session.start();
    } catch (err) {
      this.sessions.delete(c.name);
      this.discrs.delete(discr);
      throw Object.assign(new Error(`bfd.instances ${c.name}: cannot open the session to ${c.neighbor}${c.source ? ` from ${c.source}` : ''}: ${(err as Error).message}`, { cause: err }), {
        code: 'HACORE_BFD_ERR_SOCKET',
      });
    }
    // Trackers and checks learn that the session exists and is not Up yet.
    change('none', BfdState.Down, 0);
  }

  private close(name: string): void {
    const r = this.sessions.get(name);
    if (!r) return;
    r.session.stop();
    this.discrs.delete(r.session.localDiscr);
    this.sessions.delete(name);
  }

  status(): { sessions: BfdSessionStatus[]; receivers: ReceiverStatus[] } {
    return {
      sessions: [...this.sessions.values()].map((r) => {
        const v = r.session.session.variables();
        return {
          name: r.config.name,
          neighbor: r.config.neighbor,
          local: r.session.local,
          state: STATE_NAMES[v.state],
          remoteState: STATE_NAMES[v.remoteState],
          diag: v.localDiag,
          diagText: DIAG_TEXT[v.localDiag] ?? '',
          since: r.since,
          transitions: r.transitions,
          localDiscr: v.localDiscr,
          remoteDiscr: v.remoteDiscr,
          txIntervalMs: v.txInterval / 1000,
          detectionTimeMs: v.detectionTime / 1000,
          counters: { ...r.session.counters, discards: { ...r.session.counters.discards } },
        };
      }),
      receivers: BfdReceiver.status(),
    };
  }

  /** Armed timers of every session (leak tests). */
  timersArmed(): number {
    let n = 0;
    for (const r of this.sessions.values()) n += r.session.timersArmed();
    return n;
  }
}
