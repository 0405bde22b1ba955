import { spawn } from 'node:child_process';

/** One command to run: an argument vector, never a shell line. */
export interface CommandSpec {
  argv: readonly string[];
  uid?: number;
  gid?: number;
  /** Milliseconds before the whole process group is killed. */
  timeout: number;
  /** Milliseconds between SIGTERM and SIGKILL at the timeout. */
  killGrace: number;
  env: Record<string, string>;
  /** Bytes of stdout and of stderr kept for the log; the rest is counted and dropped. */
  maxOutput: number;
}

export interface CommandResult {
  /** `exit` (any code), `signal`, `timeout` or `spawn-error`. */
  outcome: 'exit' | 'signal' | 'timeout' | 'spawn-error';
  code: number | null;
  signal: NodeJS.Signals | null;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** True when output went beyond maxOutput and was cut. */
  truncated: boolean;
  error?: string;
}

class BoundedSink {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    const room = this.max - this.kept;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs one command in a process group of its own (so a timeout reaches every
 * process it started), with a bounded capture of its output. Never rejects.
 */
export function runCommand(spec: CommandSpec, onSpawn?: (pid: number) => void): Promise<CommandResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const out = new BoundedSink(spec.maxOutput);
    const err = new BoundedSink(spec.maxOutput);
    let timedOut = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const [file, ...args] = spec.argv;
    const finish = (r: Omit<CommandResult, 'durationMs' | 'stdout' | 'stderr' | 'truncated'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      resolve({ ...r, durationMs: performance.now() - started, stdout: out.text(), stderr: err.text(), truncated: out.truncated || err.truncated });
    };
    let child;
    try {
      child = spawn(file ?? '', args, {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: spec.env,
        cwd: '/',
        ...(spec.uid !== undefined ? { uid: spec.uid } : {}),
        ...(spec.gid !== undefined ? { gid: spec.gid } : {}),
      });
    } catch (e) {
      resolve({ outcome: 'spawn-error', code: null, signal: null, durationMs: 0, stdout: '', stderr: '', truncated: false, error: (e as Error).message });
      return;
    }
    if (child.pid !== undefined) onSpawn?.(child.pid);
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      const pid = child.pid;
      killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), spec.killGrace);
      killTimer.unref();
    }, spec.timeout);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => finish({ outcome: 'spawn-error', code: null, signal: null, error: e.message }));
    // 'exit', not 'close': a background process that keeps the pipes open must not hold the queue.
    child.on('exit', (code, signal) => {
      if (timedOut && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      // Let output already written reach us, then let go of the pipes.
      setImmediate(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish({ outcome: timedOut ? 'timeout' : signal ? 'signal' : 'exit', code, signal });
      });
    });
  });
}
