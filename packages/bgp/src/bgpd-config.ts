/**
 * What hacore's private bgpd is told: the startup config (sessions and
 * route-maps), and the vty commands that change it live. Route-maps are named
 * by the prefix and a digest of its attributes, so a reload that changes one
 * prefix's attributes makes new route-maps for it alone and leaves the others'
 * names (and their announcements) untouched.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { BgpNeighborConfig, BgpPrefixConfig, BgpSectionConfig } from './config-schema.js';
import { prefixText } from './config-schema.js';

export type PrefixFlavour = 'normal' | 'degraded' | 'gshut';
export const FLAVOURS: readonly PrefixFlavour[] = ['normal', 'degraded', 'gshut'];

/** What the route-maps of a prefix depend on. */
function attributes(localAs: number, p: BgpPrefixConfig): string {
  return JSON.stringify([localAs, p.communities, p.largeCommunities, p.med ?? null, p.nextHop ?? null, p.degraded?.prepend ?? null]);
}

/** `HACORE-203_0_113_10_32-1a2b3c4d-NORMAL`: stable while the prefix and its attributes are. */
export function routeMapName(localAs: number, p: BgpPrefixConfig, flavour: PrefixFlavour): string {
  const digest = createHash('sha256').update(attributes(localAs, p)).digest('hex').slice(0, 8);
  return `HACORE-${prefixText(p).replace(/[.:/]/g, '_')}-${digest}-${flavour.toUpperCase()}`;
}

/** The lines that define one flavour's route-map (config-mode syntax, the same in the file and over the vty). */
export function routeMapLines(localAs: number, p: BgpPrefixConfig, flavour: PrefixFlavour): string[] {
  const out = [`route-map ${routeMapName(localAs, p, flavour)} permit 10`];
  const communities = [...p.communities, ...(flavour === 'gshut' ? ['graceful-shutdown'] : [])];
  if (communities.length) out.push(` set community ${communities.join(' ')}`);
  if (p.largeCommunities.length) out.push(` set large-community ${p.largeCommunities.join(' ')}`);
  if (p.med !== undefined) out.push(` set metric ${p.med}`);
  if (p.nextHop) out.push(p.prefix.family === 4 ? ` set ip next-hop ${p.nextHop}` : ` set ipv6 next-hop global ${p.nextHop}`);
  if (flavour === 'degraded' && p.degraded) out.push(` set as-path prepend ${Array(p.degraded.prepend).fill(localAs).join(' ')}`);
  out.push('exit');
  return out;
}

/** A neighbour's lines inside `router bgp` (its session and its address family). */
export function neighborLines(n: BgpNeighborConfig): string[] {
  const l = [`neighbor ${n.address} remote-as ${n.remoteAs}`, `neighbor ${n.address} timers ${n.keepalive} ${n.holdTime}`, `neighbor ${n.address} timers connect 1`, `neighbor ${n.address} advertisement-interval 0`];
  if (n.password) l.push(`neighbor ${n.address} password ${n.password}`);
  if (n.updateSource) l.push(`neighbor ${n.address} update-source ${n.updateSource}`);
  if (n.ebgpMultihop) l.push(`neighbor ${n.address} ebgp-multihop ${n.ebgpMultihop}`);
  return l;
}

function activateLines(n: BgpNeighborConfig): string[] {
  return [`address-family ${isIP(n.address) === 4 ? 'ipv4' : 'ipv6'} unicast`, `neighbor ${n.address} activate`, 'exit-address-family'];
}

