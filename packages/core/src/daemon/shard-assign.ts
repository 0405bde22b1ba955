/**
 * Which check worker runs each check: a check keeps its worker for as long as it
 * exists (a reload moves nothing that runs), and a new one goes to the worker
 * with the fewest checks, the lowest index on a tie. From nothing that is
 * round robin in the config's order.
 */
export function assignChecks(names: readonly string[], workers: number, previous: ReadonlyMap<string, number> = new Map()): Map<string, number> {
  const out = new Map<string, number>();
  const load = new Array<number>(workers).fill(0);
  for (const name of names) {
    const w = previous.get(name);
    if (w !== undefined && w < workers) {
      out.set(name, w);
      load[w]!++;
    }
  }
  for (const name of names) {
    if (out.has(name)) continue;
    let best = 0;
    for (let i = 1; i < workers; i++) if (load[i]! < load[best]!) best = i;
    out.set(name, best);
    load[best]!++;
  }
  return out;
}

/** The names assigned to one worker, in the config's order. */
export function checksOf(assignment: ReadonlyMap<string, number>, worker: number): string[] {
  const out: string[] = [];
  for (const [name, w] of assignment) if (w === worker) out.push(name);
  return out;
}
