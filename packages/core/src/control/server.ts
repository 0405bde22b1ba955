import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { HacoreError } from '../errors.js';
import { MAX_REQUEST_BYTES, type ControlRequest, type ControlResponse } from './protocol.js';

export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

function canConnect(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * The control socket: a unix socket private to its owner (0600 inside a 0700
 * directory we create), one request per connection.
 */
export class ControlServer {
  private server: net.Server | undefined;

  constructor(
    readonly file: string,
    private readonly handler: ControlHandler,
    private readonly logger: Logger,
  ) {}

  async listen(): Promise<void> {
    mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
    if (await canConnect(this.file)) {
      throw new HacoreError('HACORE_ERR_CONTROL', `another hacore is already listening on ${this.file}`);
    }
    try {
      unlinkSync(this.file);
    } catch {
      // no stale socket
    }
    const server = net.createServer((sock) => this.serve(sock));
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.file, () => resolve());
      });
    } finally {
      process.umask(old);
    }
    chmodSync(this.file, 0o600);
    this.server = server;
  }

  private serve(sock: net.Socket): void {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_BYTES) return sock.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      sock.pause();
      void this.answer(line).then((resp) => sock.end(`${JSON.stringify(resp)}\n`));
    });
  }

  private async answer(line: string): Promise<ControlResponse> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
      if (typeof req?.cmd !== 'string') throw new Error('no cmd');
    } catch {
      return { ok: false, error: { code: 'HACORE_ERR_CONTROL', message: 'malformed control request' } };
    }
    try {
      return { ok: true, result: await this.handler(req) };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      this.logger.warn({ cmd: req.cmd, err }, `control command ${req.cmd} failed`);
      return { ok: false, error: { code: e.code ?? 'HACORE_ERR_CONTROL', message: e.message ?? String(err) } };
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    try {
      unlinkSync(this.file);
    } catch {
      // already gone
    }
  }
}
