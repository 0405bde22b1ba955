import { isIP } from 'node:net';
import { trackBfdRefSchema, type TrackBfdRef } from './tracking-bfd.js';
import { fileWatchShape, trackFilePath } from '@hacore/checker-file';
import { insecureProgram, schema as s, type Schema } from '@hacore/core';
import { normalizeIp } from '@hacore/core/ip-address';

/**
 * The `vrrp` config section: its schema (which the core validates before any
 * side effect) and the normalized types the plugin works with. Names are the
 * camelCase forms of keepalived's keywords; docs/vrrp.md lists the mapping.
 */

const NAME = s.string({ pattern: /^[A-Za-z0-9_.:-]{1,64}$/, patternText: 'a name of 1-64 letters, digits, _ . : -' });
const IFNAME = s.string({ pattern: /^[^\s/]{1,15}$/, patternText: 'an interface name (1-15 characters, no spaces or /)' });

export type AddressScope = 'global' | 'site' | 'link' | 'host';
const SCOPES = ['global', 'site', 'link', 'host'] as const;

/** A VIP after normalization. */
export interface VirtualAddress {
  address: string;
  prefix: number;
  family: 4 | 6;
  /** Interface to put it on; default: the instance's interface. */
  dev?: string;
  /** IPv4 label such as `eth0:vip` (keepalived `label`). */
  label?: string;
  scope: AddressScope;
  /** IPv6 preferred lifetime in seconds: 0 (default) keeps it from being picked as a source; `forever` lets it be. */
  preferredLifetime: 0 | 'forever';
}

const addressObject = s.object({
  address: s.cidr().describe('Address with prefix, e.g. 198.51.100.10/24 or 2001:db8::10/64 (no prefix: /32 or /128).'),
  dev: s.optional(IFNAME).describe('Interface for this address (keepalived `dev`). Default: the instance interface.'),
  label: s.optional(s.string({ pattern: /^[^\s]{1,15}$/, patternText: 'a label of 1-15 characters' })).describe('IPv4 address label (keepalived `label`), e.g. eth0:vip.'),
  scope: s.optional(s.enumOf(SCOPES), 'global').describe('Address scope (keepalived `scope`).'),
  preferredLifetime: s.optional(s.union(s.literal(0), s.literal('forever')), 0).describe('IPv6 only: 0 (default, deprecated: never chosen as a source address) or "forever".'),
});

/** `"198.51.100.10/24"` or `{ address: "198.51.100.10/24", dev, label, scope }`. */
export const virtualAddressSchema: Schema<VirtualAddress> = s.transform(
  s.union(s.cidr(), addressObject),
  (v, ctx, path) => {
    const obj = 'address' in v && typeof v.address === 'object' ? (v as s.InferShape<typeof addressObject.shape>) : { address: v as { address: string; prefix: number; family: 4 | 6 } };
    const out: VirtualAddress = {
      address: obj.address.address,
      prefix: obj.address.prefix,
      family: obj.address.family,
      scope: 'scope' in obj && obj.scope ? obj.scope : 'global',
      preferredLifetime: 'preferredLifetime' in obj && obj.preferredLifetime !== undefined ? obj.preferredLifetime : 0,
    };
    if ('dev' in obj && obj.dev !== undefined) out.dev = obj.dev;
    if ('label' in obj && obj.label !== undefined) {
      if (out.family === 6) return s.fail(ctx, `${path}.label`, 'no label on an IPv6 address (labels are IPv4 only)', obj.label);
      out.label = obj.label;
    }
    return out;
  },
  'an address with prefix ("198.51.100.10/24") or an object { address, dev?, label?, scope?, preferredLifetime? }',
);

export interface VirtualRoute {
  to: { address: string; prefix: number; family: 4 | 6 };
  via?: string;
  dev?: string;
  src?: string;
  table?: number;
  metric?: number;
  scope?: AddressScope;
}

