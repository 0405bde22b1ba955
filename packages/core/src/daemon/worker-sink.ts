import type { SchedulerSink } from '../checks/scheduler.js';
import type { CheckResult, Target, TargetStateChange } from '../types.js';
import type { ProbeRecord } from './ipc.js';

const DONE = Promise.resolve();

/**
 * A check worker's scheduler sink: each result and state change is queued, in
 * order, and the queue goes to the check process once per event-loop turn (one
 * IPC message carries every probe that completed in that turn), where the hooks
 * fire. `flush` first before any other message, so that the check process reads
 * everything in the order it happened (a reload's reply after the results of the checks it removed).
 */
export class WorkerSink implements SchedulerSink {
  private batch: ProbeRecord[] = [];
  private scheduled = false;

  constructor(private readonly send: (batch: ProbeRecord[]) => void) {}

  result(t: Target, r: CheckResult): Promise<void> {
    this.push({ c: t.check, r, at: t.lastProbeAt ?? Date.now() });
    return DONE;
  }

  stateChange(t: Target, s: TargetStateChange): Promise<void> {
    this.push({ c: t.check, s });
    return DONE;
  }

  private push(rec: ProbeRecord): void {
    this.batch.push(rec);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.batch.length === 0) return;
    const b = this.batch;
    this.batch = [];
    this.send(b);
  }
}
