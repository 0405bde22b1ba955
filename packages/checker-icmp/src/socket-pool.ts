/**
 * The process's shared ICMP sockets, reference-counted: a socket opens when
 * its first user acquires it and closes when its last user releases it.
 */
import { IcmpSocket, socketKeyId, type IcmpSocketKey, type IcmpSocketStats } from './icmp-socket.js';

export class IcmpSocketPool {
  private readonly sockets = new Map<string, IcmpSocket>();

  acquire(key: IcmpSocketKey): IcmpSocket {
    const id = socketKeyId(key);
    let s = this.sockets.get(id);
    if (!s) {
      s = IcmpSocket.open(key);
      this.sockets.set(id, s);
    }
    s.refs++;
    return s;
  }

  release(socket: IcmpSocket): void {
    if (socket.refs <= 0) return;
    socket.refs--;
    if (socket.refs === 0) {
      const id = socketKeyId(socket.key);
      if (this.sockets.get(id) === socket) this.sockets.delete(id);
      socket.close();
    }
  }

  /** Open sockets by key id, e.g. `ipv4`, `ipv6%eth1`. */
  status(): Record<string, IcmpSocketStats> {
    return Object.fromEntries([...this.sockets].map(([id, s]) => [id, s.status()]));
  }

  get size(): number {
    return this.sockets.size;
  }
}

/** The pool of this process: one socket per family (and per interface / source). */
export const processIcmpSockets = new IcmpSocketPool();
