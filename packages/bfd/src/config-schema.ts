/**
 * The `bfd` section: BFD sessions by name (keepalived bfd_instance), which
 * `type: bfd` checks and VRRP `track.bfd` name. Durations are milliseconds
 * (fractions allowed, as keepalived's microsecond resolution).
 */
import { isIP } from 'node:net';
import { schema as s } from '@hacore/core';

const NAME = s.string({ pattern: /^[A-Za-z0-9_.:@-]{1,64}$/, patternText: 'a name of 1 to 64 letters, digits and _ . : @ -' });
const IFNAME = s.string({ pattern: /^[^\s/]{1,15}$/, patternText: 'an interface name (1 to 15 characters, no space or /)' });
// RFC 5880: intervals are 32-bit microsecond counts; keepalived takes min_rx / min_tx in ms.
const INTERVAL = s.duration({ min: 1, max: 4_294_967 });

export const bfdInstanceShape = {
  name: NAME.describe('Session name (keepalived bfd_instance NAME); checks and VRRP tracking refer to it.'),
  neighbor: s.ip().describe('Address of the BFD peer (keepalived neighbor_ip).'),
  source: s.optional(s.ip()).describe('Local address to send from and receive on (keepalived source_ip). Default: the wildcard address of the family.'),
  interface: s.optional(IFNAME).describe('Bind the session to this interface (SO_BINDTODEVICE).'),
  minRx: s.optional(INTERVAL, 10).describe('Required Min RX Interval (keepalived min_rx). Default 10ms.'),
  minTx: s.optional(INTERVAL, 10).describe('Desired Min TX Interval while Up (keepalived min_tx). Default 10ms.'),
  idleTx: s.optional(s.duration({ min: 1000, max: 4_294_967 }), 1000).describe('Desired Min TX Interval while not Up (keepalived idle_tx); RFC 5880 requires at least 1s. Default 1s.'),
  multiplier: s.optional(s.integer({ min: 1, max: 255 }), 5).describe('Detect multiplier: packets missed before Down (keepalived multiplier). Default 5.'),
  passive: s.optional(s.boolean(), false).describe('Passive role: send nothing until the peer has been heard (keepalived passive). Default false.'),
  multihop: s.optional(s.boolean(), false).describe('RFC 5883 multihop: port 4784, a TTL below 255 accepted down to 255 - maxHops. Default false (RFC 5881 single hop, port 3784, TTL 255 only).'),
  ttl: s.optional(s.integer({ min: 1, max: 255 }), 255).describe('TTL / hop limit of sent packets (keepalived ttl / hoplimit). Default 255.'),
  maxHops: s.optional(s.integer({ min: 0, max: 255 })).describe('How far below 255 a received TTL / hop limit may be (keepalived max_hops; 255 accepts any). Default 0 single hop, 1 multihop.'),
};

export type BfdInstanceConfig = s.InferShape<typeof bfdInstanceShape>;

export interface BfdSectionConfig {
  instances: BfdInstanceConfig[];
  /** SCHED_RR priority of the bfd process (keepalived bfd_rt_priority). */
  realtimePriority?: number;
  /** Nice value of the bfd process (keepalived bfd_priority). */
  nice?: number;
}

const sectionObject = s.object({
  instances: s.optional(s.array(s.object(bfdInstanceShape), { single: true }), []).describe('BFD sessions (keepalived bfd_instance).'),
  realtimePriority: s.optional(s.integer({ min: 1, max: 99 })).describe('SCHED_RR priority of the bfd process (keepalived bfd_rt_priority). Default off.'),
  nice: s.optional(s.integer({ min: -20, max: 19 })).describe('Nice value of the bfd process (keepalived bfd_priority). Default: unchanged.'),
});

/** The `bfd` section with its cross-field rules: unique names, one family per session, one session per peer and source. */
const sectionSchema: s.Schema<BfdSectionConfig> = s.transform(
  sectionObject,
  (raw, ctx, path) => {
    let ok = true;
    const bad = (sub: string, expected: string, found: unknown): void => {
      s.fail(ctx, `${path}.${sub}`, expected, found);
      ok = false;
    };
    const names = new Map<string, number>();
    const peers = new Map<string, number>();
    const instances = (raw.instances ?? []) as BfdInstanceConfig[];
    instances.forEach((inst, i) => {
      const prev = names.get(inst.name);
      if (prev !== undefined) bad(`instances[${i}].name`, `a name not used by another session (instances[${prev}] is also named "${inst.name}")`, inst.name);
      names.set(inst.name, i);
      if (inst.source !== undefined && isIP(inst.source) !== isIP(inst.neighbor)) bad(`instances[${i}].source`, `an IPv${isIP(inst.neighbor)} address, the family of neighbor ${inst.neighbor}`, inst.source);
      const key = `${inst.neighbor}|${inst.source ?? ''}|${inst.interface ?? ''}|${inst.multihop ? 'm' : 's'}`;
      const dup = peers.get(key);
      if (dup !== undefined) bad(`instances[${i}].neighbor`, `a neighbor not already in a session from the same source (instances[${dup}])`, inst.neighbor);
      peers.set(key, i);
    });
    if (!ok) return s.INVALID;
    const out: BfdSectionConfig = { instances };
    if (raw.realtimePriority !== undefined) out.realtimePriority = raw.realtimePriority;
    if (raw.nice !== undefined) out.nice = raw.nice;
    return out;
  },
  'a bfd section: { instances: [{ name, neighbor, ... }] }',
);

/** The section schema; `shape` lets the configuration reference list its fields. */
export const bfdSectionSchema: s.Schema<BfdSectionConfig> & { shape: typeof sectionObject.shape } = Object.assign(sectionSchema, { shape: sectionObject.shape });
