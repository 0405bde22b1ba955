import type { ActionRequest, CheckResult, GenericEvent, TargetStateChange } from '../types.js';
import type { ResumeState } from './check-host.js';

/** What a check worker is given with its document: the checks it runs, and where each goes on from. */
export interface WorkerHandOver {
  index: number;
  checks: string[];
  resume: Record<string, ResumeState>;
}

/** One thing a check worker's scheduler reported, in order: a probe's result (`r`, at `at`) or a state change (`s`). */
export type ProbeRecord = { c: string; r: CheckResult; at: number } | { c: string; s: TargetStateChange };

/** Messages from the supervisor to a child (and from the check process to its check workers). */
export type ParentMessage =
  | { t: 'event'; event: GenericEvent }
  | { t: 'request'; id: number; op: 'status' | 'abort' | 'commit' }
  /** `checks`: a check worker's checks once this reload is committed. */
  | { t: 'request'; id: number; op: 'prepare'; raw: { file: string; value: unknown }; checks?: string[] }
  | { t: 'request'; id: number; op: 'action'; action: ActionRequest }
  | { t: 'stop'; reason: string }
  /** To a preforked child: the plugins to import while the supervisor loads (prefork.ts). */
  | { t: 'warm'; plugins: string[] }
  /** To a check worker: start probing (every worker of a first start is ready, or this one restarted). */
  | { t: 'go' }
  /** The answer to `config-request`: the document the supervisor runs, so a restarted child runs the same. */
  | { t: 'config'; raw: { file: string; value: unknown } | undefined; worker?: WorkerHandOver };

/** Messages from a child to the supervisor (and from a check worker to the check process). */
export type ChildMessage =
  | { t: 'ready' }
  | { t: 'config-request' }
  | { t: 'fatal'; code: string; message: string }
  | { t: 'event'; event: GenericEvent }
  /** A check worker's probe results and state changes since its last batch. */
  | { t: 'probes'; batch: ProbeRecord[] }
  | { t: 'reply'; id: number; ok: true; result: unknown }
  | { t: 'reply'; id: number; ok: false; code: string; message: string };
