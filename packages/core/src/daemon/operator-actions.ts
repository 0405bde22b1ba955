import { HacoreError } from '../errors.js';
import type { CoreHooks } from '../hooks.js';
import type { Logger } from 'pino';
import type { ActionReply, ActionRequest, EventInput, Role } from '../types.js';

export type ActionCollector = (request: ActionRequest) => Promise<ActionReply[]>;

/** The action in this process only: what its owning plugin says it did, or `undefined` if no plugin here owns it. */
export async function runActionHere(hooks: CoreHooks, request: ActionRequest): Promise<string | undefined> {
  const hook = hooks.action.get(request.name);
  return hook ? hook.promise(request) : undefined;
}

/**
 * An operator action (drain, yield, ...) in every process that has a plugin
 * owning it (through `collector`, set by the supervisor) or in this one;
 * refused when none does. Logged and emitted as an `operator-action` event.
 */
export async function runOperatorAction(
  core: { hooks: CoreHooks; role: Role | 'single'; logger: Logger; emit(e: EventInput): Promise<void> },
  collector: ActionCollector | undefined,
  request: ActionRequest,
): Promise<ActionReply[]> {
  let replies: ActionReply[];
  if (collector) replies = await collector(request);
  else {
    const result = await runActionHere(core.hooks, request);
    replies = result === undefined ? [] : [{ role: core.role, result }];
  }
  if (replies.length === 0) {
    const args = Object.entries(request.args).map(([k, v]) => `${k}=${v}`).join(' ');
    throw new HacoreError('HACORE_ERR_ACTION', `${request.name}${args ? ` ${args}` : ''}: no plugin of this daemon does it (is the plugin that provides "${request.name}" loaded, and the name right?)`);
  }
  const result = replies.map((r) => r.result).join('; ');
  core.logger.info({ action: request.name, args: request.args, from: request.origin }, `operator action ${request.name}: ${result}`);
  await core.emit({ kind: 'operator-action', action: request.name, args: request.args, from: request.origin, result });
  return replies;
}
