/**
 * The announcement condition of a prefix: a boolean expression over the
 * states the plugin hears about (checks, virtual servers' quorum, VRRP
 * instances), evaluated as a pure function of a snapshot.
 */

/** A condition as written in the config, after validation. */
export type Condition =
  | { check: string }
  | { quorum: string }
  | { vrrpMaster: string }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { atLeast: number; of: Condition[] };

/** What the expression reads: unknown names count as false (not yet heard of). */
export interface WorldState {
  checks: ReadonlyMap<string, boolean>;
  quorum: ReadonlyMap<string, boolean>;
  vrrpMaster: ReadonlyMap<string, boolean>;
}

export function emptyWorld(): { checks: Map<string, boolean>; quorum: Map<string, boolean>; vrrpMaster: Map<string, boolean> } {
  return { checks: new Map(), quorum: new Map(), vrrpMaster: new Map() };
}

export function evaluate(c: Condition, w: WorldState): boolean {
  if ('check' in c) return w.checks.get(c.check) === true;
  if ('quorum' in c) return w.quorum.get(c.quorum) === true;
  if ('vrrpMaster' in c) return w.vrrpMaster.get(c.vrrpMaster) === true;
  if ('all' in c) return c.all.every((x) => evaluate(x, w));
  if ('any' in c) return c.any.some((x) => evaluate(x, w));
  if ('not' in c) return !evaluate(c.not, w);
  return c.of.filter((x) => evaluate(x, w)).length >= c.atLeast;
}

/** Every name the expression refers to, by kind (for the config's cross-checks). */
export function references(c: Condition, out: { checks: Set<string>; quorum: Set<string>; vrrpMaster: Set<string> } = { checks: new Set(), quorum: new Set(), vrrpMaster: new Set() }) {
  if ('check' in c) out.checks.add(c.check);
  else if ('quorum' in c) out.quorum.add(c.quorum);
  else if ('vrrpMaster' in c) out.vrrpMaster.add(c.vrrpMaster);
  else if ('all' in c) c.all.forEach((x) => references(x, out));
  else if ('any' in c) c.any.forEach((x) => references(x, out));
  else if ('not' in c) references(c.not, out);
  else c.of.forEach((x) => references(x, out));
  return out;
}
