import type { LogLevel } from './log-levels.js';
import type { SyslogFacility } from './log-destination.js';

/**
 * A process role of the supervisor: `main` is the supervisor itself, `check`
 * runs the checks; plugins name their own (`vrrp`, `bfd`), and the supervisor
 * forks one child per role that a loaded plugin runs in.
 */
export type Role = 'main' | 'check' | (string & {});

/** Where a target lives: what a checker probes. */
export interface TargetAddress {
  /** IPv4 or IPv6 address (or host name where a checker allows it). */
  address: string;
  port?: number;
}

/** The common fields of every check, after validation and defaults (durations in ms). */
export interface CheckSpecBase {
  /** Unique name of the check; events and status use it. */
  name: string;
  /** The checker type, e.g. `tcp`, `http`, `icmp`, `script`: the key of `checkerFactory`. */
  type: string;
  target: TargetAddress;
  /** Time between probes while the state is stable (keepalived delay_loop). */
  interval: number;
  /** Hard timeout of one probe. */
  timeout: number;
  /** Consecutive successes that bring a target up. */
  rise: number;
  /** Consecutive failures that bring a target down (keepalived retry). */
  fall: number;
  /** Time between probes while a change is being confirmed (keepalived delay_before_retry). */
  retryDelay: number;
  /** Upper bound of the random delay before the first probe, so checks spread out. */
  warmup: number;
  /** Start as `down` until the first success (keepalived alpha); default starts `unknown`. */
  alpha: boolean;
  /** Weight carried into state events (IPVS, VRRP tracking). */
  weight?: number;
}

/** A check as handed to a checker: the common fields plus the checker's own validated options. */
export type CheckSpec<Options extends object = Record<string, unknown>> = CheckSpecBase & Options;

/** The outcome of one probe. */
export interface CheckResult {
  ok: boolean;
  /** Wall time of the probe in milliseconds. */
  latencyMs: number;
  /** Short machine-friendly reason, e.g. `connected`, `ECONNREFUSED`, `timeout`, `status 503`. */
  reason: string;
  /**
   * What an operator needs beyond the stable reason, e.g. the digest received on a
   * `digest mismatch`. Shown by `hacore status`; kept out of events and metric labels.
   */
  detail?: string;
  /** Dynamic weight reported by the checker (keepalived misc_dynamic), if any. */
  weight?: number;
}

/** One probing strategy. A checker probes once per call and never keeps state between targets. */
export interface Checker {
  /**
   * Probe once. Must honour `signal` (aborted at the check's timeout or on stop),
   * must never reject (return `{ ok: false }` instead) and must release every
   * socket, timer and child process on every path.
   */
  probe(signal: AbortSignal): Promise<CheckResult>;
  /** Release shared resources when the check is removed. */
  close?(): void | Promise<void>;
}

export type TargetStateName = 'unknown' | 'up' | 'down';

/** A target as the scheduler sees it. */
export interface Target {
  check: string;
  type: string;
  target: TargetAddress;
  state: TargetStateName;
  /** Milliseconds since the epoch of the last state change. */
  since: number;
  lastResult?: CheckResult;
  lastProbeAt?: number;
  weight?: number;
}

export interface TargetStateChange {
  from: TargetStateName;
  to: 'up' | 'down';
  reason: string;
  at: number;
  weight?: number;
}

// A type alias, not an interface: events must be assignable to GenericEvent's index signature.
type EventBase = {
  /** Milliseconds since the epoch. */
  time: number;
  /** The role of the process where the event happened. */
  origin: Role | 'single';
};

/**
 * The fields of each event kind, by kind. The core declares its own three; a
 * plugin adds its kinds by declaration merging in its own types, and declares
 * them at run time with `core.declareEvent()`:
 *
 *     declare module '@hacore/core' {
 *       interface HacoreEventMap { 'vrrp-transition': { instance: string; from: string; to: string } }
 *     }
 *
 * A consumer compiled without a plugin's types still receives its events: a
 * generic consumer reads `GenericEvent` and the declaration (`core.events`).
 */
export interface HacoreEventMap {
  /** A target's state changed after the rise/fall logic. */
  'target-state': { check: string; type: string; target: TargetAddress; from: TargetStateName; to: 'up' | 'down'; reason: string; weight?: number };
  /** The daemon's lifecycle. */
  daemon: { what: 'start' | 'stop' | 'reload' | 'reload-failed' | 'child-exit' | 'child-start'; detail?: string };
  /** A plugin's tap threw; it was isolated. */
  'plugin-error': { plugin: string; hook: string; message: string };
  /** An operator action was done (CLI, web console). */
  'operator-action': { action: string; args: Record<string, string>; from: string; result: string };
}

export type HacoreEventKind = keyof HacoreEventMap & string;

