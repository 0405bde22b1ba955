/** The `bgp` section, with zod (the core reports its issues with file:line like its own). */
import { prefixContains } from '@hacore/core/ip-address';
import { parseDuration } from '@hacore/core';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Condition } from './condition.js';

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a duration (seconds as a number, or "500ms", "2s"), found ${JSON.stringify(v)}` });
    return z.NEVER;
  }
  return ms;
});

const ip = z.string().refine((v) => isIP(v) !== 0, (v) => ({ message: `expected an IPv4 or IPv6 address, found ${JSON.stringify(v)}` }));

/** `a.b.c.d/n` or `x::/n`, host bits zero. */
export function parsePrefix(v: string): { address: string; prefix: number; family: 4 | 6 } | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m) return undefined;
  const fam = isIP(m[1]!);
  const len = Number(m[2]);
  if (fam === 0 || len > (fam === 4 ? 32 : 128)) return undefined;
  return { address: m[1]!, prefix: len, family: fam as 4 | 6 };
}

const community = z.string().refine((v) => {
  if (['graceful-shutdown', 'no-export', 'no-advertise', 'local-AS', 'blackhole', 'accept-own'].includes(v)) return true;
  const m = /^(\d+):(\d+)$/.exec(v);
  return !!m && Number(m[1]) <= 65535 && Number(m[2]) <= 65535;
}, (v) => ({ message: `expected a community "ASN:VALUE" (each 0-65535) or a well-known name, found ${JSON.stringify(v)}` }));

const largeCommunity = z.string().refine((v) => {
  const m = /^(\d+):(\d+):(\d+)$/.exec(v);
  return !!m && [m[1], m[2], m[3]].every((x) => Number(x) <= 0xffffffff);
}, (v) => ({ message: `expected a large community "ASN:X:Y" (each 0-4294967295), found ${JSON.stringify(v)}` }));

const asn = z.number().int().min(1).max(4294967295);

export const conditionSchema: z.ZodType<Condition, z.ZodTypeDef, unknown> = z.lazy(() =>
  z.union([
    z.string().min(1).transform((check) => ({ check })),
    z.object({ check: z.string().min(1) }).strict(),
    z.object({ quorum: z.string().min(1) }).strict(),
    z.object({ vrrpMaster: z.string().min(1) }).strict(),
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
    z.object({ atLeast: z.number().int().min(1), of: z.array(conditionSchema).min(1) }).strict(),
  ]),
);

const neighborSchema = z
  .object({
    address: ip,
    remoteAs: asn,
    /** BGP keepalive and hold time (seconds) for this session. */
    keepalive: z.number().int().min(1).default(3),
    holdTime: z.number().int().min(3).default(9),
    password: z.string().optional(),
    /** Source address of the session (`update-source`). */
    updateSource: ip.optional(),
    /** eBGP multihop TTL, for a router that is not on a connected network. */
    ebgpMultihop: z.number().int().min(1).max(255).optional(),
  })
  .strict();

const prefixSchema = z
  .object({
    prefix: z.string().transform((v, ctx) => {
      const p = parsePrefix(v);
      if (!p) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected a prefix "198.51.100.10/32" or "2001:db8::10/128", found ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      return p;
    }),
    /** The address added to `vipInterface` while the prefix is announced; default: the prefix's address when it is a /32 or /128. */
    vip: ip.optional(),
    /** Whether to add the VIP at all (false: the operator or IPVS owns it). */
    addVip: z.boolean().default(true),
    when: conditionSchema,
    riseDelay: duration.default(0),
    fallDelay: duration.default(0),
    /** Hold-down: no two changes of this prefix's announcement closer than this. */
    minAnnounceInterval: duration.optional(),
    communities: z.array(community).default([]),
    largeCommunities: z.array(largeCommunity).default([]),
    med: z.number().int().min(0).max(4294967295).optional(),
    nextHop: ip.optional(),
    /** While `when` holds and `degraded.when` holds too: announce with `prepend` copies of the local AS. */
    degraded: z.object({ when: conditionSchema, prepend: z.number().int().min(1).max(10).default(3) }).strict().optional(),
  })
  .strict();

export const bgpSectionSchema = z
  .object({
    localAs: asn,
    routerId: z.string().refine((v) => isIP(v) === 4, (v) => ({ message: `expected an IPv4 router id, found ${JSON.stringify(v)}` })),
    neighbors: z.array(neighborSchema).min(1),
    prefixes: z.array(prefixSchema).min(1),
    /** Where VIPs go while announced (a dummy interface or lo). */
    vipInterface: z.string().min(1).default('lo'),
    minAnnounceInterval: duration.default(5),
    shutdown: z
      .object({
        /** `withdraw`: withdraw at once; `graceful-shutdown`: re-announce with the RFC 8326 community, then withdraw after the drain. */
        mode: z.enum(['withdraw', 'graceful-shutdown']).default('withdraw'),
        /** Time between withdrawing (or marking) and removing the VIPs, so existing flows finish. */
        drainTime: duration.default(2),
      })
      .strict()
      .default({}),
    bgpd: z
      .object({
        path: z.string().default('/usr/lib/frr/bgpd'),
        /** Where hacore keeps its bgpd's config, pid file and vty socket. */
        runDir: z.string().default('/run/hacore/bgp'),
        /** TCP port bgpd listens on; 0 (default): it only connects out, beside any system bgpd. */
        listenPort: z.number().int().min(0).max(65535).default(0),
        restartBackoff: z.object({ initial: duration.default(0.5), max: duration.default(30) }).strict().default({}),
      })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Map<string, number>();
    s.prefixes.forEach((p, i) => {
      const text = `${p.prefix.address}/${p.prefix.prefix}`;
      const first = seen.get(text);
      if (first !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['prefixes', i, 'prefix'], message: `expected each prefix once, found ${text} again (first at prefixes[${first}])` });
      else seen.set(text, i);
      if (p.vip !== undefined) {
        if (!covers(p.prefix, p.vip)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['prefixes', i, 'vip'], message: `expected an address inside ${p.prefix.address}/${p.prefix.prefix}, found ${p.vip}` });
      }
      if (p.nextHop !== undefined && isIP(p.nextHop) !== p.prefix.family) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['prefixes', i, 'nextHop'], message: `expected an IPv${p.prefix.family} next hop for ${p.prefix.address}/${p.prefix.prefix}, found ${p.nextHop}` });
    });
    const peers = new Map<string, number>();
    s.neighbors.forEach((n, i) => {
      const first = peers.get(n.address);
      if (first !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['neighbors', i, 'address'], message: `expected each neighbour once, found ${n.address} again (first at neighbors[${first}])` });
      else peers.set(n.address, i);
    });
  });

export type BgpSectionConfig = z.infer<typeof bgpSectionSchema>;
export type BgpPrefixConfig = BgpSectionConfig['prefixes'][number];
export type BgpNeighborConfig = BgpSectionConfig['neighbors'][number];

/** Whether `address` is inside `prefix`. */
export function covers(prefix: { address: string; prefix: number; family: 4 | 6 }, address: string): boolean {
  return isIP(address) === prefix.family && prefixContains(prefix.address, prefix.prefix, address);
}

/** The VIP of a prefix: its `vip`, or the prefix's address when it is a host route. */
export function vipOf(p: BgpPrefixConfig): string | undefined {
  if (!p.addVip) return undefined;
  if (p.vip) return p.vip;
  return p.prefix.prefix === (p.prefix.family === 4 ? 32 : 128) ? p.prefix.address : undefined;
}

export function prefixText(p: BgpPrefixConfig): string {
  return `${p.prefix.address}/${p.prefix.prefix}`;
}
