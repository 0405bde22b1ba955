/** What one VRRP instance counts, and what it reports for each transition. */
import { emptyDropCounters, type DropCounters } from './drop-reasons.js';
import type { VrrpStateName } from './state-machine-types.js';
import type { ShellDropReason } from './transport.js';

export interface InstanceCounters {
  advertsSent: number;
  advertsReceived: number;
  sendErrors: number;
  transitions: number;
  becameMaster: number;
  drops: DropCounters & Record<ShellDropReason, number>;
  warnings: { intervalMismatch: number };
  vipRemovedExternally: number;
}

export interface TransitionInfo {
  from: VrrpStateName;
  to: VrrpStateName;
  reason: string;
  priority: number;
}

export function emptyInstanceCounters(): InstanceCounters {
  return {
    advertsSent: 0,
    advertsReceived: 0,
    sendErrors: 0,
    transitions: 0,
    becameMaster: 0,
    drops: { ...emptyDropCounters(), short: 0, unknownVrid: 0, truncated: 0, notOurPeer: 0 },
    warnings: { intervalMismatch: 0 },
    vipRemovedExternally: 0,
  };
}
