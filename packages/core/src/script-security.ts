import { accessSync, constants, lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';

/**
 * keepalived's enable_script_security: a script run by a privileged daemon must
 * not be replaceable by an unprivileged user. That holds when the file and every
 * directory on its path (as written and after resolving symlinks) are owned by a
 * trusted uid and not writable by anyone else. A sticky directory (such as /tmp)
 * is fine, because others cannot rename or remove the trusted entries in it.
 */
export interface ScriptProblem {
  /** The path component at fault. */
  file: string;
  /** Why, for humans: "is writable by others (mode 0777)". */
  why: string;
}

export interface SecurityOptions {
  /** uids allowed to own the script and its directories: root and the daemon's own user. */
  trustedUids: ReadonlySet<number>;
  /** When false only existence and executability are checked. */
  strict: boolean;
}

function mode(st: Stats): string {
  return `mode 0${(st.mode & 0o7777).toString(8)}`;
}

function componentProblem(file: string, st: Stats, opts: SecurityOptions): string | undefined {
  if (!opts.trustedUids.has(st.uid)) return `is owned by uid ${st.uid}, not by root${opts.trustedUids.size > 1 ? ' or the daemon user' : ''}`;
  const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
  if ((st.mode & 0o002) !== 0 && !sticky) return `is writable by others (${mode(st)})`;
  if ((st.mode & 0o020) !== 0 && st.gid !== 0 && !sticky) return `is writable by group ${st.gid} (${mode(st)})`;
  return undefined;
}

/** Every directory from `/` down to `file`'s parent, then `file`. */
function chain(file: string): string[] {
  const out: string[] = [];
  let cur = file;
  for (;;) {
    out.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return out;
}

/**
 * The ownership walk shared by scripts and config files: `written` (as written)
 * and `real` (resolved), every directory from `/` down, each owned by a trusted
 * uid and not writable by group or others (sticky directories excepted).
 */
function checkChain(written: string, real: string, trustedUids: ReadonlySet<number>): ScriptProblem | undefined {
  const opts = { trustedUids, strict: true };
  const seen = new Set<string>();
  // Check the path as written (its directories and symlinks can be swapped too) and the resolved one.
  for (const p of [...chain(path.normalize(written)), ...chain(real)]) {
    if (seen.has(p)) continue;
    seen.add(p);
    let cst: Stats;
    try {
      cst = lstatSync(p);
      // A symlink's own mode is meaningless; who owns it and its directory is what matters.
      if (cst.isSymbolicLink()) {
        if (!opts.trustedUids.has(cst.uid)) return { file: p, why: `is a symlink owned by uid ${cst.uid}` };
        continue;
      }
    } catch (err) {
      return { file: p, why: `cannot be examined (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    const why = componentProblem(p, cst, opts);
    if (why) return { file: p, why };
  }
  return undefined;
}

/**
 * A file a root daemon reads its instructions from (the config, a file it
 * includes): refused when another user could change it, like a script. Only
 * root is trusted, since the daemon runs as root when this applies.
 */
export function checkTrustedFile(file: string, trustedUids: ReadonlySet<number> = new Set([0])): ScriptProblem | undefined {
  const abs = path.resolve(file);
  let real: string;
  try {
    real = realpathSync(abs);
  } catch (err) {
    return { file: abs, why: `cannot be found (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  return checkChain(abs, real, trustedUids);
}

/**
 * Checks the program of a command. Returns undefined when it may run, or the
 * component at fault and why. Synchronous on purpose: it runs during config
 * validation, before anything starts.
 */
export function checkScript(program: string, opts: SecurityOptions): ScriptProblem | undefined {
  if (!path.isAbsolute(program)) return { file: program, why: 'is not an absolute path (commands run without a shell or PATH search)' };
  let real: string;
  try {
    real = realpathSync(program);
  } catch (err) {
    return { file: program, why: `cannot be found (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  const st = statSync(real);
  if (!st.isFile()) return { file: real, why: 'is not a regular file' };
  if ((st.mode & 0o111) === 0) return { file: real, why: `is not executable (${mode(st)})` };
  if (!opts.strict) return undefined;
  return checkChain(program, real, opts.trustedUids);
}

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
 * keepalived's enable_script_security for programs found like execvp does
 * (MISC_CHECK, VRRP track scripts): the daemon runs the program (as root,
 * usually) again and again, so a program that another user
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
