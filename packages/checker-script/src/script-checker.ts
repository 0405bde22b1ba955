import { spawn } from 'node:child_process';
import type { CheckResult, Checker, CheckSpec, Logger } from '@hacore/core';
import { BoundedOutput } from './bounded-output.js';
import { verdictOf } from './exit-status.js';
import { ScriptCheckError, resolveIdentity } from './identity.js';
import { insecureProgram } from '@hacore/core';

export interface ScriptCheckOptions {
  /** Program and arguments, run without a shell. */
  command: string[];
  /** User to run as: a name or a uid. */
  user?: string | number | undefined;
  /** Group to run as: a name or a gid. Default: the user's primary group. */
  group?: string | number | undefined;
  /** keepalived misc_dynamic: exit 2..255 means up with weight = code - 2. */
  dynamicWeight: boolean;
  /** Bytes of stdout and of stderr kept for the debug log. */
  maxOutputBytes: number;
  /** Extra environment variables; the program also gets PATH and the daemon's environment. */
  env?: Record<string, string> | undefined;
  /** Working directory of the program. Default `/`. */
  cwd?: string | undefined;
  /** Refuse a program that a user other than root (or the daemon's) can modify. Default true. */
  scriptSecurity?: boolean | undefined;
}

export type ScriptCheckSpec = CheckSpec<ScriptCheckOptions>;

/** Kills a process group; a group that is already gone is not an error. */
function killGroup(pgid: number | undefined): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * keepalived's MISC_CHECK: runs a program per probe; its exit status is the
 * verdict. The program leads a process group of its own, so that a timeout
 * (or the end of the program) kills everything it started.
 */
export class ScriptChecker implements Checker {
  private readonly identity: { uid?: number; gid?: number };

  constructor(
    private readonly spec: ScriptCheckSpec,
    private readonly logger?: Logger,
  ) {
    // Resolved once, at config time: an unknown user is a config error, not a failing probe.
    this.identity = resolveIdentity(spec.user, spec.group);
    if (spec.scriptSecurity !== false) {
      const why = insecureProgram(spec.command[0]!, spec.cwd ?? '/', spec.env?.PATH ?? process.env.PATH);
      if (why) throw new ScriptCheckError('HACORE_ERR_SCRIPT_INSECURE', `check ${spec.name}: refusing to run ${spec.command[0]}: ${why} (script security; set scriptSecurity: false to allow it)`);
    }
  }

  probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    const elapsed = (): number => Math.round((performance.now() - started) * 1000) / 1000;
    const [program, ...args] = this.spec.command;
    return new Promise<CheckResult>((resolve) => {
      if (signal.aborted) return resolve({ ok: false, latencyMs: 0, reason: 'killed after timeout' });
      const stdout = new BoundedOutput(this.spec.maxOutputBytes);
      const stderr = new BoundedOutput(this.spec.maxOutputBytes);
      let timedOut = false;
      let settled = false;
      let pipeGrace: NodeJS.Timeout | undefined;
      let child: ReturnType<typeof spawn>;
      try {
        child = spawn(program!, args, {
          // Its own process group, so that kill(-pid) reaches everything it starts.
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
          cwd: this.spec.cwd ?? '/',
          env: { ...process.env, ...this.spec.env },
          ...this.identity,
        });
      } catch (err) {
        // Invalid arguments (a NUL byte) throw before anything starts.
        return resolve({ ok: false, latencyMs: elapsed(), reason: `spawn ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      }
      const pgid = child.pid;
      const finish = (code: number | null, sig: NodeJS.Signals | null, spawnError?: NodeJS.ErrnoException): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(pipeGrace);
        signal.removeEventListener('abort', onAbort);
        child.stdout?.destroy();
        child.stderr?.destroy();
        const verdict = spawnError
          ? { ok: false, reason: `spawn ${spawnError.code ?? spawnError.message}` }
          : timedOut
            ? { ok: false, reason: 'killed after timeout' }
            : verdictOf(code, sig, this.spec.dynamicWeight);
        this.logger?.debug(
          {
            check: this.spec.name,
            pid: pgid,
            code,
            signal: sig,
            reason: verdict.reason,
            stdout: stdout.text(),
            stderr: stderr.text(),
            ...(stdout.truncated || stderr.truncated ? { truncatedBytes: stdout.dropped + stderr.dropped } : {}),
          },
          `script check ${this.spec.name}: ${verdict.reason}`,
        );
        resolve({ ...verdict, latencyMs: elapsed() });
      };
      const kill = (): void => {
        timedOut = true;
        killGroup(pgid);
      };
      const onAbort = (): void => kill();
      const timer = setTimeout(kill, this.spec.timeout);
      signal.addEventListener('abort', onAbort, { once: true });
      child.stdout?.on('data', (c: Buffer) => stdout.push(c));
      child.stderr?.on('data', (c: Buffer) => stderr.push(c));
      child.once('error', (err: NodeJS.ErrnoException) => {
        // 'error' without a pid: the program never started (ENOENT, EACCES).
        if (child.pid === undefined) finish(null, null, err);
      });
      child.once('exit', (code, sig) => {
        // Whatever the program left running in its group goes with it.
        killGroup(pgid);
        // Normally the pipes close right after; a process that left the group
        // (setsid) may hold them open, so do not wait for it for long.
        pipeGrace = setTimeout(() => finish(code, sig), 100);
        child.once('close', () => finish(code, sig));
      });
    });
  }
}