export const virtualRouteSchema = s.object({
  to: s.cidr().describe('Destination prefix, e.g. 203.0.113.0/24 (keepalived virtual_routes `to`).'),
  via: s.optional(s.ip()).describe('Gateway.'),
  dev: s.optional(IFNAME).describe('Output interface. Default: the instance interface.'),
  src: s.optional(s.ip()).describe('Preferred source address (keepalived `src`).'),
  table: s.optional(s.integer({ min: 1, max: 4294967295 })).describe('Routing table id. Default: main (254).'),
  metric: s.optional(s.integer({ min: 0, max: 4294967295 })).describe('Route metric (keepalived `metric`).'),
  scope: s.optional(s.enumOf(SCOPES)).describe('Route scope. Default: link without via, global with via.'),
});

/** A tracked item and its weight (keepalived semantics, see docs/vrrp.md). */
export interface TrackRef {
  name: string;
  weight: number;
}

const WEIGHT = s.integer({ min: -254, max: 254 });

function trackRefSchema(what: string): Schema<TrackRef> {
  return s.transform(
    s.union(NAME, s.object({ name: NAME.describe(`Name of the tracked ${what}.`), weight: s.optional(WEIGHT, 0).describe('Weight: >0 added while up, <0 subtracted while down, 0 = Fault while down.') })),
    (v) => (typeof v === 'string' ? { name: v, weight: 0 } : { name: v.name, weight: v.weight }),
    `a ${what} name, or { name, weight } with weight from -254 to 254`,
  );
}

const trackRefInterface: Schema<TrackRef> = s.transform(
  s.union(IFNAME, s.object({ name: IFNAME, weight: s.optional(WEIGHT, 0) })),
  (v) => (typeof v === 'string' ? { name: v, weight: 0 } : { name: v.name, weight: v.weight }),
  'an interface name, or { name, weight } with weight from -254 to 254',
);

/** A script run periodically without a shell; exit status 0 = up (keepalived vrrp_script). */
export const trackScriptSchema = s.object({
  command: s
    .transform(s.array(s.string({ minLength: 1 }), { minItems: 1 }), (argv, ctx, path) => {
      // keepalived's enable_script_security: the vrrp process runs it as root every interval.
      const why = insecureProgram(argv[0]!, '/', process.env.PATH);
      return why ? s.fail(ctx, `${path}[0]`, 'a program that only root can modify (script security)', argv[0], why) : argv;
    })
    .describe('argv of the script, e.g. ["/usr/bin/pgrep", "-x", "nginx"]; run without a shell. Refused if a non-root user can modify the program or a directory on its path.'),
  interval: s.optional(s.duration({ min: 10 }), 1000).describe('Time between runs (keepalived `interval`). Default 1s.'),
  timeout: s.optional(s.duration({ min: 10 })).describe('Kill the script after this long and count a failure (keepalived `timeout`). Default: the interval.'),
  weight: s.optional(WEIGHT, 0).describe('Default weight where the script is tracked (keepalived `weight`).'),
  rise: s.optional(s.integer({ min: 1, max: 1000 }), 1).describe('Successes before up (keepalived `rise`).'),
  fall: s.optional(s.integer({ min: 1, max: 1000 }), 1).describe('Failures before down (keepalived `fall`).'),
});
export type TrackScriptConfig = s.InferShape<typeof trackScriptSchema.shape>;

/** A file holding an integer (keepalived track_file), watched by the vrrp process. */
export const trackFileSchema = s.object({
  path: trackFilePath.describe('The file (keepalived track_file `file`). Missing or empty reads as 0; content that is not an integer is a fault.'),
  weight: s.optional(WEIGHT, 1).describe('Default weight where the file is tracked (keepalived track_file `weight`): 0 = Fault while the value is non-zero, else value × weight is added to the priority (-254 or less = Fault). Default 1.'),
  reverse: s.optional(s.boolean(), false).describe('Default direction (keepalived `weight … reverse`): the product is negated; with weight 0, a zero value is the Fault.'),
  ...fileWatchShape,
});
export type TrackFileConfig = s.InferShape<typeof trackFileSchema.shape>;

/** A tracked file with the weight and direction this instance applies to its value. */
export interface TrackFileRef {
  name: string;
  weight: number;
  reverse: boolean;
}

