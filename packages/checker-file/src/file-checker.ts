import type { CheckResult, Checker, CheckSpec } from '@hacore/core';
import { fileCheckStatus, type FileCheckMapping } from './file-value.js';
import { FileWatch, type FileWatchOptions, type FileWatchPool } from './file-watch.js';

export interface FileCheckOptions {
  /** The file to read (keepalived track_file `file`). */
  path: string;
  dynamic: boolean;
  /** Multiplier of the value with dynamic (keepalived FILE_CHECK `weight`). Default 1. */
  multiplier?: number;
  reverse: boolean;
  watch: boolean;
  pollInterval: number;
  settle: number;
  initFile?: { value: number; overwrite: boolean };
}

export type FileCheckSpec = CheckSpec<FileCheckOptions>;

/**
 * keepalived's FILE_CHECK: the integer in a file makes the real server up or
 * down and, with dynamic, adjusts its weight. The file is watched (inotify and
 * a poll) from the first probe until close(), through `pool` when given (one
 * watch per file for all the checks on it); a probe answers from the latest
 * reading without I/O. Never rejects.
 */
export class FileChecker implements Checker {
  private watch: FileWatch | undefined;
  private release: (() => void) | undefined;
  private readonly mapping: FileCheckMapping;

  constructor(
    private readonly spec: FileCheckSpec,
    private readonly pool?: FileWatchPool,
  ) {
    this.mapping = { dynamic: spec.dynamic, multiplier: spec.multiplier ?? 1, reverse: spec.reverse, baseWeight: spec.weight ?? 1 };
  }

  async probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    const done = (r: { ok: boolean; reason: string; weight?: number }): CheckResult => ({ ...r, latencyMs: Math.round((performance.now() - started) * 1000) / 1000 });
    if (signal.aborted) return done({ ok: false, reason: 'timeout' });
    if (!this.watch) {
      const opts: FileWatchOptions = { watch: this.spec.watch, pollInterval: this.spec.pollInterval, settle: this.spec.settle };
      if (this.spec.initFile) opts.initFile = this.spec.initFile;
      if (this.pool) {
        const shared = this.pool.acquire(this.spec.path, opts);
        this.watch = shared.watch;
        this.release = shared.release;
      } else this.watch = new FileWatch(this.spec.path, opts);
    }
    const reading = this.watch.reading ?? (await untilAborted(this.watch.start(), signal));
    if (reading === undefined) return done({ ok: false, reason: 'timeout' });
    return done(fileCheckStatus(reading, this.mapping));
  }

  close(): void {
    if (this.release) this.release();
    else this.watch?.close();
    this.watch = undefined;
    this.release = undefined;
  }
}

/** The promise's value, or undefined if the signal aborts first; the listener is removed either way. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  return new Promise((resolve) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(undefined);
      },
    );
  });
}
