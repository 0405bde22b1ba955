/**
 * Runs an ESM script in a child node process inside a private network namespace
 * (`unshare -n`): the links it makes vanish with the process, and nothing touches
 * the machine's own namespace. Needs root.
 */
import { spawnSync } from 'node:child_process';

/** Why such a child cannot run here, or false when it can (a `skip` value for node:test). */
export const netnsSkip: string | false = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0 ? false : 'needs root and unshare';

export function inPrivateNetns(script: string, timeoutMs = 20_000): { status: number | null; stdout: string; stderr: string; lines: string[] } {
  const r = spawnSync('unshare', ['-n', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.trim().split('\n') };
}