// The weight and reverse of a file reference default to the file's own (keepalived), so they stay undefined here.
const trackFileRefSchema: Schema<{ name: string; weight?: number; reverse?: boolean }> = s.transform(
  s.union(NAME, s.object({ name: NAME.describe('Name of a file under vrrp.files.'), weight: s.optional(WEIGHT).describe('Weight for this instance. Default: the file\'s.'), reverse: s.optional(s.boolean()).describe('Direction for this instance. Default: the file\'s.') })),
  (v) => (typeof v === 'string' ? { name: v } : { name: v.name, ...(v.weight !== undefined ? { weight: v.weight } : {}), ...(v.reverse !== undefined ? { reverse: v.reverse } : {}) }),
  'a file name from vrrp.files, or { name, weight?, reverse? } with weight from -254 to 254',
);

const trackSchema = s.object({
  interfaces: s.optional(s.array(trackRefInterface, { single: true }), []).describe('Interfaces whose state changes the priority or puts the instance in Fault (keepalived track_interface).'),
  checks: s.optional(s.array(trackRefSchema('check'), { single: true }), []).describe('hacore checks (by name, from `checks:`) whose up/down state is tracked (keepalived track_script over a checker).'),
  scripts: s.optional(s.array(trackRefSchema('script'), { single: true }), []).describe('Scripts from vrrp.scripts (keepalived track_script).'),
  files: s.optional(s.array(trackFileRefSchema, { single: true }), []).describe('Files from vrrp.files whose value changes the priority or puts the instance in Fault (keepalived track_file).'),
  bfd: s.optional(s.array(trackBfdRefSchema, { single: true })).describe('BFD sessions of the bfd section (@hacore/bfd) whose state changes the priority or puts the instance in Fault (keepalived track_bfd).'),
});

const authenticationSchema = s.object({
  type: s.enumOf(['PASS'] as const).describe('Only PASS (simple password, VRRPv2 auth type 1) is supported; AH is not.'),
  password: s.string({ pattern: /^[\x21-\x7e]{1,8}$/, patternText: 'a password of 1 to 8 printable characters' }).describe('keepalived auth_pass; sent in clear, truncated to 8 bytes.'),
});

