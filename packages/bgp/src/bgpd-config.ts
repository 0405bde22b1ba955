/** The startup config of hacore's private bgpd: sessions and route-maps; prefixes come and go over the vty. */
import { isIP } from 'node:net';
import type { BgpPrefixConfig, BgpSectionConfig } from './config-schema.js';
import { prefixText } from './config-schema.js';

export type PrefixFlavour = 'normal' | 'degraded' | 'gshut';

export function routeMapName(index: number, flavour: PrefixFlavour): string {
  return `HACORE-P${index}-${flavour.toUpperCase()}`;
}

function routeMap(s: BgpSectionConfig, p: BgpPrefixConfig, index: number, flavour: PrefixFlavour): string[] {
  const out = [`route-map ${routeMapName(index, flavour)} permit 10`];
  const communities = [...p.communities, ...(flavour === 'gshut' ? ['graceful-shutdown'] : [])];
  if (communities.length) out.push(` set community ${communities.join(' ')}`);
  if (p.largeCommunities.length) out.push(` set large-community ${p.largeCommunities.join(' ')}`);
  if (p.med !== undefined) out.push(` set metric ${p.med}`);
  if (p.nextHop) out.push(p.prefix.family === 4 ? ` set ip next-hop ${p.nextHop}` : ` set ipv6 next-hop global ${p.nextHop}`);
  if (flavour === 'degraded' && p.degraded) out.push(` set as-path prepend ${Array(p.degraded.prepend).fill(s.localAs).join(' ')}`);
  out.push('exit');
  return out;
}

export function renderBgpdConfig(s: BgpSectionConfig): string {
  const l: string[] = ['frr defaults traditional', 'hostname hacore-bgp', 'no service integrated-vtysh-config', '!'];
  l.push(`router bgp ${s.localAs}`);
  l.push(` bgp router-id ${s.routerId}`);
  // Prefixes are ours to originate: no RIB check (this bgpd has no zebra), no policy required.
  l.push(' no bgp network import-check', ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast');
  for (const n of s.neighbors) {
    l.push(` neighbor ${n.address} remote-as ${n.remoteAs}`);
    l.push(` neighbor ${n.address} timers ${n.keepalive} ${n.holdTime}`);
    l.push(` neighbor ${n.address} timers connect 1`);
    l.push(` neighbor ${n.address} advertisement-interval 0`);
    if (n.password) l.push(` neighbor ${n.address} password ${n.password}`);
    if (n.updateSource) l.push(` neighbor ${n.address} update-source ${n.updateSource}`);
    if (n.ebgpMultihop) l.push(` neighbor ${n.address} ebgp-multihop ${n.ebgpMultihop}`);
  }
  for (const fam of [4, 6] as const) {
    l.push(` address-family ${fam === 4 ? 'ipv4' : 'ipv6'} unicast`);
    for (const n of s.neighbors) if (isIP(n.address) === fam) l.push(`  neighbor ${n.address} activate`);
    l.push(' exit-address-family');
  }
  l.push('exit', '!');
  s.prefixes.forEach((p, i) => {
    for (const f of ['normal', 'degraded', 'gshut'] as const) l.push(...routeMap(s, p, i, f), '!');
  });
  return l.join('\n') + '\n';
}

/** The vty commands that originate (or stop originating) a prefix with a flavour's route-map. */
export function networkCommands(s: BgpSectionConfig, p: BgpPrefixConfig, index: number, flavour: PrefixFlavour | undefined): string[] {
  const af = p.prefix.family === 4 ? 'ipv4' : 'ipv6';
  const net = flavour ? `network ${prefixText(p)} route-map ${routeMapName(index, flavour)}` : `no network ${prefixText(p)}`;
  return ['configure terminal', `router bgp ${s.localAs}`, `address-family ${af} unicast`, net, 'end'];
}
