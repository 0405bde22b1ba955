import { fork, type ChildProcess } from 'node:child_process';
import { forkExecArgv } from '@hacore/core/young-generation';
import type { CommandResult, CommandSpec } from './run-command.js';

const CHILD = new URL('./spawner-child.js', import.meta.url);

function failed(error: string): CommandResult {
  return { outcome: 'spawn-error', code: null, signal: null, durationMs: 0, stdout: '', stderr: '', truncated: false, error };
}

/**
 * Runs commands in a small helper process (started on first use, restarted if
 * it dies), so that fork() never blocks the daemon's event loop. Never rejects.
 */
export class ScriptSpawner {
  private child: ChildProcess | undefined;
  private readonly pending = new Map<number, (r: CommandResult) => void>();
  private seq = 0;
  starts = 0;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the helper now, so that the first notification does not wait for it to boot. */
  warm(): void {
    try {
      this.ensure();
    } catch {
      // run() will report it
    }
  }

  run(spec: CommandSpec): Promise<CommandResult> {
    let child: ChildProcess;
    try {
      child = this.ensure();
    } catch (err) {
      return Promise.resolve(failed(`script runner: ${(err as Error).message}`));
    }
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      child.send({ id, spec }, (err) => {
        if (err && this.pending.delete(id)) resolve(failed(`script runner: ${err.message}`));
      });
    });
  }

  private ensure(): ChildProcess {
    if (this.child?.connected) return this.child;
    const child = fork(CHILD, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: forkExecArgv('spawner', []), serialization: 'json' });
    this.child = child;
    this.starts++;
    child.on('message', (msg: { id: number; result: CommandResult }) => {
      const resolve = this.pending.get(msg.id);
      if (!resolve) return;
      this.pending.delete(msg.id);
      resolve(msg.result);
    });
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      // Whatever it was running is lost: report it, the queues move on.
      for (const [id, resolve] of this.pending) {
        this.pending.delete(id);
        resolve(failed(`script runner exited (${signal ?? code})`));
      }
    });
    child.on('error', () => undefined);
    return child;
  }

  /** Ends the helper; it kills what it still runs. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.disconnect();
    const t = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(t);
  }
}