export const instanceShape = {
  name: NAME.describe('Instance name (keepalived vrrp_instance NAME); used in events and status.'),
  interface: IFNAME.describe('Interface the instance runs on (keepalived `interface`).'),
  vrid: s.integer({ min: 1, max: 255 }).describe('Virtual router id 1-255 (keepalived virtual_router_id).'),
  priority: s.optional(s.integer({ min: 1, max: 255 }), 100).describe('Priority 1-255; 255 = address owner (keepalived `priority`). Default 100.'),
  version: s.optional(s.union(s.literal(2), s.literal(3))).describe('VRRP version 2 or 3 (keepalived vrrp_version). Default: 2 for IPv4, 3 for IPv6 (v2 has no IPv6).'),
  family: s.optional(s.union(s.literal(4), s.literal(6))).describe('Address family of the adverts. Default: the family of the first virtual address.'),
  advertInterval: s.optional(s.duration({ min: 10, max: 255_000 }), 1000).describe('Advertisement interval (keepalived advert_int). v2: whole seconds; v3: a multiple of 10ms up to 40.95s. Default 1s.'),
  virtualAddresses: s.array(virtualAddressSchema, { minItems: 1, single: true }).describe('VIPs carried in the adverts and added on Master (keepalived virtual_ipaddress).'),
  virtualAddressesExcluded: s.optional(s.array(virtualAddressSchema, { single: true }), []).describe('VIPs added on Master but not carried in the adverts (keepalived virtual_ipaddress_excluded).'),
  virtualRoutes: s.optional(s.array(virtualRouteSchema), []).describe('Routes added on Master, removed on leaving it (keepalived virtual_routes).'),
  preempt: s.optional(s.boolean()).describe('Whether a higher-priority Backup takes over from a lower-priority Master. Default true.'),
  nopreempt: s.optional(s.boolean()).describe('keepalived spelling: nopreempt: true is preempt: false.'),
  preemptDelay: s.optional(s.duration({ max: 1_000_000 }), 0).describe('Delay before a Backup preempts, after startup (keepalived preempt_delay). Default 0.'),
  state: s.optional(s.enumOf(['BACKUP', 'MASTER'] as const), 'BACKUP').describe('Initial state (keepalived `state`); the election decides in the end.'),
  unicastSource: s.optional(s.ip()).describe('Source address of the adverts (keepalived unicast_src_ip / mcast_src_ip). Default: the interface primary address (IPv4) or its link-local address (IPv6).'),
  unicastPeers: s.optional(s.array(s.ip(), { single: true }), []).describe('Send adverts by unicast to these peers instead of multicast (keepalived unicast_peer).'),
  checkUnicastSource: s.optional(s.boolean(), false).describe('With unicastPeers: drop adverts whose source is not a listed peer (keepalived check_unicast_src). Default false.'),
  authentication: s.optional(authenticationSchema).describe('VRRPv2 simple password (keepalived authentication { auth_type PASS; auth_pass }).'),
  accept: s.optional(s.boolean(), true).describe('Accept mode: whether a Master accepts traffic to the VIPs (RFC 5798 Accept_Mode). false drops it with an nftables rule, ND excepted. Default true.'),
  track: s.optional(trackSchema, { interfaces: [], checks: [], scripts: [], files: [] }).describe('Tracked interfaces, checks, scripts and files.'),
  garpRepeat: s.optional(s.integer({ min: 0, max: 100 }), 5).describe('Gratuitous ARPs / unsolicited NAs per VIP on becoming Master (keepalived garp_master_repeat). Default 5.'),
  garpMasterDelay: s.optional(s.duration({ max: 3_600_000 }), 5000).describe('Delay of the second burst after becoming Master; 0 disables it (keepalived garp_master_delay). Default 5s.'),
  garpInterval: s.optional(s.duration({ max: 1000 }), 0).describe('Pause between two GARP/NA packets of a burst (keepalived garp_interval / gna_interval). Default 0.'),
  garpRefresh: s.optional(s.duration({ min: 1000 })).describe('Repeat a burst periodically while Master (keepalived garp_master_refresh). Default: off.'),
  garpRefreshRepeat: s.optional(s.integer({ min: 1, max: 100 }), 1).describe('Packets per VIP in each refresh (keepalived garp_master_refresh_repeat). Default 1.'),
  vmac: s.optional(s.boolean(), false).describe('Put the VIPs on a macvlan with the virtual MAC 00:00:5e:00:01:VRID and send from it (keepalived use_vmac). IPv4, multicast only. Default false.'),
  vmacName: s.optional(IFNAME).describe('Name of the vmac interface. Default vrrp.VRID.'),
  vipRemoved: s.optional(s.enumOf(['backup', 'restore'] as const), 'backup').describe('What a Master does when something else removes one of its VIPs: "backup" (keepalived) or "restore". Default backup.'),
};

const instanceObject = s.object(instanceShape);
type RawInstance = s.InferShape<typeof instanceShape>;

/** An instance after validation and cross-field checks. */
export interface VrrpInstanceConfig {
  name: string;
  interface: string;
  vrid: number;
  priority: number;
  version: 2 | 3;
  family: 4 | 6;
  advertInterval: number;
  virtualAddresses: VirtualAddress[];
  virtualAddressesExcluded: VirtualAddress[];
  virtualRoutes: VirtualRoute[];
  preempt: boolean;
  preemptDelay: number;
  state: 'BACKUP' | 'MASTER';
  unicastSource?: string;
  unicastPeers: string[];
  checkUnicastSource: boolean;
  authentication?: { type: 'PASS'; password: string };
  accept: boolean;
  track: { interfaces: TrackRef[]; checks: TrackRef[]; scripts: TrackRef[]; files: TrackFileRef[]; bfd?: TrackBfdRef[] };
  garpRepeat: number;
  garpMasterDelay: number;
  garpInterval: number;
  garpRefresh?: number;
  garpRefreshRepeat: number;
  vipRemoved: 'backup' | 'restore';
  /** The vmac interface name when `vmac` is on. */
  vmac?: string;
}

export const syncGroupSchema = s.object({
  name: NAME.describe('Group name (keepalived vrrp_sync_group NAME).'),
  instances: s.array(NAME, { minItems: 1 }).describe('Instances that fail over together (keepalived `group`).'),
});
export type SyncGroupConfig = s.InferShape<typeof syncGroupSchema.shape>;

