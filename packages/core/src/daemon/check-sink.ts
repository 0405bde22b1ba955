import type { Logger } from 'pino';
import type { SchedulerSink } from '../checks/scheduler.js';
import type { CoreHooks } from '../hooks.js';
import type { EventInput } from '../types.js';

/**
 * Where the scheduler's probes go: each result to `checkResult`; a state
 * change (after rise/fall) logged, to `targetState` and as a `target-state` event.
 */
export function checkSink(core: { readonly hooks: CoreHooks; readonly logger: Logger; emit(e: EventInput): Promise<void> }): SchedulerSink {
  return {
    result: (t, r) => core.hooks.checkResult.promise(t, r),
    stateChange: async (t, change) => {
      core.logger.info({ check: t.check, from: change.from, to: change.to, reason: change.reason }, `check ${t.check} is ${change.to}`);
      await core.hooks.targetState.promise(t, change);
      await core.emit({
        kind: 'target-state',
        check: t.check,
        type: t.type,
        target: t.target,
        from: change.from,
        to: change.to,
        reason: change.reason,
        ...(change.weight !== undefined ? { weight: change.weight } : {}),
      });
    },
  };
}