/** One event of kind K as consumers see it. */
export type HacoreEventOf<K extends HacoreEventKind> = EventBase & { kind: K } & HacoreEventMap[K];

/** The one stream notifiers consume, discriminated by `kind`, over every kind this compilation knows. */
export type HacoreEvent = { [K in HacoreEventKind]: HacoreEventOf<K> }[HacoreEventKind];

/** An event of any kind, known to this compilation or not: what generic consumers read. */
export type GenericEvent = EventBase & { kind: string; readonly [field: string]: unknown };

/** What a plugin passes to `core.emit()`: the event without `time` and `origin`. */
export type EventInput = { [K in HacoreEventKind]: { kind: K } & HacoreEventMap[K] }[HacoreEventKind];

/** A Prometheus counter that the metrics plugin keeps for a declared event kind. */
export interface EventCounterDeclaration {
  /** Metric name, e.g. `hacore_vrrp_transitions_total`. */
  name: string;
  help: string;
  /** Label name to the event field it comes from, or a function of the event. */
  labels: Record<string, string | ((event: GenericEvent) => string)>;
}

/** What a plugin declares about each event kind it emits. */
export interface EventDeclaration {
  kind: string;
  /** One sentence for docs and `hacore events`. */
  description: string;
  /**
   * The fields that name what the event is the latest state of (e.g. `['instance']`).
   * The supervisor keeps the latest event per kind and key and replays it to a
   * child that (re)starts. Omit for one-off events.
   */
  replayKey?: readonly string[];
  /**
   * How the event reads to a person (mail subject and body, logs). Default:
   * `<kind>` and its fields.
   */
  describe?(event: GenericEvent): { title: string; change: string; detail?: string };
  /** Counters the metrics plugin keeps for this kind (beside `hacore_events_total{kind}`). */
  counters?: readonly EventCounterDeclaration[];
}

/** A declared event kind, with the plugin that declared it. */
export interface DeclaredEvent extends EventDeclaration {
  owner: string;
}

/** The event kinds declared by the core and the loaded plugins (complete in every process). */
export interface EventRegistry {
  get(kind: string): DeclaredEvent | undefined;
  list(): DeclaredEvent[];
  /** The replay key of an event (`kind:field=value,...`), or undefined if its kind has none. */
  replayKeyOf(event: GenericEvent): string | undefined;
  /** How the event reads to a person: the declaration's `describe`, or a generic rendering. */
  describe(event: GenericEvent): { title: string; change: string; detail: string };
}

/** What changed between two valid configs, handed to the `reload` hook. */
export interface ConfigDiff {
  previous: HacoreConfig;
  next: HacoreConfig;
  checks: { added: string[]; removed: string[]; changed: string[]; unchanged: string[] };
  /** Top-level sections whose content changed, e.g. `vrrp`. */
  sections: string[];
}

/** The validated config. Plugin sections are typed by the plugins that own them. */
export interface HacoreConfig {
  plugins: string[];
  logLevel: LogLevel;
  /** Path of the control socket. */
  controlSocket: string;
  /** Where plugins keep state across restarts (`stateDir`). */
  stateDir: string;
  pidFile: string;
  /** `checkWorkers`: worker processes of the check process; unset means the number of cores, at most 4. */
  checkWorkers?: number;
  /** `logging`: syslog instead of stdout/the journal. */
  logging?: { syslog?: { facility: SyslogFacility; ident: string; socket: string } };
  checks: CheckSpec[];
  /** Plugin sections by key. */
  [section: string]: unknown;
}

/**
 * A table a plugin offers for the text form of `hacore status`: put it in your
 * status section as `tables: StatusTable[]`.
 */
export interface StatusTable {
  title: string;
  columns: string[];
  rows: string[][];
}

/** Status document section contributed by the core and plugins. */
export interface StatusReport {
  version: string;
  pid: number;
  role: Role | 'single';
  startedAt: number;
  configFile: string | undefined;
  plugins: { name: string; version: string | undefined }[];
  targets: Target[];
  [section: string]: unknown;
}

/**
 * An operator action (`hacore drain web1`, a button of the web console): run in
 * every process, where the plugin that owns the name (tapping
 * `hooks.action.for(name)`) does it and answers.
 */
export interface ActionRequest {
  /** `drain`, `undrain`, `yield`, `unyield`, or a third-party plugin's own. */
  name: string;
  /** The action's arguments, e.g. `{ realServer: '198.51.100.20:80' }`. */
  args: Record<string, string>;
  /** Who asked, for the event log: `cli`, `web`, ... */
  origin: string;
}

/** One process's answer to an action it handled. */
export interface ActionReply {
  role: Role | 'single' | 'main';
  /** What the owning plugin says it did, for people: "drained 198.51.100.20:80 in web". */
  result: string;
}