export interface VrrpSectionConfig {
  instances: VrrpInstanceConfig[];
  syncGroups: SyncGroupConfig[];
  scripts: Record<string, TrackScriptConfig>;
  /** Track files by name (absent in sections made by code that predates them). */
  files?: Record<string, TrackFileConfig>;
  nice?: number;
  realtimePriority?: number;
}

const sectionObject = s.object({
  instances: s.array(instanceObject, { single: true }).describe('VRRP instances (keepalived vrrp_instance).'),
  syncGroups: s.optional(s.array(syncGroupSchema), []).describe('Sync groups (keepalived vrrp_sync_group).'),
  scripts: s.optional(s.record(trackScriptSchema, { keyPattern: /^[A-Za-z0-9_.:-]{1,64}$/ }), {}).describe('Track scripts by name (keepalived vrrp_script).'),
  files: s.optional(s.record(trackFileSchema, { keyPattern: /^[A-Za-z0-9_.:-]{1,64}$/ }), {}).describe('Track files by name (keepalived track_file).'),
  nice: s.optional(s.integer({ min: -20, max: 19 })).describe('Nice value of the VRRP event loop (keepalived vrrp_priority); only matters when realtimePriority is 0. Default: unchanged.'),
  realtimePriority: s
    .optional(s.integer({ min: 0, max: 99 }))
    .describe('SCHED_RR priority of the VRRP event loop (keepalived vrrp_rt_priority), 0 for SCHED_OTHER. Default 1 when the vrrp process runs apart from the checks (never in --single-process), with RLIMIT_RTTIME 2 s.'),
});

