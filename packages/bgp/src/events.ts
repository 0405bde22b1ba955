// The event kinds of the BGP plugin: the core knows none of them.
import type { EventDeclaration } from '@hacore/core';

declare module '@hacore/core' {
  interface HacoreEventMap {
    /** A prefix is now announced (or re-announced with other attributes). */
    'bgp-announce': { prefix: string; flavour: 'normal' | 'degraded' | 'gshut'; reason: string };
    /** A prefix is no longer announced. */
    'bgp-withdraw': { prefix: string; reason: string };
  }
}

export const BGP_EVENTS: readonly EventDeclaration[] = [
  {
    kind: 'bgp-announce',
    description: 'A prefix is announced over BGP (its condition holds), with the attributes it carries (normal, degraded = prepended, gshut = RFC 8326 community).',
    replayKey: ['prefix'],
    describe: (e) => ({ title: `BGP prefix ${String(e.prefix)}`, change: 'ANNOUNCED', detail: `=> ${String(e.flavour)}: ${String(e.reason)} <=` }),
    counters: [{ name: 'hacore_bgp_announcements_total', help: 'BGP announcements of a prefix.', labels: { prefix: 'prefix', flavour: 'flavour' } }],
  },
  {
    kind: 'bgp-withdraw',
    description: 'A prefix is withdrawn from BGP (its condition failed, or hacore stops).',
    replayKey: ['prefix'],
    describe: (e) => ({ title: `BGP prefix ${String(e.prefix)}`, change: 'WITHDRAWN', detail: `=> ${String(e.reason)} <=` }),
    counters: [{ name: 'hacore_bgp_withdrawals_total', help: 'BGP withdrawals of a prefix.', labels: { prefix: 'prefix' } }],
  },
];
