/**
 * Tracking, pure: the effective priority and the fault flag of an instance from
 * the states of what it tracks (interfaces, checks, scripts), with keepalived's
 * weight convention:
 *   weight > 0  added while the item is up,
 *   weight < 0  subtracted (added, being negative) while the item is down,
 *   weight = 0  the instance is in Fault while the item is down.
 * An item whose state is not known yet counts as neither up nor down.
 */
import type { TrackRef } from './config-schema.js';

export type TrackKind = 'interface' | 'check' | 'script';
export type TrackItemState = 'up' | 'down' | 'unknown';

export interface TrackedItem {
  kind: TrackKind;
  name: string;
  weight: number;
  state: TrackItemState;
}

export interface TrackingResult {
  /** Priority to advertise: 1..254, or 255 for an address owner (weights ignored). */
  effective: number;
  fault: boolean;
  /** Why, when fault: e.g. `interface eth1 down`, `check web down`. */
  faultReason: string | undefined;
}

export const OWNER_PRIORITY = 255;

/** Evaluates tracking. `ownInterfaceUp` false always means Fault. */
export function evaluateTracking(base: number, items: readonly TrackedItem[], ownInterface: { name: string; up: boolean }): TrackingResult {
  let fault = !ownInterface.up;
  let faultReason = fault ? `interface ${ownInterface.name} down` : undefined;
  let sum = 0;
  for (const it of items) {
    if (it.weight === 0) {
      if (it.state === 'down' && !fault) {
        fault = true;
        faultReason = `${it.kind} ${it.name} down`;
      }
    } else if (it.weight > 0 && it.state === 'up') sum += it.weight;
    else if (it.weight < 0 && it.state === 'down') sum += it.weight;
  }
  // keepalived: the address owner keeps 255; others stay within 1..254 whatever the weights.
  const effective = base >= OWNER_PRIORITY ? OWNER_PRIORITY : Math.min(254, Math.max(1, base + sum));
  return { effective, fault, faultReason };
}

/** The tracked items of one instance and their current states. */
export class TrackingSet {
  private readonly items: TrackedItem[] = [];

  constructor(refs: { interfaces: readonly TrackRef[]; checks: readonly TrackRef[]; scripts: readonly TrackRef[] }) {
    for (const r of refs.interfaces) this.items.push({ kind: 'interface', name: r.name, weight: r.weight, state: 'unknown' });
    for (const r of refs.checks) this.items.push({ kind: 'check', name: r.name, weight: r.weight, state: 'unknown' });
    for (const r of refs.scripts) this.items.push({ kind: 'script', name: r.name, weight: r.weight, state: 'unknown' });
  }

  /** Sets the state of every item of that kind and name; true if anything changed. */
  set(kind: TrackKind, name: string, state: TrackItemState): boolean {
    let changed = false;
    for (const it of this.items) {
      if (it.kind === kind && it.name === name && it.state !== state) {
        it.state = state;
        changed = true;
      }
    }
    return changed;
  }

  has(kind: TrackKind, name: string): boolean {
    return this.items.some((it) => it.kind === kind && it.name === name);
  }

  names(kind: TrackKind): string[] {
    return [...new Set(this.items.filter((it) => it.kind === kind).map((it) => it.name))];
  }

  list(): readonly TrackedItem[] {
    return this.items;
  }

  evaluate(base: number, ownInterface: { name: string; up: boolean }): TrackingResult {
    return evaluateTracking(base, this.items, ownInterface);
  }
}
