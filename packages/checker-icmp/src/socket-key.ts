import { canonicalIp, type IpFamily } from '@hacore/core/ip-address';

/** Which shared socket a check uses: one per family, plus one per distinct interface / source address. */
export interface IcmpSocketKey {
  family: IpFamily;
  /** Interface to bind to (SO_BINDTODEVICE). */
  device?: string | undefined;
  /** Source address written into the IP header we build (IP_HDRINCL / IPV6_HDRINCL). */
  source?: string | undefined;
}

export function socketKeyId(k: IcmpSocketKey): string {
  return `ipv${k.family}${k.device ? `%${k.device}` : ''}${k.source ? `@${canonicalIp(k.source)}` : ''}`;
}
