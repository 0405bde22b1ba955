/**
 * The BFD families, from the `bfd` section that @hacore/bfd writes in the bfd
 * process (`bfd.sessions[]`, see docs/bfd.md). Read defensively, like the rest
 * of status-map.
 */
import type { FamilyDef, Labels, Sample } from './status-map.js';

export const BFD_STATES = ['AdminDown', 'Down', 'Init', 'Up'] as const;

export const BFD_FAMILIES: readonly FamilyDef[] = [
  { name: 'hacore_bfd_session_up', type: 'gauge', help: 'BFD session state: 1 Up, 0 otherwise.' },
  { name: 'hacore_bfd_session_state', type: 'gauge', help: 'BFD session state, one series per state (AdminDown, Down, Init, Up), 1 for the current one.' },
  { name: 'hacore_bfd_detection_time_seconds', type: 'gauge', help: 'Detection time the BFD session now uses (0 until the peer is heard).' },
  { name: 'hacore_bfd_tx_interval_seconds', type: 'gauge', help: 'Transmit interval the BFD session now uses, before jitter.' },
  { name: 'hacore_bfd_session_transitions_total', type: 'counter', help: 'State changes of the BFD session since it started.' },
  { name: 'hacore_bfd_packets_sent_total', type: 'counter', help: 'BFD control packets sent, per session.' },
  { name: 'hacore_bfd_packets_received_total', type: 'counter', help: 'BFD control packets accepted, per session.' },
  { name: 'hacore_bfd_drops_total', type: 'counter', help: 'BFD packets dropped, per session and reason (ttl, decode, session, other).' },
  { name: 'hacore_bfd_receiver_packets_total', type: 'counter', help: 'Datagrams read by a BFD receive socket (every session on its local address and port).' },
  { name: 'hacore_bfd_receiver_drops_total', type: 'counter', help: 'Datagrams a BFD receive socket dropped or could not decode, per reason (unknownSession, or the decoder\'s: short, badVersion, badLength, ...).' },
];

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Adds the BFD samples of one status document. */
export function mapBfd(doc: Rec, add: (name: string, labels: Labels, value: number | undefined, series?: Sample['series']) => void): void {
  const bfd = isRec(doc.bfd) ? doc.bfd : undefined;
  for (const sess of bfd && Array.isArray(bfd.sessions) ? bfd.sessions.filter(isRec) : []) {
    if (typeof sess.name !== 'string') continue;
    const instance = sess.name;
    const state = typeof sess.state === 'string' ? sess.state : undefined;
    if (state !== undefined) {
      add('hacore_bfd_session_up', { instance }, state === 'Up' ? 1 : 0);
      for (const s of BFD_STATES) add('hacore_bfd_session_state', { instance, state: s }, state === s ? 1 : 0);
    }
    const det = num(sess.detectionTimeMs);
    if (det !== undefined) add('hacore_bfd_detection_time_seconds', { instance }, det / 1000);
    const tx = num(sess.txIntervalMs);
    if (tx !== undefined) add('hacore_bfd_tx_interval_seconds', { instance }, tx / 1000);
    add('hacore_bfd_session_transitions_total', { instance }, num(sess.transitions));
    const c = isRec(sess.counters) ? sess.counters : {};
    add('hacore_bfd_packets_sent_total', { instance }, num(c.sent));
    add('hacore_bfd_packets_received_total', { instance }, num(c.received));
    for (const [reason, key] of [['ttl', 'droppedTtl'], ['decode', 'droppedDecode'], ['session', 'droppedSession'], ['other', 'droppedOther']] as const) {
      add('hacore_bfd_drops_total', { instance, reason }, num(c[key]));
    }
  }
  for (const r of bfd && Array.isArray(bfd.receivers) ? bfd.receivers.filter(isRec) : []) {
    if (typeof r.local !== 'string' || num(r.port) === undefined) continue;
    const labels: Labels = { local: r.local, port: String(r.port), ...(typeof r.interface === 'string' ? { interface: r.interface } : {}) };
    const c = isRec(r.counters) ? r.counters : {};
    add('hacore_bfd_receiver_packets_total', labels, num(c.received));
    add('hacore_bfd_receiver_drops_total', { ...labels, reason: 'unknownSession' }, num(c.unknownSession));
    const d = isRec(c.decodeErrors) ? c.decodeErrors : {};
    for (const [reason, n] of Object.entries(d)) add('hacore_bfd_receiver_drops_total', { ...labels, reason }, num(n));
  }
}
