import { execFile } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/**
 * Writes keepalived notify_fifo lines without ever blocking the daemon: the FIFO
 * is opened non-blocking, a line (shorter than PIPE_BUF, so written whole) that
 * finds no reader or a full pipe is dropped and counted.
 */
export class FifoWriter {
  private fd: number | undefined;
  written = 0;
  dropped = 0;
  lastError: string | undefined;

  constructor(readonly path: string) {}

  /** Creates the FIFO when it does not exist (keepalived does the same). */
  async prepare(): Promise<void> {
    try {
      lstatSync(this.path);
    } catch {
      // Node has no mkfifo(3); coreutils' mkfifo is on every Linux this daemon targets.
      await execFileP('mkfifo', ['-m', '0600', this.path]);
    }
  }

  write(line: string): boolean {
    const data = Buffer.from(`${line.replace(/[\r\n]/g, ' ')}\n`);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        if (this.fd === undefined) this.fd = openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_APPEND);
        writeSync(this.fd, data);
        this.written++;
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        this.lastError = code;
        this.close();
        // EPIPE: the reader went away; one reopen finds a new reader if there is one.
        if (code !== 'EPIPE') break;
      }
    }
    this.dropped++;
    return false;
  }

  close(): void {
    if (this.fd !== undefined) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = undefined;
    }
  }
}
