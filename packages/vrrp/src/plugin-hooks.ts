/** The vrrp plugin's own hooks, keyed by the core (webpack's getCompilationHooks pattern). */
import type { HacoreCore } from '@hacore/core';
import { AsyncParallelHook, SyncHook } from 'tapable';
import type { VrrpInstanceInfo } from './events.js';
import type { TransitionInfo } from './instance-counters.js';

/** The plugin's own hooks, for other plugins: `VrrpPlugin.getHooks(core)`. */
export interface VrrpHooks {
  /** Parallel: an instance changed state, with the reason and the priority it now advertises. */
  readonly transition: AsyncParallelHook<[VrrpInstanceInfo, TransitionInfo]>;
  /** Sync: a received packet was dropped (instance name or `ifname/family` for the socket, reason). */
  readonly drop: SyncHook<[string, string]>;
}

const hooksByCore = new WeakMap<HacoreCore, VrrpHooks>();

/** The hooks of `core`, made on first use (`VrrpPlugin.getHooks(core)`). */
export function vrrpHooksFor(core: HacoreCore): VrrpHooks {
  let h = hooksByCore.get(core);
  if (!h) {
    h = Object.freeze({
      transition: new AsyncParallelHook<[VrrpInstanceInfo, TransitionInfo]>(['instance', 'transition']),
      drop: new SyncHook<[string, string]>(['where', 'reason']),
    });
    hooksByCore.set(core, h);
  }
  return h;
}
