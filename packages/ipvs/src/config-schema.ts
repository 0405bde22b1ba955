import { isIP } from 'node:net';
import { commonCheckShape, schema as s, type CheckSpec, type InferShape, type ObjectSchema, type Schema, type Shape } from '@hacore/core';
import { expandAddressRange } from './address-range.js';
import { hostPort } from './reconcile-keys.js';
import { compileVirtualServers } from './virtual-server-spec.js';

type ParseContext = s.ParseContext;

/** Validates one check like a top-level `checks[]` entry: `core.parseCheck`. */
export type InlineCheckParser = (raw: unknown, ctx: ParseContext, path: string) => CheckSpec | s.Invalid;

function custom<T>(expected: string, parse: Schema<T>['parse'], doc?: string): Schema<T> {
  return {
    expected,
    parse,
    ...(doc !== undefined ? { doc } : {}),
    describe(d: string) {
      return custom(expected, parse, d);
    },
  };
}

/** Any mapping, kept as it is: an inline check, validated later against its type. */
const rawObject = custom<Record<string, unknown>>('a check (an object with type and its options)', (v, ctx, path) =>
  s.isPlainObject(v) ? v : s.fail(ctx, path, 'a check (an object with type and its options)', v),
);

const forwarding = s.enumOf(['masq', 'droute', 'tunnel'] as const);
const tunnelType = s.enumOf(['ipip', 'gue', 'gre'] as const);

const realServerShape = {
  address: s.ip().describe('Address of the real server (keepalived real_server IP).'),
  port: s.optional(s.port()).describe('Port of the real server. Default: the virtual server\'s port.'),
  weight: s.optional(s.integer({ min: 0, max: 65535 }), 1).describe('Weight (keepalived weight). Default 1.'),
  forwarding: s.optional(forwarding).describe('Forwarding method, overriding the virtual server\'s (keepalived lvs_method per real server).'),
  inhibitOnFailure: s.optional(s.boolean()).describe('Keep the real server with weight 0 when it fails instead of removing it (keepalived inhibit_on_failure). Default: the virtual server\'s.'),
  upperThreshold: s.optional(s.integer({ min: 0 })).describe('Maximum connections (keepalived uthreshold).'),
  lowerThreshold: s.optional(s.integer({ min: 0 })).describe('Connections below which the server is used again (keepalived lthreshold).'),
  tunnelType: s.optional(tunnelType).describe('Tunnel encapsulation with forwarding tunnel (keepalived tun_type). Default ipip.'),
  tunnelPort: s.optional(s.port()).describe('Destination port of gue tunnels (keepalived tun_port).'),
  tunnelNoChecksum: s.optional(s.boolean()).describe('Send tunnel packets without checksum (keepalived tun_flags nocsum).'),
  checks: s.optional(s.array(rawObject), []).describe('Checks of this real server (keepalived TCP_CHECK, HTTP_GET, ...). Fields as under `checks:`, with `name`, `address` and `port` defaulting to the real server\'s and `interval` to delayLoop. The real server is up when all its checks are up; with none it is always up.'),
};

const sorryServerShape = {
  address: s.ip().describe('Address of the sorry server.'),
  port: s.optional(s.port()).describe('Port. Default: the virtual server\'s port.'),
  weight: s.optional(s.integer({ min: 1, max: 65535 }), 1).describe('Weight while it is in. Default 1.'),
  forwarding: s.optional(forwarding).describe('Forwarding method. Default: the virtual server\'s (keepalived sorry_server_lvs_method).'),
};