function normalizeInstance(raw: RawInstance, ctx: s.ParseContext, path: string, scripts: Record<string, TrackScriptConfig>, files: Record<string, TrackFileConfig>): VrrpInstanceConfig | s.Invalid {
  let ok = true;
  const bad = (sub: string, expected: string, found: unknown, hint?: string): void => {
    s.fail(ctx, sub ? `${path}.${sub}` : path, expected, found, hint);
    ok = false;
  };
  const first = raw.virtualAddresses[0]!;
  const family = raw.family ?? first.family;
  raw.virtualAddresses.forEach((a, i) => {
    if (a.family !== family) bad(`virtualAddresses[${i}]`, `an IPv${family} address like the instance's other addresses (one family per instance; use two instances for IPv4 and IPv6)`, `${a.address}/${a.prefix}`);
  });
  const version = raw.version ?? (family === 6 ? 3 : 2);
  if (version === 2 && family === 6) bad('version', '3 for IPv6 (VRRPv2 has no IPv6)', 2);
  const adv = raw.advertInterval;
  if (version === 2 && (adv % 1000 !== 0 || adv < 1000 || adv > 255_000)) bad('advertInterval', 'whole seconds from 1s to 255s with version 2', `${adv}ms`);
  if (version === 3 && (adv % 10 !== 0 || adv < 10 || adv > 40_950)) bad('advertInterval', 'a multiple of 10ms from 10ms to 40.95s with version 3', `${adv}ms`);
  if (raw.preempt !== undefined && raw.nopreempt !== undefined && raw.preempt === raw.nopreempt) bad('nopreempt', `a value consistent with preempt: ${raw.preempt}`, raw.nopreempt);
  const preempt = raw.preempt ?? (raw.nopreempt !== undefined ? !raw.nopreempt : true);
  if (raw.vmac && family === 6) bad('vmac', 'false for IPv6 instances (vmac is IPv4 only)', true);
  if (raw.vmac && (raw.unicastPeers?.length ?? 0) > 0) bad('vmac', 'false with unicastPeers (a vmac sends multicast adverts)', true);
  if (raw.vmacName !== undefined && !raw.vmac) bad('vmacName', 'vmacName only with vmac: true', raw.vmacName);
  if (raw.vmac && raw.vmacName === raw.interface) bad('vmacName', 'a name other than the instance interface', raw.vmacName);
  if (raw.authentication && version !== 2) bad('authentication', 'no authentication with version 3 (RFC 5798 removed it)', 'authentication');
  if (raw.unicastSource && isIP(raw.unicastSource) !== family) bad('unicastSource', `an IPv${family} address (the instance family)`, raw.unicastSource);
  raw.unicastPeers?.forEach((p, i) => {
    if (isIP(p) !== family) bad(`unicastPeers[${i}]`, `an IPv${family} address (the instance family)`, p);
  });
  if (raw.virtualAddresses.length > 255) bad('virtualAddresses', 'at most 255 addresses in an advert', raw.virtualAddresses);
  const track = raw.track ?? { interfaces: [], checks: [], scripts: [], files: [] };
  (track.scripts ?? []).forEach((t, i) => {
    if (!(t.name in scripts)) bad(`track.scripts[${i}]`, `the name of a script under vrrp.scripts (${Object.keys(scripts).join(', ') || 'none defined'})`, t.name, s.closest(t.name, Object.keys(scripts)) ? `did you mean "${s.closest(t.name, Object.keys(scripts))}"?` : undefined);
  });
  const fileRefs: TrackFileRef[] = [];
  (track.files ?? []).forEach((t, i) => {
    const f = files[t.name];
    if (!f) {
      const hint = s.closest(t.name, Object.keys(files));
      return bad(`track.files[${i}]`, `the name of a file under vrrp.files (${Object.keys(files).join(', ') || 'none defined'})`, t.name, hint ? `did you mean "${hint}"?` : undefined);
    }
    if (fileRefs.some((r) => r.name === t.name)) return bad(`track.files[${i}]`, 'a file tracked once per instance', t.name);
    const ref = { name: t.name, weight: t.weight ?? f.weight ?? 1, reverse: t.reverse ?? f.reverse ?? false };
    // keepalived: the address owner keeps 255, so only weight 0 (Fault) means anything for it.
    if ((raw.priority ?? 100) === 255 && ref.weight !== 0) bad(`track.files[${i}]`, 'weight 0 for an address owner (priority 255 is never changed by weights)', ref.weight);
    fileRefs.push(ref);
  });
  if (!ok) return s.INVALID;
  const out: VrrpInstanceConfig = {
    name: raw.name,
    interface: raw.interface,
    vrid: raw.vrid,
    priority: raw.priority ?? 100,
    version,
    family,
    advertInterval: adv,
    virtualAddresses: raw.virtualAddresses,
    virtualAddressesExcluded: raw.virtualAddressesExcluded ?? [],
    virtualRoutes: raw.virtualRoutes ?? [],
    preempt,
    preemptDelay: raw.preemptDelay ?? 0,
    state: raw.state ?? 'BACKUP',
    unicastPeers: raw.unicastPeers ?? [],
    checkUnicastSource: raw.checkUnicastSource ?? false,
    accept: raw.accept ?? true,
    track: {
      interfaces: track.interfaces ?? [],
      checks: track.checks ?? [],
      // A script tracked without an explicit weight takes the script's own weight.
      scripts: (track.scripts ?? []).map((t) => ({ name: t.name, weight: t.weight !== 0 ? t.weight : (scripts[t.name]?.weight ?? 0) })),
      files: fileRefs,
      ...(track.bfd && track.bfd.length > 0 ? { bfd: track.bfd } : {}),
    },
    garpRepeat: raw.garpRepeat ?? 5,
    garpMasterDelay: raw.garpMasterDelay ?? 5000,
    garpInterval: raw.garpInterval ?? 0,
    garpRefreshRepeat: raw.garpRefreshRepeat ?? 1,
    vipRemoved: raw.vipRemoved ?? 'backup',
  };
  if (raw.unicastSource !== undefined) out.unicastSource = raw.unicastSource;
  if (raw.authentication !== undefined) out.authentication = raw.authentication;
  if (raw.garpRefresh !== undefined) out.garpRefresh = raw.garpRefresh;
  if (raw.vmac) out.vmac = raw.vmacName ?? `vrrp.${raw.vrid}`;
  return out;
}

