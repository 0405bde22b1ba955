/**
 * A watched track file: inotify through fs.watch on the file's directory (so
 * a file replaced by rename, deleted or created again is seen, as keepalived
 * watches it), plus a poll that reads the file every `pollInterval` for file
 * systems that do not notify (NFS, FUSE, /proc, /sys) and for a directory that
 * could not be watched. A change is reported once two reads `settle` apart
 * agree, so an editor's replace (rename away, create empty, write) is not
 * reported as the passing "missing" or "empty" it goes through.
 */
import { constants, watch, writeFile, type FSWatcher } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { parseFileValue, sameReading, type FileReading } from './file-value.js';

export interface FileWatchOptions {
  /** Use inotify (fs.watch on the directory); false polls only. */
  watch: boolean;
  /** Read the file this often whatever inotify says; 0 disables the poll (only with watch). */
  pollInterval: number;
  /** Time between the two reads that confirm a change. */
  settle: number;
  /** Bytes read at most: a longer file is invalid. */
  maxBytes?: number;
  /** keepalived init_file: write `value` at start if the file is missing (or always, with overwrite). */
  initFile?: { value: number; overwrite: boolean };
}

const DEFAULT_MAX_BYTES = 4096;

/** Reads a track file once, never throws: a missing file reads as 0 (keepalived), other failures are invalid. */
export async function readFileValue(file: string, maxBytes = DEFAULT_MAX_BYTES): Promise<FileReading> {
  let fh;
  try {
    // O_NONBLOCK: a FIFO put in the file's place must not hang the reader.
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) return { invalid: 'not a regular file' };
    const buf = Buffer.alloc(maxBytes + 1);
    let n = 0;
    // /proc and /sys files report size 0: read until EOF or the bound.
    for (;;) {
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
      if (n > maxBytes) return { invalid: `over ${maxBytes} bytes` };
    }
    return parseFileValue(buf.toString('latin1', 0, n));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { value: 0, missing: true };
    return { invalid: `unreadable ${code ?? (err as Error).message}` };
  } finally {
    await fh?.close().catch(() => {});
  }
}

/** Writes keepalived's init_file value: only where no file is, unless overwrite. Errors are returned, not thrown. */
export function initTrackFile(file: string, init: { value: number; overwrite: boolean }): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    writeFile(file, `${init.value}\n`, { flag: init.overwrite ? 'w' : 'wx', mode: 0o644 }, (err) => resolve(err && err.code !== 'EEXIST' ? err : undefined));
  });
}

/** One watched file. `onChange` gets every confirmed new reading, the first one included. */
export class FileWatch {
  private watcher: FSWatcher | undefined;
  private poll: NodeJS.Timeout | undefined;
  private current: FileReading | undefined;
  private busy = false;
  private again = false;
  private closed = false;
  private pause: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  private first: Promise<FileReading> | undefined;
  /** Counters for status and tests: reads done, inotify events seen, watch (re)starts that failed. */
  readonly counters = { reads: 0, events: 0, watchFailures: 0 };
  /** Set when the last attempt to watch the directory failed. */
  watchError: string | undefined;

  constructor(
    readonly file: string,
    private readonly options: FileWatchOptions,
    private readonly onChange: (reading: FileReading) => void = () => {},
  ) {}

  /** The latest confirmed reading, once the first read is done. */
  get reading(): FileReading | undefined {
    return this.current;
  }

  /** True while inotify watches the directory. */
  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /** Starts watching and polling; resolves with the first reading. Idempotent. */
  start(): Promise<FileReading> {
    this.first ??= (async () => {
      if (this.options.initFile) await initTrackFile(this.file, this.options.initFile);
      if (this.closed) return { invalid: 'closed' };
      if (this.options.watch) this.startWatch();
      const every = this.options.pollInterval || (this.options.watch ? 0 : 1000);
      if (every > 0) {
        this.poll = setInterval(() => {
          if (this.options.watch && !this.watcher) this.startWatch();
          void this.refresh();
        }, every);
      }
      await this.refresh();
      return this.current ?? { invalid: 'closed' };
    })();
    return this.first;
  }

  /** Stops everything: the watcher, the poll and a pending confirmation. */
  close(): void {
    this.closed = true;
    this.stopWatch();
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
    if (this.pause) {
      clearTimeout(this.pause.timer);
      this.pause.resolve();
      this.pause = undefined;
    }
  }

  private startWatch(): void {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file);
    try {
      const w = watch(dir, { persistent: true }, (_event, name) => {
        this.counters.events++;
        // No name (some file systems): it may be ours.
        if (name === null || name === base) void this.refresh();
      });
      w.on('error', (err: NodeJS.ErrnoException) => {
        // The directory went away or the watch broke: the poll reads on and retries the watch.
        this.watchError = err.code ?? err.message;
        this.stopWatch();
        void this.refresh();
      });
      this.watcher = w;
      this.watchError = undefined;
    } catch (err) {
      this.counters.watchFailures++;
      this.watchError = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
  }

  private stopWatch(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pause = undefined;
        resolve();
      }, ms);
      this.pause = { timer, resolve };
    });
  }

  private async read(): Promise<FileReading> {
    this.counters.reads++;
    return readFileValue(this.file, this.options.maxBytes);
  }

  /** Reads the file; a change is confirmed by a second read `settle` later. One refresh at a time; a request during one runs it again. */
  private async refresh(): Promise<void> {
    if (this.busy) {
      this.again = true;
      return;
    }
    this.busy = true;
    try {
      do {
        this.again = false;
        let r = await this.read();
        if (this.closed) return;
        // Up to 5 confirmations: a file that never holds still is reported as it last was.
        for (let i = 0; i < 5 && this.current !== undefined && !sameReading(r, this.current); i++) {
          await this.wait(this.options.settle);
          if (this.closed) return;
          const next = await this.read();
          if (this.closed) return;
          if (sameReading(next, r)) break;
          r = next;
        }
        if (!sameReading(r, this.current)) {
          this.current = r;
          this.onChange(r);
        }
      } while (this.again && !this.closed);
    } finally {
      this.busy = false;
    }
  }
}

/**
 * Shares one FileWatch between the users of the same file with the same
 * options (keepalived reads one track_file for every real server that uses it):
 * a thousand real servers on one maintenance file cost one watch and one poll.
 */
export class FileWatchPool {
  private readonly entries = new Map<string, { watch: FileWatch; users: number }>();

  /** The shared watch (started) and the function that gives it back; the last user closes it. */
  acquire(file: string, options: FileWatchOptions): { watch: FileWatch; release: () => void } {
    const key = JSON.stringify([file, options]);
    let e = this.entries.get(key);
    if (!e) {
      e = { watch: new FileWatch(file, options), users: 0 };
      this.entries.set(key, e);
    }
    e.users++;
    const entry = e;
    let released = false;
    return {
      watch: entry.watch,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.users === 0) {
          entry.watch.close();
          this.entries.delete(key);
        }
      },
    };
  }

  /** Files watched now. */
  get size(): number {
    return this.entries.size;
  }
}
