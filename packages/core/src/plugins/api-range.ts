/**
 * Whether a plugin's `hacore` range accepts this core's plugin API version;
 * undefined when the range is not a semver range. A caret range of a release
 * (`^1.0.0`, what every plugin of this project declares) is decided here; any
 * other loads semver, whose regular expressions cost each process ~15 ms of its
 * start (bench/failover/start.mjs).
 */
export async function apiRangeAccepts(range: string, version: string): Promise<boolean | undefined> {
  const fast = caretAccepts(range, version);
  if (fast !== undefined) return fast;
  // The two functions, not the package's index (which loads all ~45 of its files).
  const [{ default: validRange }, { default: satisfies }] = await Promise.all([import('semver/ranges/valid.js'), import('semver/functions/satisfies.js')]);
  return validRange(range) === null ? undefined : satisfies(version, range);
}

const RELEASE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** `^X.Y.Z` (X > 0) against a release X'.Y'.Z': same major, not older; undefined for anything else (semver decides). */
export function caretAccepts(range: string, version: string): boolean | undefined {
  const r = range.startsWith('^') ? RELEASE.exec(range.slice(1)) : null;
  const v = RELEASE.exec(version);
  if (!r || !v || r[1] === '0') return undefined;
  const [rm, rn, rp] = r.slice(1).map(Number) as [number, number, number];
  const [vm, vn, vp] = v.slice(1).map(Number) as [number, number, number];
  return vm === rm && (vn > rn || (vn === rn && vp >= rp));
}
