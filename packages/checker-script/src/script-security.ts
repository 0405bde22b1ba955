import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { checkScript } from '@hacore/notifier-script';

/**
 * The file execvp would run for `program`: the program itself when it holds a
 * slash (relative to `cwd`), else the first executable regular file along
 * `searchPath`. Undefined when there is none (the probe will fail with ENOENT).
 */
export function locateProgram(program: string, cwd: string, searchPath: string | undefined): string | undefined {
  const runnable = (f: string): boolean => {
    try {
      accessSync(f, constants.X_OK);
      return statSync(f).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) {
    const f = path.resolve(cwd, program);
    return runnable(f) ? f : undefined;
  }
  for (const dir of (searchPath ?? '').split(':')) {
    const f = path.resolve(cwd, dir || '.', program);
    if (runnable(f)) return f;
  }
  return undefined;
}

/**
 * keepalived's enable_script_security for MISC_CHECK: the check process runs
 * the program (as root, usually) on every probe, so a program that another user
 * could replace is theirs to run as root. Returns why it is refused, or
 * undefined. A program that is missing or not executable is not refused here:
 * each probe fails (spawn ENOENT / EACCES) until it is installed.
 */
export function insecureProgram(program: string, cwd: string, searchPath: string | undefined): string | undefined {
  const file = locateProgram(program, cwd, searchPath);
  if (file === undefined) return undefined;
  const problem = checkScript(file, { trustedUids: new Set([0, process.geteuid?.() ?? 0]), strict: true });
  return problem ? `${problem.file} ${problem.why}` : undefined;
}
