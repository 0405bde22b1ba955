import { execFile } from 'node:child_process';
import { closeSync, constants, lstatSync, openSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/**
 * Writes keepalived notify_fifo lines without ever blocking the daemon. The FIFO
 * is opened read-write and non-blocking (Linux allows O_RDWR on a FIFO): the open
 * never waits for a reader, lines written while no reader is attached wait in
 * the pipe (64 KiB by default) for the next one, and a line that finds the pipe
 * full is dropped and counted. Lines are shorter than PIPE_BUF, so each is
 * written whole.
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
      try {
        await execFileP('mkfifo', ['-m', '0600', this.path]);
      } catch (err) {
        const why = ((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
        throw new Error(`notify.fifo: cannot create the FIFO ${this.path}: ${why}`, { cause: err });
      }
    }
  }

  write(line: string): boolean {
    const data = Buffer.from(`${line.replace(/[\r\n]/g, ' ')}\n`);
    try {
      if (this.fd === undefined) this.fd = openSync(this.path, constants.O_RDWR | constants.O_NONBLOCK | constants.O_APPEND);
      writeSync(this.fd, data);
      this.written++;
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      this.lastError = code;
      // EAGAIN is a full pipe: keep the descriptor. Anything else: reopen at the next line.
      if (code !== 'EAGAIN') this.close();
      this.dropped++;
      return false;
    }
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
