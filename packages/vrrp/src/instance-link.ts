/**
 * Link watching and source choice of one VRRP instance, as pure functions of
 * what the netlink reflector knows: which address the instance sends from, and
 * whether its own interface (and vmac) lets it run at all.
 */
import type { VrrpInstanceConfig } from './config-schema.js';
import { normalizeIp } from '@hacore/core/ip-address';
import type { NetlinkReflector } from './netlink-reflector.js';

/**
 * The source of adverts: `unicastSource`, else the interface's primary IPv4
 * address (not a VIP) or its IPv6 link-local address; undefined when it has none.
 */
export function chooseSource(config: VrrpInstanceConfig, reflector: NetlinkReflector, ifindex: number, vips: ReadonlySet<string>): string | undefined {
  if (config.unicastSource) return normalizeIp(config.unicastSource) ?? config.unicastSource;
  if (!ifindex) return undefined;
  return config.family === 4 ? reflector.primaryIpv4(ifindex, vips) : reflector.linkLocal6(ifindex);
}

/** Why the instance's own interface keeps it in Fault, or undefined when it can run. */
export function interfaceProblem(config: VrrpInstanceConfig, reflector: NetlinkReflector, hasSocket: boolean, source: string | undefined): string | undefined {
  const l = reflector.link(config.interface);
  if (!l || !l.up) return `interface ${config.interface} down`;
  if (config.vmac) {
    const v = reflector.link(config.vmac);
    if (!v || !v.up) return `vmac ${config.vmac} down`;
  }
  if (!hasSocket) return `no VRRP socket on ${config.interface}`;
  if (source === undefined) return `no source address on ${config.interface}`;
  return undefined;
}
