// The event kinds of the IPVS plugin, and the types that go with them: the
// core knows none of them (see docs/architecture.md, "Events are open").
import type { EventDeclaration, GenericEvent } from '@hacore/core';

/** What the `quorum` hook tells about a virtual server. */
export interface VirtualServerInfo {
  name: string;
  /** `198.51.100.10:80/tcp` or `fwmark:1`. */
  key: string;
  liveWeight: number;
  quorum: number;
}

declare module '@hacore/core' {
  interface HacoreEventMap {
    /** A real server went up or down in a virtual server. */
    'real-server': { virtualServer: string; realServer: string; up: boolean; weight: number; reason: string };
    /** A virtual server gained or lost its quorum. */
    quorum: { virtualServer: string; up: boolean; liveWeight: number; quorum: number };
  }
}

const upDown = (e: GenericEvent): string => (e.up ? 'up' : 'down');

export const IPVS_EVENTS: readonly EventDeclaration[] = [
  {
    kind: 'real-server',
    description: 'A real server of a virtual server went up or down (its checks, after rise/fall), with its weight.',
    replayKey: ['virtualServer', 'realServer'],
    describe: (e) => ({
      title: `Realserver ${String(e.realServer)} of virtual server ${String(e.virtualServer)}`,
      change: e.up ? 'UP' : 'DOWN',
      detail: `=> CHECK ${e.up ? 'succeeded' : 'failed'} on service: ${String(e.reason)} <=`,
    }),
    counters: [
      { name: 'hacore_real_server_transitions_total', help: 'Real server up/down events.', labels: { virtual_server: 'virtualServer', real_server: 'realServer', to: upDown } },
    ],
  },
  {
    kind: 'quorum',
    description: "A virtual server's live weight crossed its quorum (with hysteresis): it gained or lost quorum.",
    replayKey: ['virtualServer'],
    describe: (e) => ({
      title: `Virtual server ${String(e.virtualServer)}`,
      change: e.up ? 'quorum UP' : 'quorum DOWN',
      detail: `=> live weight ${String(e.liveWeight)}, quorum ${String(e.quorum)} <=`,
    }),
    counters: [{ name: 'hacore_quorum_transitions_total', help: 'Virtual server quorum gained/lost events.', labels: { virtual_server: 'virtualServer', to: upDown } }],
  },
];
