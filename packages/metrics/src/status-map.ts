/**
 * Turns the status documents of every process (core.statusAll(): role ->
 * StatusReport) into metric samples. Sections written by other plugins are
 * read defensively: a missing section, a missing field or a field of an
 * unexpected type yields no sample, never an error. The fields read are listed
 * in docs/metrics.md.
 */
export type Labels = Record<string, string>;

export interface Sample {
  labels: Labels;
  value: number;
  /** For histograms: which series the sample belongs to. */
  series?: '_bucket' | '_sum' | '_count';
}

import { BFD_FAMILIES, mapBfd } from './status-map-bfd.js';
import { BGP_FAMILIES, mapBgp } from './status-map-bgp.js';

export interface FamilyDef {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
}

const def = (name: string, type: FamilyDef['type'], help: string): FamilyDef => ({ name, type, help });

/** Every metric derived from the status documents at scrape time. */
export const STATUS_FAMILIES = [
  def('hacore_process_up', 'gauge', '1 when the daemon process answered the status request of this scrape, 0 when it did not.'),
  def('hacore_info', 'gauge', 'Always 1, per daemon process; labels carry the version and the pid.'),
  def('hacore_process_started_seconds', 'gauge', 'Start time of each daemon process, seconds since the epoch.'),
  def('hacore_plugin_errors_total', 'counter', 'Exceptions thrown by plugin taps, per process and plugin.'),
  def('hacore_target_up', 'gauge', 'Target state after rise/fall: 1 up, 0 down (absent while unknown).'),
  def('hacore_target_state', 'gauge', 'Target state, one series per state, 1 for the current one.'),
  def('hacore_target_state_since_seconds', 'gauge', 'When the target entered its current state, seconds since the epoch.'),
  def('hacore_target_last_latency_seconds', 'gauge', 'Latency of the last probe of the target.'),
  def('hacore_target_weight', 'gauge', 'Weight of the target (from the check or the checker).'),
  def('hacore_probes_total', 'counter', 'Probes completed, by check and result (ok / failed).'),
  def('hacore_probe_failures_total', 'counter', 'Failed probes by check and reason.'),
  def('hacore_probe_latency_seconds', 'histogram', 'Probe latency by check.'),
  def('hacore_vrrp_state', 'gauge', 'VRRP instance state, one series per state, 1 for the current one.'),
  def('hacore_vrrp_group_state', 'gauge', 'VRRP sync group state, one series per state, 1 for the current one.'),
  def('hacore_vrrp_priority', 'gauge', 'Configured priority of the VRRP instance.'),
  def('hacore_vrrp_effective_priority', 'gauge', 'Effective priority of the VRRP instance (after tracking).'),
  def('hacore_vrrp_adverts_sent_total', 'counter', 'VRRP advertisements sent, per instance.'),
  def('hacore_vrrp_adverts_received_total', 'counter', 'Valid VRRP advertisements received, per instance.'),
  def('hacore_vrrp_instance_transitions_total', 'counter', 'State transitions counted by the VRRP plugin, per instance.'),
  def('hacore_vrrp_drops_total', 'counter', 'Received VRRP packets dropped, by instance, interface and reason (instance "" for drops at the socket, before an instance is known).'),
  def('hacore_ipvs_operations_total', 'counter', 'IPVS netlink operations by result (applied / failed).'),
  def('hacore_ipvs_reconcile_passes_total', 'counter', 'IPVS reconcile passes.'),
  def('hacore_ipvs_recent_errors', 'gauge', 'IPVS errors kept in the status ring (the most recent ones).'),
  def('hacore_virtual_server_quorum_up', 'gauge', '1 when the virtual server has quorum.'),
  def('hacore_virtual_server_live_weight', 'gauge', 'Sum of the weights of the live real servers.'),
  def('hacore_real_server_up', 'gauge', '1 when the real server is up in the virtual server.'),
  def('hacore_real_server_weight', 'gauge', 'Weight of the real server as desired by the reconciler.'),
  def('hacore_ipvs_destination_active_connections', 'gauge', 'Active connections (ESTABLISHED) of an IPVS destination, from the kernel.'),
  def('hacore_ipvs_destination_inactive_connections', 'gauge', 'Inactive connections (other states) of an IPVS destination, from the kernel.'),
  def('hacore_ipvs_destination_connections_total', 'counter', 'Connections scheduled to an IPVS destination since it was added.'),
  def('hacore_ipvs_destination_packets_total', 'counter', 'Packets through an IPVS destination, by direction (in: client to server).'),
  def('hacore_ipvs_destination_bytes_total', 'counter', 'Bytes through an IPVS destination, by direction.'),
  def('hacore_ipvs_destination_connection_rate', 'gauge', 'New connections per second to an IPVS destination (the kernel estimator).'),
  def('hacore_ipvs_destination_packet_rate', 'gauge', 'Packets per second through an IPVS destination, by direction.'),
  def('hacore_ipvs_destination_byte_rate', 'gauge', 'Bytes per second through an IPVS destination, by direction.'),
  def('hacore_notifier_deliveries_total', 'counter', 'Notifications delivered, by notifier and endpoint.'),
  def('hacore_notifier_failures_total', 'counter', 'Notifications that failed for good, by notifier and endpoint.'),
  def('hacore_notifier_dropped_total', 'counter', 'Notifications dropped because a queue was full, by notifier and endpoint.'),
  def('hacore_notifier_retries_total', 'counter', 'Retry attempts, by notifier and endpoint.'),
  def('hacore_notifier_queued', 'gauge', 'Notifications waiting, by notifier and endpoint.'),
  ...(BFD_FAMILIES as readonly (FamilyDef & { name: `hacore_bfd_${string}` })[]),
  ...(BGP_FAMILIES as readonly (FamilyDef & { name: `hacore_bgp_${string}` })[]),
] as const;

