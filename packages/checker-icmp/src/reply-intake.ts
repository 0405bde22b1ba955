import type { RawSocket } from '@hacore/native';
import { canonicalIp, type IpFamily } from '@hacore/core/ip-address';
import { decodeIcmp } from './codec.js';
import { errnoName } from './errors.js';
import type { ProbeTable } from './probe-table.js';

export interface IntakeCounters {
  received: number;
  ignored: number;
  socketErrors: number;
}

/** Reads what comes back on one raw ICMP socket and hands each reply or quoted error to the probe table. */
export class ReplyIntake {
  /** inet_ntop text of a reply's source -> canonicalIp, so that a busy socket does not parse every source. */
  private readonly sourceText = new Map<string, string>();
  private readonly recvBuffer = Buffer.alloc(65_536);

  constructor(
    private readonly family: IpFamily,
    private readonly table: ProbeTable,
    private readonly counters: IntakeCounters,
  ) {}

  /**
   * Reads what the kernel has queued, up to `max` packets, until EAGAIN, while
   * `sock` is still `current()`. Called on readable events and before a probe
   * is declared timed out: libuv runs timers before polling, so after a busy or
   * starved stretch of the event loop a reply that came in time may still be
   * waiting in the socket.
   */
  drain(sock: RawSocket | undefined, max: number, current: () => RawSocket | undefined): void {
    if (!sock) return;
    for (let i = 0; i < max && current() === sock; i++) {
      let r;
      try {
        r = sock.recvFrom(this.recvBuffer);
      } catch (err) {
        // A pending socket error (an ICMP error for an earlier packet), now
        // consumed; the packets queued behind it are still there to read.
        if (errnoName(err) === 'EAGAIN') break;
        this.counters.socketErrors++;
        continue;
      }
      if (!r) break;
      this.onMessage(this.recvBuffer.subarray(0, r.bytes), r.src);
    }
  }

  private onMessage(buf: Buffer, source: string): void {
    this.counters.received++;
    const d = decodeIcmp(this.family, buf);
    if (d.kind === 'echo-reply') {
      let from: string;
      try {
        from = this.family === 4 ? source : this.canonicalSource(source);
      } catch {
        this.counters.ignored++;
        return;
      }
      this.table.onReply(d.id, d.seq, from, d.payload);
    } else if (d.kind === 'error') {
      this.table.onError(d.id, d.seq, d.destination, d.reason);
    } else {
      this.counters.ignored++;
    }
  }

  private canonicalSource(source: string): string {
    let c = this.sourceText.get(source);
    if (c === undefined) {
      c = canonicalIp(source);
      // Bounded: a flood of replies from random sources must not grow it without end.
      if (this.sourceText.size >= 65_536) this.sourceText.clear();
      this.sourceText.set(source, c);
    }
    return c;
  }
}