export const virtualServerShape = {
  name: s.optional(s.string({ pattern: /^[A-Za-z0-9_.:@\-[\]/]+$/, patternText: 'a name of letters, digits and _ . : @ - [ ] /' })).describe('Name used in events, status and check names. Default: the service key, e.g. 198.51.100.10:80/tcp.'),
  address: s.optional(s.ip()).describe('Virtual address (keepalived virtual_server IP). One of address+port, fwmark or group.'),
  port: s.optional(s.port()).describe('Virtual port.'),
  protocol: s.optional(s.enumOf(['tcp', 'udp', 'sctp'] as const), 'tcp').describe('Protocol (keepalived protocol). Default tcp.'),
  fwmark: s.optional(s.integer({ min: 1, max: 4294967295 })).describe('Firewall mark service (keepalived virtual_server fwmark).'),
  family: s.optional(s.enumOf(['ipv4', 'ipv6'] as const)).describe('Address family of a fwmark service. Default: that of the real servers, else ipv4.'),
  group: s.optional(s.string({ minLength: 1 })).describe('Name of a virtualServerGroups entry: one service per member, sharing these real servers (keepalived virtual_server group).'),
  scheduler: s.optional(s.string({ pattern: /^[a-z0-9]+$/, patternText: 'a scheduler name such as rr, wrr, lc, wlc, sh, mh' }), 'wlc').describe('IPVS scheduler (keepalived lb_algo). Default wlc.'),
  forwarding: s.optional(forwarding, 'masq').describe('Forwarding method (keepalived lb_kind NAT/DR/TUN). Default masq.'),
  persistence: s.optional(s.duration({ min: 1000 })).describe('Persistence timeout (keepalived persistence_timeout), rounded to seconds.'),
  persistenceNetmask: s.optional(s.union(s.ip({ family: 4 }), s.integer({ min: 1, max: 128 }))).describe('Persistence granularity (keepalived persistence_granularity): an IPv4 mask or an IPv6 prefix length.'),
  onePacket: s.optional(s.boolean(), false).describe('One-packet scheduling, for UDP (keepalived ops).'),
  schedulerFlags: s.optional(s.array(s.enumOf(['sh-fallback', 'sh-port', 'mh-fallback', 'mh-port'] as const)), []).describe('Scheduler flags (keepalived lb_algo sh/mh flags).'),
  delayLoop: s.optional(s.duration({ min: 10 })).describe('Default interval of the real servers\' checks (keepalived delay_loop).'),
  quorum: s.optional(s.integer({ min: 1 }), 1).describe('Minimum sum of live weights for the virtual server to be up (keepalived quorum). Default 1.'),
  hysteresis: s.optional(s.integer({ min: 0 }), 0).describe('Quorum goes down below quorum-hysteresis and up at quorum+hysteresis (keepalived hysteresis). Default 0.'),
  alpha: s.optional(s.boolean(), false).describe('Real servers start down until their first check passes (keepalived alpha).'),
  omega: s.optional(s.boolean(), false).describe('Run the quorum-down actions (hook and event) at shutdown (keepalived omega).'),
  inhibitOnFailure: s.optional(s.boolean(), false).describe('Default of the real servers\' inhibitOnFailure.'),
  sorryServer: s.optional(s.object(sorryServerShape)).describe('Server put in when quorum is lost, i.e. by default when no real server is up (keepalived sorry_server).'),
  haSuspend: s.optional(s.boolean(), false).describe('Program this virtual server only while the VRRP instance that carries its address is Master (keepalived ha_suspend); its checks keep running.'),
  sorryServerInhibit: s.optional(s.boolean(), false).describe('Keep the sorry server with weight 0 while it is not needed (keepalived sorry_server_inhibit).'),
  realServers: s.optional(s.array(s.object(realServerShape)), []).describe('The real servers (keepalived real_server).'),
};

export type RealServerConfig = Omit<InferShape<typeof realServerShape>, 'checks'> & { checks: CheckSpec[] };
export type SorryServerConfig = InferShape<typeof sorryServerShape>;
export type VirtualServerConfig = Omit<InferShape<typeof virtualServerShape>, 'realServers' | 'name'> & {
  name: string;
  realServers: RealServerConfig[];
};

