const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses `150ms`, `2s`, `1.5s`, `1m`, `1h` into milliseconds. A bare number is
 * seconds, as in keepalived's configuration. Returns undefined when unparsable.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = UNITS[m[2] ?? 's'] ?? 1000;
  return Math.round(n * unit * 1000) / 1000;
}

export function formatDuration(ms: number): string {
  if (ms % 1000 === 0 && ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}
