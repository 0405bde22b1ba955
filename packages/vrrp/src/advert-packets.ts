/**
 * The adverts an instance sends, encoded once per (priority, source,
 * destination) and reused: a Master sends the same bytes ten times a second,
 * and encoding them each time was most of its idle CPU (issue 18). For IPv4
 * only the IP ID changes per packet; it is patched in place with the header
 * checksum. The bytes are handed to a synchronous sendto, or copied when a full
 * send buffer queues them, so patching the next one cannot change a packet in
 * flight.
 */
import { internetChecksum } from './checksum.js';
import { encodeIpv4VrrpPacket, encodeVrrp, type IpFamily, type VrrpMessageInit } from './codec.js';

/** Distinct (priority, source, destination) kept; an instance uses one to three at a time. */
const MAX_ENTRIES = 16;

export class AdvertPackets {
  private readonly cache = new Map<string, Uint8Array>();

  constructor(
    private readonly family: IpFamily,
    /** The message for a priority; called once per cached entry. */
    private readonly messageInit: (priority: number) => VrrpMessageInit,
  ) {}

  /** IPv4: the whole packet (IP header included) with this IP ID. IPv6: the VRRP message (`id` unused). */
  packet(priority: number, src: string, dst: string, id: number): Uint8Array {
    const key = `${priority}/${src}/${dst}`;
    let bytes = this.cache.get(key);
    if (!bytes) {
      if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
      const init = this.messageInit(priority);
      bytes = this.family === 4 ? encodeIpv4VrrpPacket({ src, dst, id }, init) : encodeVrrp(init, { family: 6, src, dst });
      this.cache.set(key, bytes);
      return bytes;
    }
    if (this.family === 4) {
      bytes[4] = (id >> 8) & 0xff;
      bytes[5] = id & 0xff;
      bytes[10] = 0;
      bytes[11] = 0;
      const sum = internetChecksum(bytes, 0, 20);
      bytes[10] = sum >> 8;
      bytes[11] = sum & 0xff;
    }
    return bytes;
  }

  /** The configuration behind the messages changed (reload rebuilds the instance, so only tests need it). */
  clear(): void {
    this.cache.clear();
  }
}
