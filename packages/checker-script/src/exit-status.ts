/** What a finished probe process means for the check. */
export interface ScriptVerdict {
  ok: boolean;
  reason: string;
  /** Set only with dynamic weights, for exit codes 2..255. */
  weight?: number;
}

/**
 * Reads an exit status the way keepalived's MISC_CHECK does. Plain: 0 is up,
 * anything else down. With `misc_dynamic` (dynamicWeight): 0 is up with the
 * weight unchanged, 1 is down, 2..255 is up with weight = code - 2.
 */
export function verdictOf(code: number | null, signal: NodeJS.Signals | null, dynamicWeight: boolean): ScriptVerdict {
  if (code === null) return { ok: false, reason: `signal ${signal ?? 'unknown'}` };
  if (code === 0) return { ok: true, reason: 'exit 0' };
  if (dynamicWeight && code >= 2 && code <= 255) return { ok: true, reason: `exit ${code}`, weight: code - 2 };
  return { ok: false, reason: `exit ${code}` };
}
