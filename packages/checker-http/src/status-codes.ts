/** An inclusive range of HTTP status codes. */
export interface StatusRange {
  min: number;
  max: number;
}

/** keepalived's default when no status_code is given: any 2xx. */
export const DEFAULT_STATUS: readonly StatusRange[] = Object.freeze([{ min: 200, max: 299 }]);

/** keepalived accepts 100..599 (HTTP_STATUS_CODE_MIN/MAX); so do we. */
export const STATUS_MIN = 100;
export const STATUS_MAX = 599;

const RANGE_RE = /^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$/;

/**
 * Parses one entry of a `status` list: a number (`200`) or a string holding a
 * code or a range (`"200"`, `"300-399"`). Returns undefined when invalid.
 */
export function parseStatusEntry(entry: number | string): StatusRange | undefined {
  let min: number;
  let max: number;
  if (typeof entry === 'number') {
    min = max = entry;
  } else {
    const m = RANGE_RE.exec(entry);
    if (!m) return undefined;
    min = Number(m[1]);
    max = m[2] !== undefined ? Number(m[2]) : min;
  }
  if (!Number.isInteger(min) || !Number.isInteger(max)) return undefined;
  if (min < STATUS_MIN || max > STATUS_MAX || min > max) return undefined;
  return { min, max };
}

export function statusMatches(ranges: readonly StatusRange[], code: number): boolean {
  for (const r of ranges) if (code >= r.min && code <= r.max) return true;
  return false;
}

/** `200-299, 301` for logs and docs. */
export function formatStatus(ranges: readonly StatusRange[]): string {
  return ranges.map((r) => (r.min === r.max ? String(r.min) : `${r.min}-${r.max}`)).join(', ');
}
