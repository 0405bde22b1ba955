/**
 * FRR's vtysh protocol over a daemon's vty unix socket: a command is sent as a
 * NUL-terminated line; the reply is the command's output followed by three
 * NUL bytes and a one-byte status (0 = success). Commands run one at a time.
 */
import { connect, type Socket } from 'node:net';

export class VtyError extends Error {
  readonly code = 'HACORE_BGP_ERR_VTY';
  constructor(message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VtyError';
  }
}

export class VtyClient {
  private socket: Socket | undefined;
  private buf = Buffer.alloc(0);
  private waiting: { resolve(out: string): void; reject(err: Error): void; cmd: string } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly path: string, private readonly timeoutMs = 5000) {}

  async connect(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const s = connect(this.path);
      s.once('connect', () => {
        s.off('error', reject);
        resolve();
      });
      s.once('error', reject);
      this.socket = s;
    });
    const s = this.socket!;
    s.on('data', (d: Buffer) => this.onData(d));
    s.on('error', () => {});
    s.on('close', () => {
      this.closed = true;
      this.waiting?.reject(new VtyError(`vty ${this.path} closed`));
      this.waiting = undefined;
    });
  }

  get connected(): boolean {
    return !!this.socket && !this.closed;
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    for (let i = 0; i + 3 < this.buf.length; i++) {
      if (this.buf[i] === 0 && this.buf[i + 1] === 0 && this.buf[i + 2] === 0) {
        const out = this.buf.subarray(0, i).toString('utf8');
        const status = this.buf[i + 3]!;
        this.buf = this.buf.subarray(i + 4);
        const w = this.waiting;
        this.waiting = undefined;
        if (!w) return;
        if (status === 0) w.resolve(out);
        else w.reject(new VtyError(`bgpd refused "${w.cmd}" (status ${status}): ${out.trim()}`, status));
        return;
      }
    }
  }

  /** Runs one command; rejects on a non-zero status, a closed socket or a timeout. */
  run(cmd: string): Promise<string> {
    const p = this.queue.then(
      () =>
        new Promise<string>((resolve, reject) => {
          if (!this.connected) return reject(new VtyError(`vty ${this.path} not connected`));
          const t = setTimeout(() => {
            this.waiting = undefined;
            reject(new VtyError(`bgpd did not answer "${cmd}" within ${this.timeoutMs} ms`));
            this.close();
          }, this.timeoutMs);
          this.waiting = {
            cmd,
            resolve: (o) => (clearTimeout(t), resolve(o)),
            reject: (e) => (clearTimeout(t), reject(e)),
          };
          this.socket!.write(Buffer.from(cmd + '\0', 'utf8'));
        }),
    );
    this.queue = p.catch(() => {});
    return p;
  }

  /** Runs commands in order, stopping at the first failure. */
  async runAll(cmds: readonly string[]): Promise<void> {
    for (const c of cmds) await this.run(c);
  }

  async json<T>(cmd: string): Promise<T> {
    const out = await this.run(cmd);
    return JSON.parse(out) as T;
  }

  close(): void {
    this.closed = true;
    this.socket?.destroy();
  }
}
