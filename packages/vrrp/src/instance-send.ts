/**
 * What one instance sends: its adverts (encoded once, advert-packets.ts) and the
 * priority-0 adverts kept armed in the stop signal's handler while it is Master
 * (stop-adverts.ts), so that a SIGTERM sends them before the event loop runs and
 * the stop path does not send them twice.
 */
import type { Logger } from 'pino';
import { AdvertPackets } from './advert-packets.js';
import { encodeIpv4VrrpPacket, encodeVrrp, intervalMsToAdverInt, simplePasswordAuthData, VRRP_AUTH_SIMPLE, type VrrpMessageInit } from './codec.js';
import type { VrrpInstanceConfig } from './config-schema.js';
import type { InstanceCounters } from './instance-counters.js';
import { parseIpv6 } from '@hacore/core/ip-address';
import { Ipv4IdCounter } from './ip-header.js';
import { armStopAdverts, disarmStopAdverts, sentOnSignal, stopAdvertKey } from './stop-adverts.js';
import { VRRP_GROUP_V4, VRRP_GROUP_V6, type InterfaceTransport } from './transport.js';

/** Where the instance sends from, now. */
export interface SendPath {
  transport: InterfaceTransport | undefined;
  source: string | undefined;
  ifindex: number;
}

export class AdvertOutput {
  private readonly ids = new Ipv4IdCounter();
  private readonly packets: AdvertPackets;
  private readonly destinationList: readonly string[];
  private readonly advertVips: readonly string[];
  /** IPv4 adverts queued behind a full send buffer: stop() waits for them. */
  readonly pendingSends = new Set<Promise<void>>();
  /** Our priority-0 frames in the stop signal's table. */
  private readonly stopKey = stopAdvertKey();
  /** The signal handler sent our priority-0 adverts: leave() must not send them again. */
  private zeroSentOnSignal = false;
  private stopArmed = false;

  constructor(
    private readonly config: VrrpInstanceConfig,
    private readonly counters: InstanceCounters,
    private readonly log: Logger,
  ) {
    this.advertVips = config.virtualAddresses.map((v) => v.address);
    this.packets = new AdvertPackets(config.family, (priority) => this.messageInit(priority));
    this.destinationList = config.unicastPeers.length > 0 ? config.unicastPeers : [config.family === 4 ? VRRP_GROUP_V4 : VRRP_GROUP_V6];
  }

  private messageInit(priority: number): VrrpMessageInit {
    const init: VrrpMessageInit = {
      version: this.config.version,
      vrid: this.config.vrid,
      priority,
      adverInt: intervalMsToAdverInt(this.config.version, this.config.advertInterval),
      addresses: this.advertVips,
    };
    if (this.config.authentication) {
      init.authType = VRRP_AUTH_SIMPLE;
      init.authData = simplePasswordAuthData(this.config.authentication.password);
    }
    return init;
  }

  /**
   * While Master (`master`), our priority-0 adverts wait ready-made in the stop
   * signal's handler, which sends them before the event loop runs; otherwise
   * nothing is armed.
   */
  armStop(master: boolean, path: SendPath): void {
    const t = path.transport;
    const fd = t?.fd;
    const src = path.source;
    if (!master || !t || fd === undefined || !src) {
      this.disarmStop();
      return;
    }
    this.stopArmed = true;
    const init = this.messageInit(0);
    armStopAdverts(
      this.stopKey,
      this.destinationList.map((dst) =>
        this.config.family === 4
          ? { fd, family: 4 as const, bytes: Buffer.from(encodeIpv4VrrpPacket({ src, dst, id: this.ids.next() }, init)), dst }
          : { fd, family: 6 as const, bytes: Buffer.from(encodeVrrp(init, { family: 6, src, dst })), dst, ifindex: path.ifindex, src16: Buffer.from(parseIpv6(src)!) },
      ),
    );
  }

  disarmStop(): void {
    this.stopArmed = false;
    disarmStopAdverts(this.stopKey);
  }

  /** leave(): counts what the signal handler already sent (so the shutdown's priority 0 is not sent twice) and disarms. */
  takeSentOnSignal(): void {
    const sent = sentOnSignal(this.stopKey);
    if (sent > 0) {
      this.zeroSentOnSignal = true;
      this.counters.advertsSent += sent;
    }
    this.disarmStop();
  }

  /**
   * A Backup encodes now the advert it would send on taking over: the takeover
   * then only patches the IP ID and calls sendto, with no first-time encoding
   * (nor V8's first compile of the encoder) between the timer and the wire.
   */
  prepare(priority: number, path: SendPath): void {
    if (!path.source || priority < 1) return;
    for (const dst of this.destinationList) this.packets.packet(priority, path.source, dst, 0);
  }

  /** One advert encoded afresh: the cache holds the configured interval only. */
  private encodeOnce(init: VrrpMessageInit, src: string, dst: string, id: number): Uint8Array {
    return this.config.family === 4 ? encodeIpv4VrrpPacket({ src, dst, id }, init) : encodeVrrp(init, { family: 6, src, dst });
  }

  /**
   * `intervalMs`: advertise another interval than the configured one (a Master
   * stepping down for a higher priority sends its last advert with the winner's).
   */
  send(priority: number, path: SendPath, intervalMs?: number): void {
    if (priority === 0 && this.zeroSentOnSignal) {
      this.zeroSentOnSignal = false;
      return;
    }
    // The stop signal's handler already said goodbye for us: an advert timer that
    // fires before the stop path runs must not undo it (the Backups would wait 3 intervals).
    if (this.stopArmed && sentOnSignal(this.stopKey) > 0) return;
    const t = path.transport;
    const src = path.source;
    if (!t || !src) return;
    for (const dst of this.destinationList) {
      try {
        const other = intervalMs !== undefined && intervalMs !== this.config.advertInterval;
        const init = other ? { ...this.messageInit(priority), adverInt: intervalMsToAdverInt(this.config.version, intervalMs) } : undefined;
        if (this.config.family === 4) {
          const id = this.ids.next();
          const pkt = init ? this.encodeOnce(init, src, dst, id) : this.packets.packet(priority, src, dst, id);
          this.counters.advertsSent++;
          if (t.trySend4(pkt, dst) !== undefined) continue;
          const p = t.send4(pkt, dst).then(
            () => undefined,
            (err: unknown) => {
              this.counters.sendErrors++;
              this.log.warn({ err, dst }, 'could not send an advert');
            },
          );
          // A full send buffer queues the advert until the socket is writable: stop() waits for these
          // so the priority-0 advert leaves before the socket closes.
          this.pendingSends.add(p);
          void p.finally(() => this.pendingSends.delete(p));
        } else {
          t.send6(init ? this.encodeOnce(init, src, dst, 0) : this.packets.packet(priority, src, dst, 0), dst, src);
          this.counters.advertsSent++;
        }
      } catch (err) {
        this.counters.sendErrors++;
        this.log.warn({ err, dst }, 'could not send an advert');
      }
    }
  }
}
