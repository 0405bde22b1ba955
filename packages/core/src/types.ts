/** The process roles of the supervisor; `main` is the supervisor itself. */
export type Role = 'main' | 'check' | 'vrrp';

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

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

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

export interface VirtualServerInfo {
  name: string;
  /** `198.51.100.10:80/tcp` or `fwmark:1`. */
  key: string;
  liveWeight: number;
  quorum: number;
}

interface EventBase {
  /** Milliseconds since the epoch. */
  time: number;
  /** The role of the process where the event happened. */
  origin: Role | 'single';
}

/**
 * The one stream notifiers consume. `kind` discriminates; new kinds may be added
 * in minor versions, so consumers must ignore kinds they do not know.
 */
export type HacoreEvent =
  | (EventBase & { kind: 'target-state'; check: string; type: string; target: TargetAddress; from: TargetStateName; to: 'up' | 'down'; reason: string; weight?: number })
  | (EventBase & { kind: 'vrrp-transition'; instance: string; group?: string; vrid: number; from: VrrpState; to: VrrpState; priority: number; reason: string })
  | (EventBase & { kind: 'vrrp-group-transition'; group: string; from: VrrpState; to: VrrpState; reason: string })
  | (EventBase & { kind: 'real-server'; virtualServer: string; realServer: string; up: boolean; weight: number; reason: string })
  | (EventBase & { kind: 'quorum'; virtualServer: string; up: boolean; liveWeight: number; quorum: number })
  | (EventBase & { kind: 'daemon'; what: 'start' | 'stop' | 'reload' | 'reload-failed' | 'child-exit' | 'child-start'; detail?: string })
  | (EventBase & { kind: 'plugin-error'; plugin: string; hook: string; message: string });

export type HacoreEventKind = HacoreEvent['kind'];

/** Distributes Omit over the event union so each kind keeps its own fields. */
export type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type EventInput = DistributiveOmit<HacoreEvent, 'time' | 'origin'>;

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
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** Path of the control socket. */
  controlSocket: string;
  pidFile: string;
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
