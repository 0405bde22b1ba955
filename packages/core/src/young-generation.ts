/**
 * V8's young generation is sized for throughput: its semi-spaces grow with the
 * allocation rate up to 16 MiB each, and resident memory with them, which buys a
 * child that allocates little nothing. Processes a hacore process forks get a
 * small fixed ceiling: 1 MiB for the protocol children and helpers (the script
 * notifier's runner), 2 MiB for the check child (bench/footprint: a 1,000-check
 * daemon 167 -> 137 MiB RSS, no change in CPU per probe); check workers keep V8's
 * own. `--max-semi-space-size` in NODE_OPTIONS sets them instead.
 */
export const SEMI_SPACE_MIB = { check: 2, other: 1 } as const;

const FLAG = '--max-semi-space-size';

/**
 * The execArgv for a process forked by a hacore process: the parent's own flags
 * but its semi-space ceiling, plus this role's, unless NODE_OPTIONS names one.
 *
 * Processes other than the check child also collect on their main thread alone
 * (`--single-threaded-gc`): with V8's helper threads, a scavenge of a 1 MiB
 * semi-space waits for helpers that a loaded machine does not run (and that a
 * `realtimePriority` main thread outranks), so its pause was the scheduler's, up
 * to hundreds of ms; alone it is 0.5 ms (bench/failover/gc.mjs). An operator's
 * own `--[no-]single-threaded-gc` (execArgv or NODE_OPTIONS) wins.
 */
export function forkExecArgv(role: string, execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const out = execArgv.filter((a) => !a.startsWith(FLAG));
  // A check worker keeps V8's own young generation: with thousands of probes in flight a
  // small one made it spend most of its CPU in the scavenger (30,000 targets over 2
  // workers: 555 probes/s at 1.1 ms CPU each with 2 MiB, 3,167 at 0.32 ms without;
  // bench/README.md). The check child itself then only receives results and runs the hooks.
  if (role === 'check-worker') return out;
  if (!nodeOptions.includes(FLAG)) out.push(`${FLAG}=${role === 'check' ? SEMI_SPACE_MIB.check : SEMI_SPACE_MIB.other}`);
  const gcChosen = [...execArgv, nodeOptions].some((a) => a.includes('single-threaded-gc'));
  if (role !== 'check' && !gcChosen) out.push('--single-threaded-gc');
  return out;
}
