/**
 * How a raw ICMP / ICMPv6 socket is opened and set up: the kernel-side filter
 * of ICMP types, large buffers, SO_BINDTODEVICE and IP_HDRINCL / IPV6_HDRINCL.
 */
import { LINUX, RawSocket } from '@hacore/native';
import type { IpFamily } from '@hacore/core/ip-address';
import { IcmpError, errnoName } from './errors.js';

const SOCKET_BUFFER_BYTES = 4 << 20;

/** Opens a raw ICMP (or ICMPv6) socket. Throws IcmpError (HACORE_ERR_ICMP_CAP_NET_RAW without the capability). */
export function openIcmpSocket(family: IpFamily): RawSocket {
  try {
    return RawSocket.open(family, family === 4 ? LINUX.IPPROTO_ICMP : LINUX.IPPROTO_ICMPV6);
  } catch (cause) {
    if ((cause as { code?: string }).code === 'HACORE_ERR_NATIVE_UNAVAILABLE') {
      throw new IcmpError('HACORE_ERR_ICMP_RAW_SOCKET_MISSING', `the @hacore/native addon could not be loaded: ${(cause as Error).message}`, { cause });
    }
    const errno = errnoName(cause);
    if (errno === 'EPERM' || errno === 'EACCES') {
      throw new IcmpError(
        'HACORE_ERR_ICMP_CAP_NET_RAW',
        `ICMP checks need CAP_NET_RAW to open a raw ${family === 4 ? 'ICMP' : 'ICMPv6'} socket (${errno}): run hacore as root, or grant the capability (systemd AmbientCapabilities=CAP_NET_RAW, or setcap cap_net_raw+ep on the node binary)`,
        { cause, errno },
      );
    }
    throw new IcmpError('HACORE_ERR_ICMP_SOCKET', `cannot open a raw IPv${family} ICMP socket: ${(cause as Error).message}`, { cause, ...(errno ? { errno } : {}) });
  }
}

/** The bitmap for ICMP_FILTER / ICMP6_FILTER: only echo replies and the errors that quote an echo request pass. */
export function icmpFilter(family: IpFamily): number | Buffer {
  if (family === 4) {
    const pass = (1 << 0) | (1 << 3) | (1 << 11);
    return ~pass >>> 0;
  }
  const filter = Buffer.alloc(32, 0xff);
  for (const type of [1, 2, 3, 4, 129]) {
    const word = type >> 5;
    filter.writeUInt32LE((filter.readUInt32LE(word * 4) & ~(1 << (type & 31))) >>> 0, word * 4);
  }
  return filter;
}

/** Sets up a freshly opened socket; throws IcmpError (HACORE_ERR_ICMP_SOCKET) naming the option that failed. */
export function configureIcmpSocket(sock: RawSocket, family: IpFamily, device: string | undefined, headerIncluded: boolean): void {
  const set = (what: string, fn: () => void): void => {
    try {
      fn();
    } catch (cause) {
      const errno = errnoName(cause);
      throw new IcmpError('HACORE_ERR_ICMP_SOCKET', `cannot set ${what} on the raw IPv${family} ICMP socket: ${(cause as Error).message}`, { cause, ...(errno ? { errno } : {}) });
    }
  };
  // Only echo replies and the errors that quote an echo request reach us: a
  // busy host's other ICMP traffic is dropped in the kernel.
  if (family === 4) set('ICMP_FILTER', () => sock.setOption(LINUX.SOL_RAW, LINUX.ICMP_FILTER, icmpFilter(4)));
  else set('ICMP6_FILTER', () => sock.setOption(LINUX.IPPROTO_ICMPV6, LINUX.ICMP6_FILTER, icmpFilter(6)));
  // Thousands of replies can arrive in a burst, and thousands of requests
  // can be in the kernel at once (a full send buffer means EAGAIN and the
  // slow path); root may exceed rmem_max / wmem_max.
  for (const [force, plain] of [[LINUX.SO_RCVBUFFORCE, LINUX.SO_RCVBUF], [LINUX.SO_SNDBUFFORCE, LINUX.SO_SNDBUF]] as const) {
    try {
      sock.setOption(LINUX.SOL_SOCKET, force, SOCKET_BUFFER_BYTES);
    } catch {
      try {
        sock.setOption(LINUX.SOL_SOCKET, plain, SOCKET_BUFFER_BYTES);
      } catch {
        // The default buffer still works, with more drops or queued sends under bursts.
      }
    }
  }
  if (device) set(`SO_BINDTODEVICE ${device}`, () => sock.bindToDevice(device));
  if (headerIncluded) set(family === 4 ? 'IP_HDRINCL' : 'IPV6_HDRINCL', () => sock.setHeaderIncluded(true));
}
