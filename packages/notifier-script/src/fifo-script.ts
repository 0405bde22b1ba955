import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '@hacore/core';
import type { Command } from './config.js';

/**
 * keepalived's notify_fifo_script: a long-running reader started with the FIFO
 * path as its last argument, in a process group of its own. It is restarted
 * (after 1 s, doubling up to 30 s while it keeps dying young) until the daemon
 * stops; then its group gets SIGTERM and, `killGrace` later, SIGKILL.
 */
export class FifoScriptRunner {
  private child: ChildProcess | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private delay = 1000;
  starts = 0;

  constructor(
    private readonly cmd: Command,
    private readonly fifo: string,
    private readonly env: Record<string, string>,
    private readonly killGrace: number,
    private readonly log: Logger,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopped) return;
    const [file, ...args] = [...this.cmd.argv, this.fifo];
    const startedAt = Date.now();
    const child = spawn(file as string, args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: this.env,
      cwd: '/',
      ...(this.cmd.uid !== undefined ? { uid: this.cmd.uid } : {}),
      ...(this.cmd.gid !== undefined ? { gid: this.cmd.gid } : {}),
    });
    this.child = child;
    this.starts++;
    // Its output goes to the log line by line, each line cut to 1 KiB.
    for (const [name, stream] of [['stdout', child.stdout], ['stderr', child.stderr]] as const) {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (d: string) => {
        buf += d;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          this.log.info({ fifoScript: this.cmd.argv[0], [name]: buf.slice(0, Math.min(nl, 1024)) }, 'notify fifo script output');
          buf = buf.slice(nl + 1);
        }
        if (buf.length > 4096) buf = buf.slice(-1024);
      });
    }
    // A program that cannot be started (removed or replaced since the config was
    // read) gets 'error' and no 'exit': it is tried again on the same schedule.
    child.on('error', (err) => {
      this.log.warn({ err, fifoScript: this.cmd.argv[0] }, 'notify fifo script failed to start');
      if (child.pid === undefined) this.restart(child, startedAt, 'could not be started');
    });
    child.on('exit', (code, signal) => {
      this.log.warn({ fifoScript: this.cmd.argv[0], code, signal }, 'notify fifo script exited');
      this.restart(child, startedAt, 'exited');
    });
    this.log.info({ fifoScript: this.cmd.argv, pid: child.pid }, 'notify fifo script started');
  }

  private restart(child: ChildProcess, startedAt: number, what: string): void {
    if (this.child === child) this.child = undefined;
    if (this.stopped) return;
    // 1 s after one that ran for a minute or more; doubling (up to 30 s) while it keeps dying young.
    const wait = Date.now() - startedAt > 60_000 ? 1000 : this.delay;
    this.delay = Math.min(30_000, wait * 2);
    this.log.warn({ fifoScript: this.cmd.argv[0], restartInMs: wait }, `notify fifo script ${what}; restarting`);
    this.restartTimer = setTimeout(() => this.start(), wait);
    this.restartTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const kill = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // already gone
      }
    };
    kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, this.killGrace)))]);
    clearTimeout(timer);
    kill('SIGKILL');
  }
}
