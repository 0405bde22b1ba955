/**
 * V8's young generation is sized for throughput: its semi-spaces grow with the
 * allocation rate up to 16 MiB each, and resident memory grows with them. That
 * growth is slow (over tens of minutes of steady notifications the 1-hour soak
 * read it as a leak: +7 %/h for a supervisor started with the default) and buys a
 * daemon nothing, so every hacore process starts with a small fixed ceiling:
 * 1 MiB for the protocol children and helpers, 2 MiB for the check child and the
 * supervisor (bench/footprint: a 1,000-check daemon 167 -> 137 MiB RSS, no change
 * in CPU per probe). The supervisor's comes from its launcher (bin/hacore.js and
 * the Debian wrapper: V8 reads the flag only at start). `--max-semi-space-size` in
 * NODE_OPTIONS sets the children's and helpers' instead.
 */
export const SEMI_SPACE_MIB = { supervisor: 2, check: 2, other: 1 } as const;

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
