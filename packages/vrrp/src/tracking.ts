/**
 * Tracking, pure: the effective priority and the fault flag of an instance from
 * the states of what it tracks (interfaces, checks, scripts), with keepalived's
 * weight convention:
 *   weight > 0  added while the item is up,
 *   weight < 0  subtracted (added, being negative) while the item is down,
 *   weight = 0  the instance is in Fault while the item is down.
 * An item whose state is not known yet counts as neither up nor down.
 * A tracked file (keepalived track_file) is different: its value, not an
 * up/down state, makes its contribution (see fileContribution).
 */
import type { FileReading } from '@hacore/checker-file';
import type { TrackFileRef, TrackRef } from './config-schema.js';
import { trackedWeight, type TrackBfdRef } from './tracking-bfd.js';

export type TrackKind = 'interface' | 'check' | 'script' | 'file' | 'bfd';
export type TrackItemStateName = 'up' | 'down' | 'unknown';
/** What `set` takes: a state, or for a file what it holds (FileReading from @hacore/checker-file). */
export type TrackItemState = TrackItemStateName | FileReading;

export interface TrackedItem {
  kind: TrackKind;
  name: string;
  weight: number;
  state: TrackItemStateName;
  /** Files: keepalived `reverse`. */
  reverse?: boolean;
  /** Files: the value last read, and what it adds to the priority while not down. */
  value?: number;
  contribution?: number;
  /** Files: why the file is down (its value, or bad content). */
  why?: string;
}

/**
 * keepalived's track_file for a VRRP instance: with weight 0 a non-zero value
 * is a fault (reverse: a zero value is); otherwise value × weight (negated with
 * reverse), limited to -254..253, is added to the priority, and -254 is a fault.
 * Content that is not an integer is a fault (keepalived would read it as 0).
 */
export function fileContribution(reading: FileReading, weight: number, reverse: boolean): { fault: boolean; contribution: number; why: string } {
  if ('invalid' in reading) return { fault: true, contribution: 0, why: reading.invalid };
  const v = reading.value;
  const label = reading.missing ? 'missing (0)' : `value ${v}`;
  if (weight === 0) return { fault: (v !== 0) !== reverse, contribution: 0, why: label };
  const product = Math.min(253, Math.max(-254, v * weight * (reverse ? -1 : 1)));
  return { fault: product === -254, contribution: product === -254 ? 0 : product, why: label };
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
    if (it.kind === 'file') {
      if (it.state === 'down' && !fault) {
        fault = true;
        faultReason = `file ${it.name} down (${it.why ?? 'fault'})`;
      } else if (it.state === 'up') sum += it.contribution ?? 0;
      continue;
    }
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

  constructor(refs: { interfaces: readonly TrackRef[]; checks: readonly TrackRef[]; scripts: readonly TrackRef[]; files?: readonly TrackFileRef[]; bfd?: readonly TrackBfdRef[] }) {
    for (const r of refs.interfaces) this.items.push({ kind: 'interface', name: r.name, weight: r.weight, state: 'unknown' });
    for (const r of refs.checks) this.items.push({ kind: 'check', name: r.name, weight: r.weight, state: 'unknown' });
    for (const r of refs.scripts) this.items.push({ kind: 'script', name: r.name, weight: r.weight, state: 'unknown' });
    for (const r of refs.files ?? []) this.items.push({ kind: 'file', name: r.name, weight: r.weight, reverse: r.reverse, state: 'unknown' });
    for (const r of refs.bfd ?? []) this.items.push({ kind: 'bfd', name: r.name, weight: trackedWeight(r), state: 'unknown' });
  }

  /**
   * Sets the state of every item of that kind and name; true if anything changed.
   * A file takes its reading, each item mapping it with its own weight and reverse.
   */
  set(kind: TrackKind, name: string, state: TrackItemState): boolean {
    let changed = false;
    for (const it of this.items) {
      if (it.kind !== kind || it.name !== name) continue;
      if (typeof state === 'object') {
        if (it.kind !== 'file') continue;
        const f = fileContribution(state, it.weight, it.reverse ?? false);
        const next: TrackItemStateName = f.fault ? 'down' : 'up';
        const value = 'value' in state ? state.value : undefined;
        // Only what changes the priority or the fault counts as a change; the value and why follow silently.
        if (it.state !== next || it.contribution !== f.contribution) changed = true;
        it.state = next;
        it.contribution = f.contribution;
        it.why = f.why;
        if (value === undefined) delete it.value;
        else it.value = value;
      } else if (it.state !== state) {
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
