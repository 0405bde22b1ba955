// The event kinds of the VRRP plugin, and the types that go with them: the
// core knows none of them (see docs/architecture.md, "Events are open").
import type { EventDeclaration, GenericEvent } from '@hacore/core';

/** The state of an instance as events and notifiers report it; STOP is an instance that was shut down. */
export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

/** What the `transition` hook tells about an instance. */
export interface VrrpInstanceInfo {
  name: string;
  vrid: number;
  interface: string;
  version: 2 | 3;
  family: 4 | 6;
  priority: number;
  effectivePriority: number;
  group?: string;
}

declare module '@hacore/core' {
  interface HacoreEventMap {
    /** A VRRP instance changed state. */
    'vrrp-transition': { instance: string; group?: string; vrid: number; from: VrrpState; to: VrrpState; priority: number; reason: string };
    /** A VRRP sync group changed state. */
    'vrrp-group-transition': { group: string; from: VrrpState; to: VrrpState; reason: string };
  }
}

function entering(to: unknown): string {
  return to === 'STOP' ? 'Stopping' : `Entering ${String(to)} state`;
}

export const VRRP_EVENTS: readonly EventDeclaration[] = [
  {
    kind: 'vrrp-transition',
    description: 'A VRRP instance changed state (INIT, BACKUP, MASTER, FAULT, STOP), with the priority it advertises and why.',
    replayKey: ['instance'],
    describe: (e: GenericEvent) => ({
      title: `VRRP Instance ${String(e.instance)}`,
      change: entering(e.to),
      detail:
        e.to === 'MASTER'
          ? '=> VRRP instance now owns its virtual addresses <='
          : e.to === 'STOP'
            ? '=> VRRP instance stopping <='
            : '=> VRRP instance no longer owns its virtual addresses <=',
    }),
    counters: [{ name: 'hacore_vrrp_transitions_total', help: 'VRRP instance transitions seen in events.', labels: { instance: 'instance', from: 'from', to: 'to' } }],
  },
  {
    kind: 'vrrp-group-transition',
    description: 'A VRRP sync group changed state.',
    replayKey: ['group'],
    describe: (e: GenericEvent) => ({
      title: `VRRP Group ${String(e.group)}`,
      change: entering(e.to),
      detail: `=> All VRRP group instances are now in ${String(e.to)} state <=`,
    }),
    counters: [{ name: 'hacore_vrrp_group_transitions_total', help: 'VRRP sync group transitions seen in events.', labels: { group: 'group', to: 'to' } }],
  },
];
