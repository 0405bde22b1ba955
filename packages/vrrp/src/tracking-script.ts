/**
 * Track scripts (keepalived vrrp_script): a command run every `interval`
 * without a shell, killed at `timeout`; exit 0 is a success. `rise`
 * consecutive successes make it up, `fall` consecutive failures make it down.
 * Never two runs of one script at once.
 */
import { spawn } from 'node:child_process';
import type { TrackScriptConfig } from './config-schema.js';

export type ScriptState = 'unknown' | 'up' | 'down';

/** Rise/fall over a stream of results, pure. */
export class RiseFallCounter {
  state: ScriptState = 'unknown';
  private ok = 0;
  private bad = 0;
  constructor(
    private readonly rise: number,
    private readonly fall: number,
  ) {}

  /** Feeds one result; returns the new state if it changed. */
  push(success: boolean): ScriptState | undefined {
    if (success) {
      this.ok++;
      this.bad = 0;
      if (this.state !== 'up' && this.ok >= this.rise) {
        this.state = 'up';
        return 'up';
      }
    } else {
      this.bad++;
      this.ok = 0;
      if (this.state !== 'down' && this.bad >= this.fall) {
        this.state = 'down';
        return 'down';
      }
    }
    return undefined;
  }
}

export interface ScriptRunResult {
  ok: boolean;
  reason: string;
}

/**
 * Runs argv once without a shell; resolves (never rejects) with success and a reason.
 * `signal` aborts the run: the script is killed at once and the result is a failure.
 */
export function runScriptOnce(argv: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<ScriptRunResult> {
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    if (!cmd) {
      resolve({ ok: false, reason: 'empty command' });
      return;
    }
    if (signal?.aborted) {
      resolve({ ok: false, reason: 'stopped' });
      return;
    }
    let settled = false;
    const done = (r: ScriptRunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    let child: ReturnType<typeof spawn>;
    try {
      // detached: the script leads a process group of its own, so a kill reaches
      // what it started too (a `curl` under a wrapper would outlive a plain kill).
      child = spawn(cmd, args, { stdio: 'ignore', shell: false, detached: true });
    } catch (err) {
      resolve({ ok: false, reason: (err as Error).message });
      return;
    }
    const kill = (): void => {
      try {
        if (child.pid === undefined) throw new Error('no pid');
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      kill();
      done({ ok: false, reason: 'timeout' });
    }, timeoutMs);
    // A stopped runner must not leave its script running (nor this timer holding
    // the event loop open until the script's timeout).
    const onAbort = (): void => {
      kill();
      done({ ok: false, reason: 'stopped' });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => done({ ok: false, reason: (err as NodeJS.ErrnoException).code ?? err.message }));
    child.on('exit', (code, signal) => done(code === 0 ? { ok: true, reason: 'exit 0' } : { ok: false, reason: signal ? `signal ${signal}` : `exit ${code}` }));
  });
}

/** One track script, run periodically until stopped. */
export class TrackScriptRunner {
  private readonly counter: RiseFallCounter;
  private timer: NodeJS.Timeout | undefined;
  /** Aborts the run in progress, if any. */
  private run: AbortController | undefined;
  private stopped = true;
  lastReason: string | undefined;

  constructor(
    readonly name: string,
    private readonly config: TrackScriptConfig,
    private readonly onChange: (name: string, state: 'up' | 'down', reason: string) => void,
  ) {
    this.counter = new RiseFallCounter(config.rise ?? 1, config.fall ?? 1);
  }

  get state(): ScriptState {
    return this.counter.state;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.run?.abort();
    this.run = undefined;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const interval = this.config.interval ?? 1000;
    const run = new AbortController();
    this.run = run;
    const r = await runScriptOnce(this.config.command, this.config.timeout ?? interval, run.signal);
    if (this.run === run) this.run = undefined;
    if (this.stopped) return;
    this.lastReason = r.reason;
    const changed = this.counter.push(r.ok);
    if (changed && changed !== 'unknown') this.onChange(this.name, changed, r.reason);
    this.timer = setTimeout(() => void this.tick(), interval);
  }
}