export type FamilyName = (typeof STATUS_FAMILIES)[number]['name'];

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

/** A list given as an array of objects with a name, or as a map of name to object. */
function named(v: unknown, key = 'name'): [string, Rec][] {
  if (Array.isArray(v)) {
    return v.filter(isRec).flatMap((o) => {
      const n = str(o[key]) ?? str(o.name) ?? str(o.id);
      return n === undefined ? [] : [[n, o] as [string, Rec]];
    });
  }
  if (isRec(v)) return Object.entries(v).filter((e): e is [string, Rec] => isRec(e[1]));
  return [];
}

/** The first numeric field among `keys`, looked up on the object and its `stats`/`counters`. */
function field(o: Rec, ...keys: string[]): number | undefined {
  for (const src of [o, o.stats, o.counters]) {
    if (!isRec(src)) continue;
    for (const k of keys) {
      const n = num(src[k]);
      if (n !== undefined) return n;
    }
  }
  return undefined;
}

function counts(v: unknown): [string, number][] {
  if (!isRec(v)) return [];
  return Object.entries(v).flatMap(([k, x]) => (num(x) === undefined ? [] : [[k, x as number] as [string, number]]));
}

export const VRRP_STATES = ['INIT', 'BACKUP', 'MASTER', 'FAULT', 'STOP'] as const;
const TARGET_STATES = ['unknown', 'up', 'down'] as const;

function targetLabel(t: Rec): string {
  const tg = isRec(t.target) ? t.target : {};
  const a = str(tg.address) ?? '';
  const p = num(tg.port);
  return p === undefined ? a : a.includes(':') ? `[${a}]:${p}` : `${a}:${p}`;
}

export interface EventState {
  /** Last VRRP state seen in events, by instance: used when no status section reports the instance. */
  vrrp: Map<string, string>;
}

