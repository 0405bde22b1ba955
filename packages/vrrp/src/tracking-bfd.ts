/**
 * VRRP instances tracking BFD sessions (keepalived track_bfd). The sessions
 * run in the bfd process (@hacore/bfd); their `bfd-state` events reach the
 * vrrp process through the supervisor, read here by kind and fields so that
 * this package needs no dependency on @hacore/bfd. A session that is Up is
 * `up`; Down, Init and AdminDown are `down`; a session never heard of counts
 * as neither (the bfd process reports every session as Down when it starts).
 * `reverse` swaps up and down for that instance and negates the weight, so
 * weight 0 reverse is a Fault while the session is Up, as in keepalived.
 */
import { schema as s, type ConfigIssue, type GenericEvent, type HacoreConfig, type HacoreCore } from '@hacore/core';
import type { TrackItemState, TrackKind } from './tracking.js';

/** An instance's reference to a BFD session. */
export interface TrackBfdRef {
  name: string;
  weight: number;
  reverse: boolean;
}

const NAME = s.string({ pattern: /^[A-Za-z0-9_.:@-]{1,64}$/, patternText: 'the name of a session under bfd.instances' });
const WEIGHT = s.integer({ min: -253, max: 253 });

/** `track.bfd` items: a session name, or { name, weight, reverse }. */
export const trackBfdRefSchema: s.Schema<TrackBfdRef> = s.transform(
  s.union(
    NAME,
    s.object({
      name: NAME.describe('Name of a session under bfd.instances.'),
      weight: s.optional(WEIGHT, 0).describe('Weight: >0 added while Up, <0 subtracted while not Up, 0 = Fault while not Up.'),
      reverse: s.optional(s.boolean(), false).describe('Swap Up and not Up for this instance, and negate the weight (keepalived `reverse`).'),
    }),
  ),
  (v) => (typeof v === 'string' ? { name: v, weight: 0, reverse: false } : { name: v.name, weight: v.weight ?? 0, reverse: v.reverse ?? false }),
  'a BFD session name, or { name, weight, reverse } with weight from -253 to 253',
);

/** As the tracking set holds it: reverse is the negated weight (see evaluateTracking). */
export function trackedWeight(ref: TrackBfdRef): number {
  return ref.reverse ? -ref.weight : ref.weight;
}

/** What the tracking needs of an instance. */
export interface BfdTrackingTarget {
  readonly config: { readonly name: string; readonly track: { readonly bfd?: readonly TrackBfdRef[] } };
  setTracked(kind: TrackKind, name: string, state: TrackItemState): void;
}

interface VrrpLike {
  instances?: { name?: string; track?: { bfd?: TrackBfdRef[] } }[];
}

/** `track.bfd` must name sessions of the `bfd` section (of @hacore/bfd). */
export function bfdTrackIssues(config: HacoreConfig): ConfigIssue[] {
  const vrrp = config['vrrp'] as VrrpLike | undefined;
  const bfd = config['bfd'] as { instances?: { name: string }[] } | undefined;
  const names = (bfd?.instances ?? []).map((i) => i.name);
  const issues: ConfigIssue[] = [];
  (vrrp?.instances ?? []).forEach((inst, i) => {
    const seen = new Set<string>();
    (inst.track?.bfd ?? []).forEach((t, j) => {
      const path = `vrrp.instances[${i}].track.bfd[${j}]`;
      if (!names.includes(t.name)) {
        const near = s.closest(t.name, names);
        issues.push({
          path,
          expected: bfd ? `the name of a session under bfd.instances (${names.join(', ') || 'none defined'})` : 'the name of a session under bfd.instances (is @hacore/bfd listed under plugins?)',
          found: JSON.stringify(t.name),
          ...(near ? { hint: `did you mean "${near}"?` } : {}),
        });
      } else if (seen.has(t.name)) issues.push({ path, expected: 'a session tracked once per instance', found: JSON.stringify(t.name) });
      seen.add(t.name);
    });
  });
  return issues;
}

function stateOf(e: GenericEvent): { name: string; up: boolean } | undefined {
  if (e.kind !== 'bfd-state' || typeof e.instance !== 'string' || typeof e.to !== 'string') return undefined;
  return { name: e.instance, up: e.to === 'Up' };
}

/** The latest state of every BFD session, handed to the instances that track it. */
export class BfdTracking {
  private readonly states = new Map<string, boolean>();
  private instances: () => Iterable<BfdTrackingTarget> = () => [];

  /** Validates track.bfd and follows bfd-state events in this core. */
  tap(core: HacoreCore, pluginName: string): void {
    core.hooks.validate.tap(`${pluginName}:track-bfd`, (config, issues) => void issues.push(...bfdTrackIssues(config)));
    core.hooks.event.tap(`${pluginName}:track-bfd`, (e) => this.observe(e));
  }

  /** The instances now running (after each build): they learn every known state at once. */
  attach(instances: () => Iterable<BfdTrackingTarget>): void {
    this.instances = instances;
    for (const [name, up] of this.states) this.publish(name, up);
  }

  observe(e: GenericEvent): void {
    const st = stateOf(e);
    if (!st) return;
    this.states.set(st.name, st.up);
    this.publish(st.name, st.up);
  }

  private publish(name: string, up: boolean): void {
    for (const i of this.instances()) {
      const ref = i.config.track.bfd?.find((r) => r.name === name);
      if (!ref) continue;
      i.setTracked('bfd', name, up !== ref.reverse ? 'up' : 'down');
    }
  }
}

const byCore = new WeakMap<HacoreCore, BfdTracking>();

/** The BFD tracking of one core (one per process). */
export function bfdTrackingFor(core: HacoreCore): BfdTracking {
  let t = byCore.get(core);
  if (!t) byCore.set(core, (t = new BfdTracking()));
  return t;
}
