import type { ServerResponse } from 'node:http';

/**
 * The live pages: one server-sent event stream each. A slow page does not slow
 * the daemon: a stream whose socket buffer grows past `maxBuffered` is closed
 * (the page reconnects and reads a fresh snapshot).
 */
export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    readonly maxClients: number,
    private readonly maxBuffered = 4 << 20,
  ) {
    this.heartbeat = setInterval(() => this.comment('keepalive'), 15_000).unref();
  }

  get size(): number {
    return this.clients.size;
  }

  /** Takes over a response as an event stream; false when full. */
  add(res: ServerResponse, first: { event: string; data: unknown }[]): boolean {
    if (this.clients.size >= this.maxClients) return false;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.socket?.setNoDelay(true);
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    for (const f of first) this.write(res, frame(f.event, f.data));
    return true;
  }

  send(event: string, data: unknown): void {
    if (this.clients.size === 0) return;
    const f = frame(event, data);
    for (const res of this.clients) this.write(res, f);
  }

  private comment(text: string): void {
    for (const res of this.clients) this.write(res, `: ${text}\n\n`);
  }

  private write(res: ServerResponse, chunk: string): void {
    if (res.writableLength > this.maxBuffered) {
      res.destroy();
      this.clients.delete(res);
      return;
    }
    res.write(chunk);
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