const addressOrRange = custom<string>(
  'an IP address, or a range such as 198.51.100.1-10 or 2001:db8::1-1f',
  (v, ctx, path) => (typeof v === 'string' && expandAddressRange(v) ? v : s.fail(ctx, path, 'an IP address, or a range such as 198.51.100.1-10 or 2001:db8::1-1f (at most 256 addresses)', v)),
);

const groupMemberShape = {
  address: s.optional(addressOrRange).describe('Virtual address, or a range of them (keepalived `198.51.100.1-10 80`: the last IPv4 octet, or the last IPv6 group in hex): one service per address.'),
  port: s.optional(s.port()).describe('Virtual port. Default: the virtual server\'s port.'),
  fwmark: s.optional(s.integer({ min: 1, max: 4294967295 })).describe('Firewall mark instead of an address.'),
};
export type GroupMemberConfig = InferShape<typeof groupMemberShape>;

const groupMember = s.transform(
  s.object(groupMemberShape),
  (v, ctx, path) => {
    if ((v.address === undefined) === (v.fwmark === undefined)) return s.fail(ctx, path, 'either address (with port) or fwmark', v);
    return v;
  },
);

/** `virtualServerGroups`: name -> members (keepalived virtual_server_group). */
export const virtualServerGroupsSchema = s.record(s.array(groupMember, { minItems: 1 }), { keyPattern: /^[A-Za-z0-9_.:@-]+$/ });

const syncDaemonShape = {
  interface: s.string({ pattern: /^[^\s/]{1,15}$/, patternText: 'an interface name of 1-15 characters' }).describe('Interface the sync messages are multicast on and received from (keepalived lvs_sync_daemon IFACE).'),
  vrrpInstance: s.string({ minLength: 1 }).describe('The vrrp instance whose state drives the daemon: master while it is Master, backup otherwise (keepalived lvs_sync_daemon IFACE INSTANCE).'),
  syncId: s.optional(s.integer({ min: 0, max: 255 }), 0).describe('Sync id: a backup takes only the messages of its id (keepalived lvs_sync_daemon ... id N). Default 0.'),
  maxLength: s.optional(s.integer({ min: 64, max: 65535 })).describe('Largest sync message in bytes, including the IP/UDP headers (ipvsadm --sync-maxlen). Default: the kernel\'s, from the interface MTU.'),
  group: s.optional(s.ip()).describe('Multicast group (ipvsadm --mcast-group). Default 224.0.0.81.'),
  port: s.optional(s.port()).describe('UDP port (ipvsadm --mcast-port). Default 8848.'),
  ttl: s.optional(s.integer({ min: 1, max: 255 })).describe('Multicast TTL (ipvsadm --mcast-ttl). Default 1.'),
};
export type SyncDaemonOptionsConfig = InferShape<typeof syncDaemonShape>;

/** `ipvs`: options of the plugin itself. */
export const ipvsOptionsShape = {
  leaveOnStop: s.optional(s.boolean(), false).describe('Leave our services in the kernel when hacore stops (default: remove them).'),
  resyncInterval: s.optional(s.duration(), 60000).describe('Between passes, the plugin trusts the table it last read back; this often it reads the whole table again, so that changes made behind its back are repaired. 0 disables. Default 60s.'),
  statsInterval: s.optional(s.duration(), 5000).describe('How often the kernel\'s per-destination counters and rates (active/inactive connections, packets, bytes) are read for the status and the Prometheus metrics. The kernel refreshes them about every 2 s. 0 disables. Default 5s.'),
  syncDaemon: s.optional(s.object(syncDaemonShape)).describe('The kernel\'s connection-sync daemon, so that established connections survive a director failover: started as backup, switched to master while `vrrpInstance` is Master (keepalived lvs_sync_daemon). The optional maxLength, group, port and ttl need Linux 4.3 or later.'),
};
export const ipvsOptionsSchema = s.object(ipvsOptionsShape);
export type IpvsOptionsConfig = InferShape<typeof ipvsOptionsShape>;

