/**
 * The BGP families, from the `bgp` section that @hacore/bgp writes in the bgp
 * process (`bgp.prefixes[]`, `bgp.neighbors[]`, `bgp.bgpd`, see docs/bgp.md).
 * Read defensively, like the rest of status-map.
 */
import type { FamilyDef, Labels, Sample } from './status-map.js';

/** The BGP finite-state-machine states as FRR names them (RFC 4271 section 8). */
export const BGP_SESSION_STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;
/** What a prefix is announced as: a route-map flavour of @hacore/bgp, or withdrawn. */
export const BGP_PREFIX_STATES = ['withdrawn', 'normal', 'degraded', 'gshut'] as const;

export const BGP_FAMILIES: readonly FamilyDef[] = [
  { name: 'hacore_bgp_prefix_announced', type: 'gauge', help: 'BGP prefix: 1 while announced (in any flavour), 0 while withdrawn.' },
  { name: 'hacore_bgp_prefix_state', type: 'gauge', help: 'BGP prefix state, one series per state (withdrawn, normal, degraded = AS-path prepended, gshut = RFC 8326 community), 1 for the current one.' },
  { name: 'hacore_bgp_prefix_condition', type: 'gauge', help: 'Value of the prefix\'s announcement condition (before hold-down): 1 true, 0 false.' },
  { name: 'hacore_bgp_prefix_state_since_seconds', type: 'gauge', help: 'When the prefix entered its current state, seconds since the epoch.' },
  { name: 'hacore_bgp_session_up', type: 'gauge', help: 'BGP session with a neighbour: 1 Established, 0 otherwise (also while hacore\'s bgpd is down).' },
  { name: 'hacore_bgp_session_state', type: 'gauge', help: 'BGP session state with a neighbour, one series per FSM state, 1 for the current one.' },
  { name: 'hacore_bgp_session_prefixes_sent', type: 'gauge', help: 'Prefixes hacore\'s bgpd has sent to the neighbour on the current session.' },
  { name: 'hacore_bgp_bgpd_up', type: 'gauge', help: '1 while hacore\'s private bgpd runs and answers its vty, 0 otherwise.' },
  { name: 'hacore_bgp_bgpd_restarts_total', type: 'counter', help: 'Restarts of hacore\'s private bgpd after it exited or could not be driven.' },
];

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const list = (v: unknown): Rec[] => (Array.isArray(v) ? v.filter(isRec) : []);

/** Adds the BGP samples of one status document. */
export function mapBgp(doc: Rec, add: (name: string, labels: Labels, value: number | undefined, series?: Sample['series']) => void): void {
  const bgp = isRec(doc.bgp) ? doc.bgp : undefined;
  if (!bgp) return;
  for (const p of list(bgp.prefixes)) {
    if (typeof p.prefix !== 'string') continue;
    const prefix = p.prefix;
    if (typeof p.announced === 'boolean') {
      add('hacore_bgp_prefix_announced', { prefix }, p.announced ? 1 : 0);
      const state = p.announced ? (typeof p.flavour === 'string' ? p.flavour : 'normal') : 'withdrawn';
      for (const s of BGP_PREFIX_STATES) add('hacore_bgp_prefix_state', { prefix, state: s }, state === s ? 1 : 0);
    }
    if (typeof p.condition === 'boolean') add('hacore_bgp_prefix_condition', { prefix }, p.condition ? 1 : 0);
    const since = num(p.since);
    if (since !== undefined) add('hacore_bgp_prefix_state_since_seconds', { prefix }, since / 1000);
  }
  for (const n of list(bgp.neighbors)) {
    if (typeof n.address !== 'string') continue;
    const neighbor = n.address;
    const state = typeof n.state === 'string' ? n.state : undefined;
    if (state !== undefined) {
      add('hacore_bgp_session_up', { neighbor }, state === 'Established' ? 1 : 0);
      for (const s of BGP_SESSION_STATES) add('hacore_bgp_session_state', { neighbor, state: s }, state === s ? 1 : 0);
    }
    add('hacore_bgp_session_prefixes_sent', { neighbor }, num(n.prefixesSent));
  }
  const d = isRec(bgp.bgpd) ? bgp.bgpd : undefined;
  if (d) {
    if (typeof d.state === 'string') add('hacore_bgp_bgpd_up', {}, d.state === 'running' ? 1 : 0);
    add('hacore_bgp_bgpd_restarts_total', {}, num(d.restarts));
  }
}
