import { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, HookMap, SyncBailHook, SyncHook, SyncWaterfallHook } from 'tapable';
import type { ConfigIssue } from './errors.js';
import type {
  ActionRequest,
  CheckResult,
  CheckSpec,
  Checker,
  ConfigDiff,
  HacoreConfig,
  GenericEvent,
  StatusReport,
  Target,
  TargetStateChange,
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
  /**
   * Parallel: the one event stream that notifiers consume (local and relayed
   * events), of every declared kind, including kinds this compilation has no
   * types for: narrow with `isEvent(e, 'target-state')` or read it generically
   * with its declaration (`core.events`).
   */
  readonly event: AsyncParallelHook<[GenericEvent]>;
  /**
   * Sync, in every process, after every section is validated and the checks are
   * collected: cross-references between sections (a VRRP instance tracking a
   * check, a sync group naming instances). A tap pushes issues and never throws;
   * the core reports them with file:line as schema errors, and nothing starts.
   * It runs for plugins of other roles too, so `check-config` and every process
   * refuse the same files.
   */
  readonly validate: SyncHook<[HacoreConfig, ConfigIssue[]]>;
  /** Series: the config is valid and the daemon starts; plugins open sockets here. */
  readonly start: AsyncSeriesHook<[HacoreConfig]>;
  /**
   * Series, before a reload is committed in any process: check the new config
   * against this process's live state and allocate what the commit needs. Throw
   * (a HacoreError with a code) to refuse the reload: then no process applies it
   * and `abortReload` runs where `prepareReload` had succeeded.
   */
  readonly prepareReload: AsyncSeriesHook<[ConfigDiff]>;
  /** Series: a prepared reload was refused elsewhere; release what `prepareReload` allocated. */
  readonly abortReload: AsyncSeriesHook<[ConfigDiff]>;
  /**
   * Series: commit a reload that every process has prepared. A failure here is a
   * partial reload (HACORE_ERR_RELOAD_PARTIAL): find problems in `prepareReload`.
   */
  readonly reload: AsyncSeriesHook<[ConfigDiff]>;
  /**
   * Sync, first thing on stop, before the checks stop, the stop event or any
   * `shutdown` tap: only for what must leave the box at once and cannot wait
   * (VRRP's priority-0 advert, so a Backup takes over after its skew time). A tap
   * must not block or throw; an error is logged and the stop goes on.
   */
  readonly stopping: SyncHook<[string]>;
  /**
   * Series, in reverse registration order (the last plugin to start is the first
   * to stop, as Fastify's close); a tap with an explicit `stage` keeps it.
   */
  readonly shutdown: AsyncSeriesHook<[string]>;
  /** Waterfall: plugins add their own section to the status document. */
  readonly status: SyncWaterfallHook<[StatusReport]>;
  /**
   * Bail, per action name, in every process: the tap that owns the action in
   * this process does it and returns a line saying what it did; `undefined`
   * means "not here" (the instance or real server is not this process's).
   * Throw a HacoreError to refuse (an unknown name, a bad argument).
   */
  readonly action: HookMap<AsyncSeriesBailHook<[ActionRequest], string | undefined>>;
}

/** `reverseShutdown: false` is for hooks whose taps are later moved onto a core's own (see moveTaps). */
export function createHooks(opts: { reverseShutdown?: boolean } = {}): CoreHooks {
  const hooks: CoreHooks = Object.freeze({
    checkerFactory: new HookMap(() => new SyncBailHook<[CheckSpec], Checker | undefined>(['spec'])),
    collectChecks: new SyncWaterfallHook<[CheckSpec[], HacoreConfig]>(['checks', 'config']),
    checkResult: new AsyncSeriesHook<[Target, CheckResult]>(['target', 'result']),
    targetState: new AsyncParallelHook<[Target, TargetStateChange]>(['target', 'change']),
    event: new AsyncParallelHook<[GenericEvent]>(['event']),
    validate: new SyncHook<[HacoreConfig, ConfigIssue[]]>(['config', 'issues']),
    start: new AsyncSeriesHook<[HacoreConfig]>(['config']),
    prepareReload: new AsyncSeriesHook<[ConfigDiff]>(['diff']),
    abortReload: new AsyncSeriesHook<[ConfigDiff]>(['diff']),
    reload: new AsyncSeriesHook<[ConfigDiff]>(['diff']),
    stopping: new SyncHook<[string]>(['reason']),
    shutdown: new AsyncSeriesHook<[string]>(['reason']),
    status: new SyncWaterfallHook<[StatusReport]>(['status']),
    action: new HookMap(() => new AsyncSeriesBailHook<[ActionRequest], string | undefined>(['request'])),
  });
  if (opts.reverseShutdown !== false) reverseOrder(hooks.shutdown);
  return hooks;
}

