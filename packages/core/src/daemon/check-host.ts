import type { CheckSpec, ConfigDiff, GenericEvent, Target, TargetStateName } from '../types.js';

/** Where a check resumes when its worker is restarted: the state the check process last knew. */
export interface ResumeState {
  state: TargetStateName;
  since: number;
}

/**
 * Where the checks of a process run: here (LocalChecks, over the scheduler) or
 * in worker processes (ShardPool). The reload phases and the core drive it the same way.
 */
export interface CheckHost {
  start(checks: readonly CheckSpec[]): Promise<void>;
  /** Phase 1 of a reload: builds what the commit needs; throws, having released it, to refuse. */
  prepare(diff: ConfigDiff, doc: { file: string; value: unknown }): Promise<void>;
  /** Releases what prepare built. */
  abort(): Promise<void>;
  /** Phase 2: the checks of `diff.next` run. */
  commit(diff: ConfigDiff): Promise<void>;
  stop(): Promise<void>;
  targets(): Target[];
  /** Every event this process sees (emitted here, relayed to it, or from a worker: `fromWorker`). */
  observe?(event: GenericEvent, fromWorker?: number): void;
  /** A section for this process's status document. */
  status?(): Record<string, unknown>;
}