/** The default name of a virtual server: its key. */
export function defaultVirtualServerName(v: { address?: string; port?: number; protocol: string; fwmark?: number; group?: string }): string {
  if (v.group !== undefined) return `group:${v.group}`;
  if (v.fwmark !== undefined) return `fwmark:${v.fwmark}`;
  return `${hostPort(v.address ?? '', v.port ?? 0)}/${v.protocol}`;
}

/**
 * The name of a real server's inline check, `web@198.51.100.21:80-0`, kept
 * within the characters the core allows in check names.
 */
export function inlineCheckName(vsName: string, address: string, port: number, index: number): string {
  return `${vsName}@${address}:${port}-${index}`.replace(/[^A-Za-z0-9_.:@-]/g, '_');
}

/**
 * Validates one inline check of a real server: fills in the real server's
 * address and port, the virtual server's delayLoop and alpha, and a name; then
 * checks the common fields and the options of its type, exactly as a
 * top-level check is checked.
 */
export function parseInlineCheck(
  raw: Record<string, unknown>,
  defaults: { name: string; address: string; port: number | undefined; interval: number | undefined; alpha: boolean },
  parseCheck: InlineCheckParser,
  ctx: ParseContext,
  path: string,
): CheckSpec | s.Invalid {
  const item: Record<string, unknown> = {
    name: defaults.name,
    address: defaults.address,
    ...(defaults.port !== undefined ? { port: defaults.port } : {}),
    ...(defaults.interval !== undefined ? { interval: `${defaults.interval}ms` } : {}),
    ...(defaults.alpha ? { alpha: true } : {}),
    ...raw,
  };
  return parseCheck(item, ctx, path);
}

/** Where the groups of the validation in progress are left for the virtual servers to check against. */
export interface GroupsSeen {
  /** `undefined` when no groups section was parsed (or it was invalid): group references are then not checked. */
  value: Record<string, GroupMemberConfig[]> | undefined;
}

/**
 * The sections of the plugin as a pair that sees across: the core parses the
 * sections in the order they were registered, so with `virtualServerGroups`
 * registered first, the virtual servers can check their group references and
 * report them with the file and line like any other error.
 */
export function ipvsSchemas(parseCheck: InlineCheckParser): { virtualServerGroups: Schema<Record<string, GroupMemberConfig[]>>; virtualServers: Schema<VirtualServerConfig[]> } {
  const seen: GroupsSeen = { value: undefined };
  const groups: Schema<Record<string, GroupMemberConfig[]>> = {
    expected: virtualServerGroupsSchema.expected,
    ...(virtualServerGroupsSchema.item ? { item: virtualServerGroupsSchema.item } : {}),
    // Optional with a default, yet parsed even when absent, so that an old value never lingers.
    optional: { default: {} },
    parse(v, ctx, path) {
      const r = v === undefined || v === null ? {} : virtualServerGroupsSchema.parse(v, ctx, path);
      seen.value = r === s.INVALID ? undefined : r;
      return r;
    },
    describe() {
      return groups;
    },
  };
  return { virtualServerGroups: groups, virtualServers: virtualServersSchema(parseCheck, seen) };
}

/**
 * The `virtualServers` section: a list of virtual servers with their real
 * servers and inline checks. With `groups`, also what only the list as a
 * whole tells: unknown groups, duplicate names, a service in two virtual servers.
 */
