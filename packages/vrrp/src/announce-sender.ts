/**
 * Gratuitous ARP (IPv4 VIPs) and unsolicited neighbour advertisements (IPv6
 * VIPs) on becoming Master: `repeat` frames per VIP at once, again after
 * `masterDelay`, then optionally every `refresh`. Frames go out whole over a
 * packet socket (@hacore/native), as keepalived sends them, so an NA
 * does not need the VIP on the interface first and every byte is ours.
 */
import { PacketSocket } from '@hacore/native';

export interface AnnounceTarget {
  family: 4 | 6;
  address: string;
  ifindex: number;
  ifname: string;
  mac: Uint8Array;
}

export interface AnnounceSettings {
  repeat: number;
  masterDelay: number;
  interval: number;
  refresh?: number;
  refreshRepeat: number;
}

/** Builds the Ethernet frame that announces `target` (announce-frames.ts). */
export type FrameBuilder = (target: AnnounceTarget) => Uint8Array;

export interface AnnounceCounters {
  garpSent: number;
  naSent: number;
  errors: number;
}

/** One packet socket per process, opened on first use (it never receives: protocol 0). */
let packet: PacketSocket | undefined;
function packetSocket(): PacketSocket {
  packet ??= PacketSocket.open();
  return packet;
}

/** Closes the shared packet socket (plugin shutdown). */
export function closePacketSocket(): void {
  if (packet !== undefined) {
    packet.close();
    packet = undefined;
  }
}

/** Sends one frame now; returns false (and counts) on failure rather than throwing. */
export function sendFrame(ifindex: number, frame: Uint8Array): void {
  packetSocket().sendFrame(ifindex, frame);
}

/**
 * The announcements of one instance. `start()` on becoming Master, `stop()` on
 * leaving it; timers never outlive the Master state.
 */
export class AnnounceSender {
  readonly counters: AnnounceCounters = { garpSent: 0, naSent: 0, errors: 0 };
  private timers = new Set<NodeJS.Timeout>();
  private active = false;

  constructor(
    private readonly build: FrameBuilder,
    private readonly onError: (err: Error, target: AnnounceTarget) => void,
    /** How a frame leaves; the packet socket by default (tests pass a recorder). */
    private readonly send: (ifindex: number, frame: Uint8Array) => void = sendFrame,
  ) {}

  /** Sends the first burst now and schedules the delayed burst and the refresh. */
  start(targets: () => AnnounceTarget[], s: AnnounceSettings): void {
    this.stop();
    this.active = true;
    this.burst(targets(), s.repeat, s.interval);
    if (s.masterDelay > 0 && s.repeat > 0) this.later(s.masterDelay, () => this.burst(targets(), s.repeat, s.interval));
    if (s.refresh !== undefined) {
      const every = s.refresh;
      const tick = (): void => {
        this.burst(targets(), s.refreshRepeat, s.interval);
        this.later(every, tick);
      };
      this.later(every, tick);
    }
  }

  /** One burst for some targets (e.g. a VIP restored), only while active. */
  announce(targets: AnnounceTarget[], repeat: number, interval: number): void {
    if (this.active) this.burst(targets, repeat, interval);
  }

  stop(): void {
    this.active = false;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.active) fn();
    }, ms);
    this.timers.add(t);
  }

  private burst(targets: AnnounceTarget[], repeat: number, interval: number): void {
    if (repeat <= 0 || targets.length === 0) return;
    const frames = targets.map((t) => ({ t, frame: this.safeBuild(t) }));
    const sendRound = (): void => {
      for (const { t, frame } of frames) {
        if (!frame) continue;
        try {
          this.send(t.ifindex, frame);
          if (t.family === 4) this.counters.garpSent++;
          else this.counters.naSent++;
        } catch (err) {
          this.counters.errors++;
          this.onError(err as Error, t);
        }
      }
    };
    if (interval <= 0) {
      for (let i = 0; i < repeat; i++) sendRound();
      return;
    }
    sendRound();
    let left = repeat - 1;
    const next = (): void => {
      if (left-- <= 0) return;
      sendRound();
      this.later(interval, next);
    };
    this.later(interval, next);
  }

  private safeBuild(t: AnnounceTarget): Uint8Array | undefined {
    try {
      return this.build(t);
    } catch (err) {
      this.counters.errors++;
      this.onError(err as Error, t);
      return undefined;
    }
  }
}
