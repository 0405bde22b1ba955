/**
 * What a tracked file says, pure: the integer in it (keepalived's track_file
 * reads one number in text) and what that number means for a real-server check.
 */

/** A reading of the file: its integer (0 when missing or empty, as keepalived), or why it is not one. */
export type FileReading = { value: number; missing?: true } | { invalid: string };

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
// strtol(…, 0) as keepalived reads it: decimal, 0x hex, leading-0 octal; here the whole content must be the number.
const INTEGER = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;

/** Parses the content of a track file. Surrounding white space (a trailing newline) is allowed; anything else is `invalid`. */
export function parseFileValue(text: string): FileReading {
  const t = text.trim();
  if (t === '') return { value: 0 };
  const m = INTEGER.exec(t);
  if (!m) return { invalid: `bad content ${JSON.stringify(t.length > 32 ? `${t.slice(0, 32)}…` : t)}` };
  const body = m[2]!;
  const magnitude = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body[0] === '0' ? parseInt(body, 8) : parseInt(body, 10);
  const value = m[1] === '-' ? -magnitude : magnitude;
  if (!Number.isSafeInteger(value) || value < INT32_MIN || value > INT32_MAX) return { invalid: `out of range ${t.slice(0, 32)}` };
  return value === 0 ? { value: 0 } : { value };
}

export function isInvalid(r: FileReading): r is { invalid: string } {
  return 'invalid' in r;
}

/** Two readings say the same thing. */
export function sameReading(a: FileReading | undefined, b: FileReading | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (isInvalid(a) || isInvalid(b)) return isInvalid(a) && isInvalid(b) && a.invalid === b.invalid;
  return a.value === b.value && a.missing === b.missing;
}

export interface FileCheckMapping {
  /** keepalived FILE_CHECK `dynamic`: the value adjusts the weight; without it the value is only up (0) or down. */
  dynamic: boolean;
  /** keepalived FILE_CHECK `weight`: the multiplier of the value, with dynamic. */
  multiplier: number;
  /** keepalived `reverse`: the opposite direction (without dynamic: non-zero is up, 0 is down). */
  reverse: boolean;
  /** The real server's weight the product is added to (keepalived adds it to the configured weight). */
  baseWeight: number;
}

/** What a reading means for a real-server check: up or down and, with dynamic, the weight. */
export function fileCheckStatus(r: FileReading, m: FileCheckMapping): { ok: boolean; reason: string; weight?: number } {
  if (isInvalid(r)) return { ok: false, reason: r.invalid };
  const label = r.missing ? 'missing (0)' : `value ${r.value}`;
  if (!m.dynamic) return { ok: (r.value === 0) !== m.reverse, reason: label };
  // keepalived: value × weight (× -1 with reverse) in 32 bits; the most negative value is its FAULT.
  const product = clamp(r.value * m.multiplier * (m.reverse ? -1 : 1), INT32_MIN, INT32_MAX);
  if (product === INT32_MIN) return { ok: false, reason: `${label}: fault` };
  const weight = clamp(m.baseWeight + product, 0, INT32_MAX);
  return { ok: true, reason: `${label}: weight ${weight}`, weight };
}

export function clamp(v: number, min: number, max: number): number {
  return v < min ? min : v > max ? max : v;
}