export function virtualServersSchema(parseCheck: InlineCheckParser, groups?: GroupsSeen): Schema<VirtualServerConfig[]> {
  const base = s.object(virtualServerShape);
  const one = s.transform(base, (v, ctx, path): VirtualServerConfig | s.Invalid => {
    let ok = true;
    // With fwmark or group, `port` is only the default port of the real servers (and group members).
    const forms = [v.address !== undefined, v.fwmark !== undefined, v.group !== undefined].filter(Boolean).length;
    if (forms !== 1) {
      s.fail(ctx, path, 'exactly one of address (with port), fwmark or group', v);
      ok = false;
    } else if (v.address !== undefined && v.port === undefined) {
      s.fail(ctx, `${path}.port`, 'a port (required with address)', undefined);
      ok = false;
    }
    if (v.group !== undefined && groups?.value !== undefined && !Object.hasOwn(groups.value, v.group)) {
      const known = Object.keys(groups.value);
      const hint = s.closest(v.group, known);
      s.fail(ctx, `${path}.group`, `the name of a virtualServerGroups entry (${known.join(', ') || 'none defined'})`, v.group, hint ? `did you mean "${hint}"?` : undefined);
      ok = false;
    }
    const name = v.name ?? defaultVirtualServerName(v);
    const seen = new Set<string>();
    const realServers: RealServerConfig[] = [];
    (v.realServers ?? []).forEach((rs, i) => {
      const rsPath = `${path}.realServers[${i}]`;
      const port = rs.port ?? v.port;
      if (port === undefined && v.fwmark === undefined && v.group === undefined) return;
      const id = hostPort(rs.address, port ?? 0);
      if (seen.has(id)) {
        s.fail(ctx, `${rsPath}.address`, `a real server not listed twice in this virtual server (${id})`, rs.address);
        ok = false;
        return;
      }
      seen.add(id);
      if (port === undefined) {
        s.fail(ctx, `${rsPath}.port`, 'a port (required when the virtual server has none)', undefined);
        ok = false;
        return;
      }
      if (v.address !== undefined && (rs.forwarding ?? v.forwarding) !== 'tunnel' && isIP(rs.address) !== isIP(v.address)) {
        s.fail(ctx, `${rsPath}.address`, `an IPv${isIP(v.address)} address like the virtual server's (only tunnel forwarding mixes families)`, rs.address);
        ok = false;
      }
      const checks: CheckSpec[] = [];
      (rs.checks ?? []).forEach((raw, j) => {
        const c = parseInlineCheck(
          raw,
          { name: inlineCheckName(name, rs.address, port, j), address: rs.address, port, interval: v.delayLoop, alpha: v.alpha ?? false },
          parseCheck,
          ctx,
          `${rsPath}.checks[${j}]`,
        );
        if (c === s.INVALID) ok = false;
        else checks.push(c);
      });
      realServers.push({ ...rs, port, checks } as RealServerConfig);
    });
    if (!ok) return s.INVALID;
    return { ...v, name, realServers } as VirtualServerConfig;
  });
  const arrayOf = s.array(one);
  const list = custom<VirtualServerConfig[]>(arrayOf.expected, (raw, ctx, path) => {
    if (!Array.isArray(raw)) return arrayOf.parse(raw, ctx, path);
    // Each item on its own first, then what only the list tells, over the valid items, so one run reports both.
    const valid: { v: VirtualServerConfig; i: number }[] = [];
    raw.forEach((x, i) => {
      const r = one.parse(x, ctx, `${path}[${i}]`);
      if (r !== s.INVALID) valid.push({ v: r, i });
    });
    const allValid = valid.length === raw.length;
    // Without the groups section parsed alongside, references to groups cannot be judged here.
    const judged = valid.filter(({ v }) => v.group === undefined || (groups?.value !== undefined && Object.hasOwn(groups.value, v.group)));
    if (groups) {
      const { issues } = compileVirtualServers(judged.map(({ v }) => v), groups.value ?? {});
      // compile numbers the items it was given: map back to their places in the list.
      for (const issue of issues) {
        ctx.issues.push({ ...issue, path: issue.path.replace(/^virtualServers\[(\d+)\]/, (_m, k: string) => `${path}[${judged[Number(k)]!.i}]`) });
      }
      if (issues.length > 0) return s.INVALID;
    }
    return allValid ? valid.map(({ v }) => v) : s.INVALID;
  });
  // `shape` lets the reference generator (scripts/gen-config-docs.mjs) list the fields of one virtual server.
  return Object.assign(list, { item: Object.assign(one, { shape: base.shape }), shape: base.shape }) as Schema<VirtualServerConfig[]>;
}
