/**
 * Loader of the hacore_vrrp N-API addon (packages/vrrp/native): packet sockets
 * for gratuitous ARP / unsolicited NA, and IPv6 raw sockets with sendmsg/recvmsg
 * so that the source address is set per packet and the received hop limit is
 * known. Node and raw-socket offer neither (raw-socket has no AF_PACKET and
 * reads with recvfrom, which drops the ancillary data).
 */
import { createRequire } from 'node:module';

export interface Recv6Result {
  bytes: number;
  src: Buffer;
  dst?: Buffer;
  /** -1 when the kernel did not report it (IPV6_RECVHOPLIMIT not set). */
  hopLimit: number;
  ifindex: number;
  truncated: boolean;
}

export interface NativeBinding {
  socket(family: number, type: number, protocol: number): number;
  setsockopt(fd: number, level: number, name: number, value: number | Buffer): void;
  sendFrame(fd: number, ifindex: number, frame: Uint8Array): number;
  send6(fd: number, dst: Uint8Array, ifindex: number, payload: Uint8Array, src: Uint8Array | null, hopLimit: number): number;
  recv6(fd: number, buffer: Buffer): Recv6Result | null;
  poll(fd: number, onReadable: (status: number) => void): object;
  unpoll(handle: object): void;
  close(fd: number): void;
  setRealtime(priority: number, rttimeLimitUs: number): void;
}

/** Linux constants used with the addon. */
export const LINUX = {
  AF_INET6: 10,
  AF_PACKET: 17,
  SOCK_RAW: 3,
  SOL_SOCKET: 1,
  SO_BINDTODEVICE: 25,
  SO_RCVBUF: 8,
  IPPROTO_IPV6: 41,
  IPV6_UNICAST_HOPS: 16,
  IPV6_MULTICAST_IF: 17,
  IPV6_MULTICAST_HOPS: 18,
  IPV6_MULTICAST_LOOP: 19,
  IPV6_JOIN_GROUP: 20,
  IPV6_LEAVE_GROUP: 21,
  IPV6_RECVPKTINFO: 49,
  IPV6_RECVHOPLIMIT: 51,
  IPV6_TCLASS: 67,
  ETH_P_ALL: 0x0003,
} as const;

export class NativeUnavailableError extends Error {
  readonly code = 'HACORE_VRRP_ERR_NATIVE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NativeUnavailableError';
  }
}

let cached: NativeBinding | Error | undefined;

/** The addon, loaded once; throws NativeUnavailableError (with how to build it) if it is missing. */
export function nativeBinding(): NativeBinding {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    try {
      cached = require('../../native/build/Release/hacore_vrrp.node') as NativeBinding;
    } catch (err) {
      cached = new NativeUnavailableError(
        'the hacore_vrrp native addon is not built (needed for GARP/NA and IPv6 VRRP); run `npm rebuild @hacore/vrrp` ' +
          '(needs node-gyp, a C compiler and Node headers; npm must allow the package install script)',
        { cause: err },
      );
    }
  }
  if (cached instanceof Error) throw cached;
  return cached;
}

/** `name` as a NUL-terminated buffer for SO_BINDTODEVICE. */
export function ifnameBuffer(name: string): Buffer {
  return Buffer.from(`${name}\0`, 'latin1');
}
