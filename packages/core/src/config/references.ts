import type { ConfigIssue } from '../errors.js';
import { closest } from './schema.js';

/**
 * The issue for a name that one section uses and another defines, for a
 * `validate` tap: `undefined` when `known` has it, else what was expected (with
 * the names there are) and a "did you mean" for a near miss. `wildcard`
 * (notify's "*") is accepted as well.
 */
export function unknownNameIssue(path: string, name: string, known: readonly string[], expected: string, wildcard?: string): ConfigIssue | undefined {
  if (known.includes(name) || name === wildcard) return undefined;
  const near = closest(name, known);
  const or = wildcard === undefined ? '' : ` or ${JSON.stringify(wildcard)}`;
  return { path, expected: `${expected} (${known.join(', ') || 'none defined'})${or}`, found: JSON.stringify(name), ...(near ? { hint: `did you mean "${near}"?` } : {}) };
}