/** The whole `vrrp` section, with the checks that span instances (unique names, VRIDs, sync groups). */
export const vrrpSectionSchema: Schema<VrrpSectionConfig> = s.transform(
  sectionObject,
  (raw, ctx, path) => {
    let ok = true;
    const scripts = raw.scripts ?? {};
    const files = raw.files ?? {};
    const instances: VrrpInstanceConfig[] = [];
    raw.instances.forEach((inst, i) => {
      const r = normalizeInstance(inst, ctx, `${path}.instances[${i}]`, scripts, files);
      if (r === s.INVALID) ok = false;
      else instances.push(r);
    });
    if (!ok) return s.INVALID;
    const names = new Map<string, number>();
    const vrids = new Map<string, number>();
    const vmacs = new Map<string, number>();
    instances.forEach((inst, i) => {
      if (names.has(inst.name)) {
        s.fail(ctx, `${path}.instances[${i}].name`, `a unique instance name (instances[${names.get(inst.name)}] has it too)`, inst.name);
        ok = false;
      }
      names.set(inst.name, i);
      const key = `${inst.interface}/${inst.family}/${inst.vrid}`;
      if (vrids.has(key)) {
        s.fail(ctx, `${path}.instances[${i}].vrid`, `a VRID unused by other IPv${inst.family} instances on ${inst.interface} (instances[${vrids.get(key)}] has it)`, inst.vrid);
        ok = false;
      }
      vrids.set(key, i);
      if (inst.vmac !== undefined) {
        const other = vmacs.get(inst.vmac);
        if (other !== undefined) {
          s.fail(ctx, `${path}.instances[${i}].vmacName`, `a vmac name unused by other instances (instances[${other}] has ${inst.vmac})`, inst.vmac);
          ok = false;
        }
        vmacs.set(inst.vmac, i);
      }
    });
    // One VIP (on one device) in two instances: the one going Backup would delete
    // the address the other holds as Master, and the Master would see its VIP vanish.
    const placed = new Map<string, number>();
    instances.forEach((inst, i) => {
      for (const v of [...inst.virtualAddresses, ...inst.virtualAddressesExcluded]) {
        const key = `${v.dev ?? inst.vmac ?? inst.interface}/${normalizeIp(v.address) ?? v.address}`;
        const other = placed.get(key);
        if (other !== undefined && other !== i) {
          s.fail(ctx, `${path}.instances[${i}].virtualAddresses`, `addresses no other instance places on the same device (instances[${other}] has ${v.address} too)`, v.address);
          ok = false;
        }
        placed.set(key, i);
      }
    });
    const grouped = new Map<string, string>();
    (raw.syncGroups ?? []).forEach((g, gi) => {
      g.instances.forEach((name, ii) => {
        const where = `${path}.syncGroups[${gi}].instances[${ii}]`;
        if (!names.has(name)) {
          const hint = s.closest(name, names.keys());
          s.fail(ctx, where, `the name of an instance under vrrp.instances`, name, hint ? `did you mean "${hint}"?` : undefined);
          ok = false;
        } else if (grouped.has(name)) {
          s.fail(ctx, where, `an instance in no other sync group (it is in "${grouped.get(name)}")`, name);
          ok = false;
        }
        grouped.set(name, g.name);
      });
    });
    if (!ok) return s.INVALID;
    const out: VrrpSectionConfig = { instances, syncGroups: raw.syncGroups ?? [], scripts, files };
    if (raw.nice !== undefined) out.nice = raw.nice;
    if (raw.realtimePriority !== undefined) out.realtimePriority = raw.realtimePriority;
    return out;
  },
  'a vrrp section { instances, syncGroups?, scripts?, files?, nice?, realtimePriority? }',
).describe(
  'every key in docs/vrrp.md. Scheduling of the vrrp process: `realtimePriority` (0-99, keepalived vrrp_rt_priority) defaults to 1, SCHED_RR at the lowest real-time priority with RLIMIT_RTTIME 2 s, when the vrrp process runs apart from the checks (not with --single-process); `realtimePriority: 0` keeps SCHED_OTHER. `nice` (-20..19, keepalived vrrp_priority) defaults to unchanged. The check process is never changed. See docs/vrrp.md#scheduling-nice-realtimepriority',
);

/** Validates a `vrrp` section outside the daemon (tests, tooling). */
export function parseVrrpSection(value: unknown): { value: VrrpSectionConfig | undefined; issues: { path: string; expected: string; found: string; hint?: string }[] } {
  return s.validate(vrrpSectionSchema, value, 'vrrp');
}
