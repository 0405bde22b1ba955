// The event kind of the BFD plugin: the core knows none of it (docs/architecture.md, "Events are open").
import type { EventDeclaration, GenericEvent } from '@hacore/core';
import type { BfdStateName } from './codec.js';

/** A session's state in events; `none` is the `from` of the event a session emits when it starts. */
export type BfdEventState = BfdStateName | 'none';

declare module '@hacore/core' {
  interface HacoreEventMap {
    /** A BFD session changed state (or started: from `none`). */
    'bfd-state': { instance: string; neighbor: string; local: string; from: BfdEventState; to: BfdStateName; diag: number; diagText: string };
  }
}

export const BFD_STATE_EVENT = 'bfd-state';

export const BFD_EVENTS: readonly EventDeclaration[] = [
  {
    kind: BFD_STATE_EVENT,
    description: 'A BFD session changed state (AdminDown, Down, Init, Up), with the diagnostic; a starting session reports Down from none.',
    replayKey: ['instance'],
    describe: (e: GenericEvent) => ({
      title: `BFD Instance ${String(e.instance)} (${String(e.neighbor)})`,
      change: String(e.to).toUpperCase(),
      detail: `=> BFD session ${String(e.to)}: ${String(e.diagText)} <=`,
    }),
    counters: [{ name: 'hacore_bfd_transitions_total', help: 'BFD session state changes seen in events, by instance and new state.', labels: { instance: 'instance', to: 'to' } }],
  },
];

/** The fields of a `bfd-state` event, read from an event of any compilation. */
export function readBfdState(e: GenericEvent): { instance: string; to: BfdStateName } | undefined {
  if (e.kind !== BFD_STATE_EVENT || typeof e.instance !== 'string' || typeof e.to !== 'string') return undefined;
  return { instance: e.instance, to: e.to as BfdStateName };
}
