import { POLL_READABLE, type RawSocket } from '@hacore/native';
import { errnoName } from './errors.js';

/** A request that found the send buffer full and waits for the socket to be writable. */
export interface QueuedSend {
  packet: Buffer;
  address: string;
  before: () => void;
  after: (err: Error | null) => void;
}

/** The sends waiting for room in a socket's send buffer, in order. */
export class SendQueue {
  private queue: QueuedSend[] = [];

  get length(): number {
    return this.queue.length;
  }

  push(q: QueuedSend): void {
    this.queue.push(q);
  }

  /**
   * Writable: sends what waits, in order, while `sock` is still `current()`,
   * until the buffer is full again; then asks only for readable events.
   */
  flush(sock: RawSocket, current: () => RawSocket | undefined): void {
    while (this.queue.length > 0 && current() === sock) {
      const q = this.queue[0]!;
      q.before();
      try {
        sock.sendTo(q.packet, q.address);
      } catch (err) {
        if (errnoName(err) === 'EAGAIN') return;
        this.queue.shift();
        q.after(err as Error);
        continue;
      }
      this.queue.shift();
      q.after(null);
    }
    if (!sock.isClosed && sock.polling) sock.setPollEvents(POLL_READABLE);
  }

  /** Forgets every waiting send; with `err`, each is told it failed. */
  clear(err?: Error): void {
    const queued = this.queue;
    this.queue = [];
    if (err) for (const q of queued) q.after(err);
  }
}