interface AnyTap {
  type: 'sync' | 'async' | 'promise';
  name: string;
  fn: AnyFn;
  stage?: number;
  before?: string | string[];
}

interface TapList {
  taps: AnyTap[];
}

function retap(from: TapList, to: unknown): void {
  const hook = to as Record<'tap' | 'tapAsync' | 'tapPromise', (opts: object, fn: AnyFn) => void>;
  for (const { type, fn, name, stage, before } of from.taps) {
    const opts = { name, ...(stage !== undefined ? { stage } : {}), ...(before !== undefined ? { before } : {}) };
    if (type === 'sync') hook.tap(opts, fn);
    else if (type === 'async') hook.tapAsync(opts, fn);
    else hook.tapPromise(opts, fn);
  }
}

/**
 * Taps made on `from` (one plugin's apply, staged) registered again on `to`, in
 * their order and through `to`'s interceptors, as if the plugin had tapped `to`.
 */
export function moveTaps(from: CoreHooks, to: CoreHooks): void {
  for (const key of Object.keys(from) as (keyof CoreHooks)[]) {
    const source = from[key] as unknown;
    if (source === to[key]) continue;
    if (source instanceof HookMap) {
      const map = (source as unknown as { _map: Map<string, TapList> })._map;
      for (const [k, hook] of map) retap(hook, (to[key] as unknown as HookMap<never>).for(k));
    } else retap(source as TapList, to[key]);
  }
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
export const ISOLATED_HOOKS = ['checkResult', 'targetState', 'event', 'reload', 'abortReload'] as const;

/** Hooks whose first failing tap fails the call, with the plugin's name and the hook's in the error (Rollup's rule). */
export const NAMED_ERROR_HOOKS = ['validate', 'prepareReload', 'start'] as const;

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

/** A failure in a tap of a NAMED_ERROR_HOOKS hook, naming the plugin and the hook. */
export class TapError extends Error {
  readonly code: string;
  constructor(
    readonly plugin: string,
    readonly hook: string,
    cause: unknown,
  ) {
    const inner = cause as { message?: string; code?: string };
    super(`plugin ${plugin} failed in ${hook}: ${inner?.message ?? String(cause)}`, { cause });
    this.name = 'TapError';
    this.code = typeof inner?.code === 'string' ? inner.code : 'HACORE_ERR_PLUGIN_HOOK';
  }
}

/** Rewraps what the taps of the named-error hooks throw as a TapError that names the plugin. */
export function nameTapErrors(hooks: CoreHooks): void {
  for (const name of NAMED_ERROR_HOOKS) {
    const hook = hooks[name] as unknown as { intercept(i: object): void };
    hook.intercept({
      register(tap: { name: string; type: 'sync' | 'async' | 'promise'; fn: AnyFn }) {
        const fn = tap.fn;
        const wrap = (err: unknown): TapError => (err instanceof TapError ? err : new TapError(tap.name, name, err));
        if (tap.type === 'promise') {
          tap.fn = (...args: unknown[]) => {
            try {
              return Promise.resolve(fn(...args)).catch((err: unknown) => Promise.reject(wrap(err)));
            } catch (err) {
              return Promise.reject(wrap(err));
            }
          };
        } else if (tap.type === 'async') {
          tap.fn = (...args: unknown[]) => {
            const cb = args[args.length - 1] as (err?: unknown) => void;
            try {
              fn(...args.slice(0, -1), (err?: unknown) => cb(err ? wrap(err) : undefined));
            } catch (err) {
              cb(wrap(err));
            }
          };
        } else {
          tap.fn = (...args: unknown[]) => {
            try {
              return fn(...args);
            } catch (err) {
              throw wrap(err);
            }
          };
        }
        return tap;
      },
    });
  }
}
