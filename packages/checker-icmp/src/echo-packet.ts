import { ipBytes, type IpFamily } from '@hacore/core/ip-address';
import { encodeEchoRequest, encodeIpv4Header, encodeIpv6Header } from './codec.js';
import { idOf, seqOf } from './probe-table.js';

/**
 * The packet one probe sends: the echo request alone, or (with a source
 * address, IP_HDRINCL / IPV6_HDRINCL) behind the IP header we write.
 */
export function echoPacket(family: IpFamily, source: Buffer | undefined, destination: string, key: number, payload: Buffer): Buffer {
  if (!source) return encodeEchoRequest(family, idOf(key), seqOf(key), payload);
  const dst = ipBytes(destination);
  if (family === 4) {
    const icmp = encodeEchoRequest(4, idOf(key), seqOf(key), payload);
    return Buffer.concat([encodeIpv4Header(source, dst, icmp.length), icmp]);
  }
  const icmp = encodeEchoRequest(6, idOf(key), seqOf(key), payload, { source, destination: dst });
  return Buffer.concat([encodeIpv6Header(source, dst, icmp.length), icmp]);
}