/** Maps the statusAll document to samples per family. */
export function mapStatus(all: unknown, events: EventState = { vrrp: new Map() }): Map<FamilyName, Sample[]> {
  const out = new Map<FamilyName, Sample[]>();
  const add = (name: FamilyName, labels: Labels, value: number | undefined, series?: Sample['series']): void => {
    if (value === undefined) return;
    let list = out.get(name);
    if (!list) out.set(name, (list = []));
    list.push(series ? { labels, value, series } : { labels, value });
  };
  const vrrpSeen = new Set<string>();
  for (const [role, doc] of isRec(all) ? Object.entries(all) : []) {
    if (!isRec(doc)) continue;
    // The supervisor puts `{ error }` in place of a child that did not answer.
    const answered = typeof doc.error !== 'string';
    add('hacore_process_up', { role }, answered ? 1 : 0);
    if (!answered) continue;
    add('hacore_info', { role, version: str(doc.version) ?? '', pid: str(doc.pid) ?? '' }, 1);
    const started = num(doc.startedAt);
    if (started !== undefined) add('hacore_process_started_seconds', { role }, started / 1000);
    for (const [plugin, n] of counts(doc.pluginErrors)) add('hacore_plugin_errors_total', { role, plugin }, n);

    // Core: targets of the check process (or of the single process).
    for (const t of Array.isArray(doc.targets) ? doc.targets.filter(isRec) : []) {
      const check = str(t.check);
      if (check === undefined) continue;
      const labels = { check, type: str(t.type) ?? '', target: targetLabel(t) };
      const state = str(t.state);
      if (state === 'up' || state === 'down') add('hacore_target_up', labels, state === 'up' ? 1 : 0);
      for (const s of TARGET_STATES) add('hacore_target_state', { check, state: s }, state === s ? 1 : 0);
      const since = num(t.since);
      if (since !== undefined) add('hacore_target_state_since_seconds', { check }, since / 1000);
      const last = isRec(t.lastResult) ? num(t.lastResult.latencyMs) : undefined;
      if (last !== undefined) add('hacore_target_last_latency_seconds', { check }, last / 1000);
      add('hacore_target_weight', { check }, num(t.weight));
    }

    // This package's own section, written where probes run.
    for (const [check, p] of named(doc.probes)) {
      add('hacore_probes_total', { check, result: 'ok' }, num(p.ok));
      add('hacore_probes_total', { check, result: 'failed' }, num(p.failed));
      for (const [reason, n] of counts(p.failures)) add('hacore_probe_failures_total', { check, reason }, n);
      const lat = isRec(p.latency) ? p.latency : undefined;
      const le = Array.isArray(lat?.le) ? lat.le : [];
      const cs = Array.isArray(lat?.counts) ? lat.counts : [];
      const count = num(lat?.count);
      if (lat && count !== undefined && le.length === cs.length) {
        le.forEach((b, i) => add('hacore_probe_latency_seconds', { check, le: String(b) }, num(cs[i]), '_bucket'));
        add('hacore_probe_latency_seconds', { check, le: '+Inf' }, count, '_bucket');
        add('hacore_probe_latency_seconds', { check }, num(lat.sum), '_sum');
        add('hacore_probe_latency_seconds', { check }, count, '_count');
      }
    }

    // VRRP (section `vrrp`, written by @hacore/vrrp).
    const vrrp = isRec(doc.vrrp) ? doc.vrrp : undefined;
    if (vrrp) {
      for (const [instance, i] of named(vrrp.instances)) {
        vrrpSeen.add(instance);
        const state = str(i.state)?.toUpperCase();
        if (state !== undefined) for (const s of VRRP_STATES) add('hacore_vrrp_state', { instance, state: s }, state === s ? 1 : 0);
        add('hacore_vrrp_priority', { instance }, field(i, 'priority'));
        add('hacore_vrrp_effective_priority', { instance }, field(i, 'effectivePriority'));
        add('hacore_vrrp_adverts_sent_total', { instance }, field(i, 'advertsSent', 'advertisementsSent', 'sent'));
        add('hacore_vrrp_adverts_received_total', { instance }, field(i, 'advertsReceived', 'advertisementsReceived', 'received'));
        add('hacore_vrrp_instance_transitions_total', { instance }, field(i, 'transitions'));
        const drops = i.drops ?? (isRec(i.counters) ? i.counters.drops : undefined) ?? (isRec(i.stats) ? i.stats.drops : undefined);
        const ifname = str(i.interface) ?? '';
        for (const [reason, n] of counts(drops)) add('hacore_vrrp_drops_total', { instance, interface: ifname, reason }, n);
      }
      for (const [group, g] of named(vrrp.syncGroups)) {
        const state = str(g.state)?.toUpperCase();
        if (state !== undefined) for (const st of VRRP_STATES) add('hacore_vrrp_group_state', { group, state: st }, state === st ? 1 : 0);
      }
      // Drops on a socket before any instance could be chosen (unknown VRID, truncated, ...).
      for (const sock of Array.isArray(vrrp.sockets) ? vrrp.sockets.filter(isRec) : []) {
        for (const [reason, n] of counts(sock.drops)) add('hacore_vrrp_drops_total', { instance: '', interface: str(sock.interface) ?? '', reason }, n);
      }
    }

    // IPVS (section `ipvs`, written by @hacore/ipvs).
    const ipvs = isRec(doc.ipvs) ? doc.ipvs : undefined;
    if (ipvs) {
      add('hacore_ipvs_operations_total', { result: 'applied' }, num(ipvs.opsApplied));
      add('hacore_ipvs_operations_total', { result: 'failed' }, num(ipvs.opsFailed));
      add('hacore_ipvs_reconcile_passes_total', {}, num(ipvs.passes));
      if (Array.isArray(ipvs.errors)) add('hacore_ipvs_recent_errors', {}, ipvs.errors.length);
      for (const [vs, v] of named(ipvs.virtualServers)) {
        const q = isRec(v.quorum) ? v.quorum : {};
        if (typeof q.up === 'boolean') add('hacore_virtual_server_quorum_up', { virtual_server: vs }, q.up ? 1 : 0);
        add('hacore_virtual_server_live_weight', { virtual_server: vs }, num(q.liveWeight));
        for (const [rs, r] of named(v.realServers, 'id')) {
          if (typeof r.up === 'boolean') add('hacore_real_server_up', { virtual_server: vs, real_server: rs }, r.up ? 1 : 0);
          add('hacore_real_server_weight', { virtual_server: vs, real_server: rs }, num(r.weight));
        }
      }
      // The kernel's per-destination counters (ipvs.destinations, every ipvs.statsInterval).
      for (const d of Array.isArray(ipvs.destinations) ? ipvs.destinations.filter(isRec) : []) {
        const l = { virtual_server: str(d.virtualServer) ?? '', service: str(d.service) ?? '', destination: str(d.destination) ?? '' };
        add('hacore_ipvs_destination_active_connections', l, num(d.activeConnections));
        add('hacore_ipvs_destination_inactive_connections', l, num(d.inactiveConnections));
        add('hacore_ipvs_destination_connections_total', l, num(d.connections));
        add('hacore_ipvs_destination_packets_total', { ...l, direction: 'in' }, num(d.inPackets));
        add('hacore_ipvs_destination_packets_total', { ...l, direction: 'out' }, num(d.outPackets));
        add('hacore_ipvs_destination_bytes_total', { ...l, direction: 'in' }, num(d.inBytes));
        add('hacore_ipvs_destination_bytes_total', { ...l, direction: 'out' }, num(d.outBytes));
        add('hacore_ipvs_destination_connection_rate', l, num(d.cps));
        add('hacore_ipvs_destination_packet_rate', { ...l, direction: 'in' }, num(d.inPps));
        add('hacore_ipvs_destination_packet_rate', { ...l, direction: 'out' }, num(d.outPps));
        add('hacore_ipvs_destination_byte_rate', { ...l, direction: 'in' }, num(d.inBps));
        add('hacore_ipvs_destination_byte_rate', { ...l, direction: 'out' }, num(d.outBps));
      }
    }

    // Notifiers (sections `notify`, `webhooks`, `smtp` of the supervisor).
    const notifier = (name: string, endpoint: string, o: Rec): void => {
      const l = { notifier: name, endpoint };
      add('hacore_notifier_deliveries_total', l, num(o.delivered));
      add('hacore_notifier_failures_total', l, num(o.failed));
      add('hacore_notifier_dropped_total', l, num(o.dropped));
      add('hacore_notifier_retries_total', l, num(o.retries));
      add('hacore_notifier_queued', l, num(o.queued));
    };
    if (isRec(doc.notify)) notifier('script', '', doc.notify);
    if (isRec(doc.webhooks)) for (const [ep, e] of named(doc.webhooks.endpoints)) notifier('webhook', ep, e);
    if (isRec(doc.smtp)) notifier('smtp', str(doc.smtp.server) ?? '', doc.smtp);
    // BFD (section `bfd`, written by @hacore/bfd in the bfd process).
    mapBfd(doc, add as (name: string, labels: Labels, value: number | undefined, series?: Sample['series']) => void);
    // BGP (section `bgp`, written by @hacore/bgp in the bgp process).
    mapBgp(doc, add as (name: string, labels: Labels, value: number | undefined, series?: Sample['series']) => void);
  }
  // Instances no status section reports: their last state seen in events.
  for (const [instance, state] of events.vrrp) {
    if (vrrpSeen.has(instance)) continue;
    for (const s of VRRP_STATES) add('hacore_vrrp_state', { instance, state: s }, state === s ? 1 : 0);
  }
  return out;
}