export function renderBgpdConfig(s: BgpSectionConfig): string {
  const l: string[] = ['frr defaults traditional', 'hostname hacore-bgp', 'no service integrated-vtysh-config', '!'];
  l.push(`router bgp ${s.localAs}`);
  l.push(` bgp router-id ${s.routerId}`);
  // Prefixes are ours to originate: no RIB check (this bgpd has no zebra), no policy required.
  l.push(' no bgp network import-check', ' no bgp ebgp-requires-policy', ' no bgp default ipv4-unicast');
  for (const n of s.neighbors) l.push(...neighborLines(n).map((x) => ` ${x}`));
  for (const fam of [4, 6] as const) {
    l.push(` address-family ${fam === 4 ? 'ipv4' : 'ipv6'} unicast`);
    for (const n of s.neighbors) if (isIP(n.address) === fam) l.push(`  neighbor ${n.address} activate`);
    l.push(' exit-address-family');
  }
  l.push('exit', '!');
  for (const p of s.prefixes) for (const f of FLAVOURS) l.push(...routeMapLines(s.localAs, p, f), '!');
  return l.join('\n') + '\n';
}

/** The vty commands that originate (or stop originating) a prefix with a flavour's route-map. */
export function networkCommands(s: BgpSectionConfig, p: BgpPrefixConfig, flavour: PrefixFlavour | undefined): string[] {
  const af = p.prefix.family === 4 ? 'ipv4' : 'ipv6';
  const net = flavour ? `network ${prefixText(p)} route-map ${routeMapName(s.localAs, p, flavour)}` : `no network ${prefixText(p)}`;
  return ['configure terminal', `router bgp ${s.localAs}`, `address-family ${af} unicast`, net, 'end'];
}

/** How a reload reaches a running bgpd. */
export interface BgpdReloadPlan {
  /** Set when bgpd must be restarted with the new startup config (what cannot change live). */
  restart?: string;
  /** Before the prefixes change: new route-maps, then the sessions (added, removed, changed). */
  before: string[];
  /** After the prefixes moved to their new route-maps: the route-maps no prefix uses any more. */
  after: string[];
  /** Neighbours whose session is reset (removed and added again) to apply a change. */
  resetNeighbors: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Pure: the vty commands that take a running bgpd from `prev` to `next`. */
export function planBgpdReload(prev: BgpSectionConfig, next: BgpSectionConfig): BgpdReloadPlan {
  if (prev.localAs !== next.localAs) return { restart: `localAs ${prev.localAs} -> ${next.localAs}`, before: [], after: [], resetNeighbors: [] };
  if (!same(prev.bgpd, next.bgpd)) return { restart: 'bgp.bgpd changed', before: [], after: [], resetNeighbors: [] };
  const maps = (s: BgpSectionConfig): Map<string, string[]> => new Map(s.prefixes.flatMap((p) => FLAVOURS.map((f) => [routeMapName(s.localAs, p, f), routeMapLines(s.localAs, p, f)] as const)));
  const oldMaps = maps(prev);
  const newMaps = maps(next);
  const router: string[] = [];
  if (prev.routerId !== next.routerId) router.push(`bgp router-id ${next.routerId}`);
  const oldN = new Map(prev.neighbors.map((n) => [n.address, n]));
  const newN = new Map(next.neighbors.map((n) => [n.address, n]));
  const resetNeighbors: string[] = [];
  for (const [a, n] of oldN) {
    const m = newN.get(a);
    if (!m) router.push(`no neighbor ${a}`);
    else if (!same(n, m)) {
      router.push(`no neighbor ${a}`, ...neighborLines(m), ...activateLines(m));
      resetNeighbors.push(a);
    }
  }
  for (const [a, n] of newN) if (!oldN.has(a)) router.push(...neighborLines(n), ...activateLines(n));
  const created = [...newMaps].filter(([name]) => !oldMaps.has(name)).flatMap(([, lines]) => lines);
  const before = created.length || router.length ? ['configure terminal', ...created, ...(router.length ? [`router bgp ${next.localAs}`, ...router, 'exit'] : []), 'end'] : [];
  const gone = [...oldMaps.keys()].filter((name) => !newMaps.has(name));
  const after = gone.length ? ['configure terminal', ...gone.map((name) => `no route-map ${name}`), 'end'] : [];
  return { before, after, resetNeighbors };
}
