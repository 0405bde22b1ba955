import { HacoreError } from '../errors.js';
import type { ActionRequest } from '../types.js';

const NAME = /^[a-z][a-z0-9-]{0,63}$/;
const MAX_ARGS = 16;
const MAX_ARG = 512;

/** An action request from the control socket or the web console, checked for shape (the owning plugin checks meaning). */
export function actionRequest(raw: { action?: unknown; args?: unknown }, origin: string): ActionRequest {
  const name = raw.action;
  if (typeof name !== 'string' || !NAME.test(name)) throw new HacoreError('HACORE_ERR_ACTION', `an action name is lower-case letters, digits and -, not ${JSON.stringify(name)}`);
  const args: Record<string, string> = {};
  if (raw.args !== undefined) {
    if (typeof raw.args !== 'object' || raw.args === null || Array.isArray(raw.args)) throw new HacoreError('HACORE_ERR_ACTION', `${name}: args must be an object of strings`);
    const entries = Object.entries(raw.args);
    if (entries.length > MAX_ARGS) throw new HacoreError('HACORE_ERR_ACTION', `${name}: at most ${MAX_ARGS} arguments`);
    for (const [k, v] of entries) {
      if (typeof v !== 'string' || v.length > MAX_ARG) throw new HacoreError('HACORE_ERR_ACTION', `${name}: argument ${k} must be a string of at most ${MAX_ARG} characters`);
      args[k] = v;
    }
  }
  return { name, args, origin };
}
