import { AsyncParallelHook, AsyncSeriesHook, HookMap, SyncBailHook, SyncWaterfallHook } from 'tapable';
import type {
  CheckResult,
  CheckSpec,
  Checker,
  ConfigDiff,
  HacoreConfig,
  HacoreEvent,
  StatusReport,
  Target,
  TargetStateChange,
  VirtualServerInfo,
  VrrpInstanceInfo,
  VrrpState,
} from './types.js';

/**
 * The hooks of the core: the only way plugins meet. How each runs is part of
 * its contract: "bail" stops at the first tap that returns a value, "series"
 * awaits taps one after another, "parallel" starts them all and awaits all.
 * Changing a hook's arguments is a semver-major change of the plugin API.
 */
export interface CoreHooks {
  /** Bail, per check type: the first tap returning a Checker wins. Tap with `.for('tcp')`. */
  readonly checkerFactory: HookMap<SyncBailHook<[CheckSpec], Checker | undefined>>;
  /** Waterfall: plugins may add checks derived from their own sections (e.g. real servers' inline checks). */
  readonly collectChecks: SyncWaterfallHook<[CheckSpec[], HacoreConfig]>;
  /** Series: every completed probe, in order for one target. */
  readonly checkResult: AsyncSeriesHook<[Target, CheckResult]>;
  /** Parallel: a target's state changed after the rise/fall logic. */
  readonly targetState: AsyncParallelHook<[Target, TargetStateChange]>;
  /** Parallel: a VRRP instance changed state (from, to). Fired by the VRRP plugin. */
  readonly vrrpTransition: AsyncParallelHook<[VrrpInstanceInfo, VrrpState, VrrpState]>;
  /** Parallel: a virtual server gained or lost quorum. Fired by the IPVS plugin. */
  readonly quorum: AsyncParallelHook<[VirtualServerInfo, boolean]>;
  /** Parallel: the one event stream that notifiers consume (local and relayed events). */
  readonly event: AsyncParallelHook<[HacoreEvent]>;
  /** Series: the config is valid and the daemon starts; plugins open sockets here. */
  readonly start: AsyncSeriesHook<[HacoreConfig]>;
  /** Series: a new, valid config is being applied. */
  readonly reload: AsyncSeriesHook<[ConfigDiff]>;
  /**
   * Series, in reverse registration order (the last plugin to start is the first
   * to stop, as Fastify's close); a tap with an explicit `stage` keeps it.
   */
  readonly shutdown: AsyncSeriesHook<[string]>;
  /** Waterfall: plugins add their own section to the status document. */
  readonly status: SyncWaterfallHook<[StatusReport]>;
}

export function createHooks(): CoreHooks {
  const hooks: CoreHooks = Object.freeze({
    checkerFactory: new HookMap(() => new SyncBailHook<[CheckSpec], Checker | undefined>(['spec'])),
    collectChecks: new SyncWaterfallHook<[CheckSpec[], HacoreConfig]>(['checks', 'config']),
    checkResult: new AsyncSeriesHook<[Target, CheckResult]>(['target', 'result']),
    targetState: new AsyncParallelHook<[Target, TargetStateChange]>(['target', 'change']),
    vrrpTransition: new AsyncParallelHook<[VrrpInstanceInfo, VrrpState, VrrpState]>(['instance', 'from', 'to']),
    quorum: new AsyncParallelHook<[VirtualServerInfo, boolean]>(['virtualServer', 'up']),
    event: new AsyncParallelHook<[HacoreEvent]>(['event']),
    start: new AsyncSeriesHook<[HacoreConfig]>(['config']),
    reload: new AsyncSeriesHook<[ConfigDiff]>(['diff']),
    shutdown: new AsyncSeriesHook<[string]>(['reason']),
    status: new SyncWaterfallHook<[StatusReport]>(['status']),
  });
  reverseOrder(hooks.shutdown);
  return hooks;
}

/** Gives each tap without an explicit stage a decreasing stage, so taps run newest first. */
function reverseOrder(hook: { intercept(i: object): void }): void {
  let order = 0;
  hook.intercept({
    register(tap: { stage?: number }) {
      if (tap.stage === undefined || tap.stage === 0) tap.stage = -1e-6 * ++order;
      return tap;
    },
  });
}

/** Hooks whose taps are isolated: a throwing tap is logged and the others still run. */
export const ISOLATED_HOOKS = ['checkResult', 'targetState', 'vrrpTransition', 'quorum', 'event', 'reload'] as const;

type AnyFn = (...args: unknown[]) => unknown;

/**
 * Wraps every tap of the isolated hooks so that an exception or rejection is
 * reported (with the tap's name, which is the plugin's name) instead of failing
 * the call for everyone.
 */
export function isolateTaps(hooks: CoreHooks, onError: (plugin: string, hook: string, err: unknown) => void): void {
  for (const name of ISOLATED_HOOKS) {
    const hook = hooks[name] as unknown as { intercept(i: object): void };
    hook.intercept({
      register(tap: { name: string; type: 'sync' | 'async' | 'promise'; fn: AnyFn }) {
        const fn = tap.fn;
        if (tap.type === 'promise') {
          tap.fn = (...args: unknown[]) => {
            try {
              return Promise.resolve(fn(...args)).catch((err: unknown) => onError(tap.name, name, err));
            } catch (err) {
              onError(tap.name, name, err);
              return Promise.resolve();
            }
          };
        } else if (tap.type === 'async') {
          tap.fn = (...args: unknown[]) => {
            const cb = args[args.length - 1] as (err?: unknown) => void;
            const rest = args.slice(0, -1);
            try {
              fn(...rest, (err?: unknown) => {
                if (err) onError(tap.name, name, err);
                cb();
              });
            } catch (err) {
              onError(tap.name, name, err);
              cb();
            }
          };
        } else {
          tap.fn = (...args: unknown[]) => {
            try {
              return fn(...args);
            } catch (err) {
              onError(tap.name, name, err);
              return undefined;
            }
          };
        }
        return tap;
      },
    });
  }
}
