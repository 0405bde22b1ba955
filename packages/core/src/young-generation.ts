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
 */
export function forkExecArgv(role: string, execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const own = execArgv.filter((a) => !a.startsWith(FLAG));
  if (nodeOptions.includes(FLAG)) return own;
  return [...own, `${FLAG}=${role === 'check' ? SEMI_SPACE_MIB.check : SEMI_SPACE_MIB.other}`];
}
