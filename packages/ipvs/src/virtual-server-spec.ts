import { isIP } from 'node:net';
import { expandAddressRange } from './address-range.js';
import type { ConfigIssue } from '@hacore/core';
import type { GroupMemberConfig, RealServerConfig, VirtualServerConfig } from './config-schema.js';
import { hostPort, serviceKeyId } from './reconcile-keys.js';
import type { DestinationConfig, ForwardingMethod, ServiceConfig, ServiceFlags, ServiceKey } from './types.js';

/** A real server after validation and defaults. */
export interface RealServerSpec {
  /** `198.51.100.21:80`: unique within its virtual server. */
  id: string;
  /** The configured destination; `weight` is the configured weight. */
  destination: DestinationConfig;
  inhibitOnFailure: boolean;
  /** Names of the checks that decide whether it is up (all must be up). */
  checks: string[];
}

/** A virtual server after validation and defaults: one IPVS service, or one per group member. */
export interface VirtualServerSpec {
  name: string;
  services: ServiceConfig[];
  realServers: RealServerSpec[];
  sorryServer?: { id: string; destination: DestinationConfig };
  sorryServerInhibit: boolean;
  quorum: number;
  hysteresis: number;
  alpha: boolean;
  omega: boolean;
  /** Programmed only while the VRRP instance carrying its address is Master. */
  haSuspend: boolean;
}

function familyOf(address: string): 4 | 6 {
  return isIP(address) === 6 ? 6 : 4;
}

function flagsOf(v: VirtualServerConfig): ServiceFlags | undefined {
  const f: ServiceFlags = {};
  if (v.persistence !== undefined) f.persistent = true;
  if (v.onePacket) f.onePacket = true;
  for (const x of v.schedulerFlags ?? []) {
    if (x === 'sh-fallback') f.shFallback = true;
    if (x === 'sh-port') f.shPort = true;
    if (x === 'mh-fallback') f.mhFallback = true;
    if (x === 'mh-port') f.mhPort = true;
  }
  return Object.keys(f).length > 0 ? f : undefined;
}

function destinationOf(rs: RealServerConfig, forwarding: ForwardingMethod): DestinationConfig {
  const fwd = rs.forwarding ?? forwarding;
  const d: DestinationConfig = { address: rs.address, port: rs.port ?? 0, family: familyOf(rs.address), forwarding: fwd, weight: rs.weight ?? 1 };
  if (rs.upperThreshold !== undefined) d.upperThreshold = rs.upperThreshold;
  if (rs.lowerThreshold !== undefined) d.lowerThreshold = rs.lowerThreshold;
  if (fwd === 'tunnel') {
    if (rs.tunnelType !== undefined) d.tunnelType = rs.tunnelType;
    if (rs.tunnelPort !== undefined) d.tunnelPort = rs.tunnelPort;
    if (rs.tunnelNoChecksum !== undefined) d.tunnelNoChecksum = rs.tunnelNoChecksum;
  }
  return d;
}

/**
 * Turns the validated sections into virtual-server specs, and reports what
 * only the sections together can tell: unknown groups, a service key used by
 * two virtual servers, duplicate names.
 */
export function compileVirtualServers(
  list: readonly VirtualServerConfig[],
  groups: Readonly<Record<string, readonly GroupMemberConfig[]>>,
): { specs: VirtualServerSpec[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const specs: VirtualServerSpec[] = [];
  const names = new Map<string, number>();
  const keys = new Map<string, string>();
  list.forEach((v, i) => {
    const path = `virtualServers[${i}]`;
    if (names.has(v.name)) {
      issues.push({ path: `${path}.name`, expected: `a name not used by another virtual server (virtualServers[${names.get(v.name)}])`, found: JSON.stringify(v.name) });
      return;
    }
    names.set(v.name, i);
    const rsFamily: 4 | 6 = v.realServers[0] ? familyOf(v.realServers[0].address) : 4;
    const fwFamily: 4 | 6 = v.family === 'ipv6' ? 6 : v.family === 'ipv4' ? 4 : rsFamily;
    const keysOf: ServiceKey[] = [];
    if (v.group !== undefined) {
      const members = groups[v.group];
      if (!members) {
        issues.push({ path: `${path}.group`, expected: `the name of a virtualServerGroups entry (${Object.keys(groups).join(', ') || 'none defined'})`, found: JSON.stringify(v.group) });
        return;
      }
      members.forEach((m, j) => {
        if (m.fwmark !== undefined) keysOf.push({ family: fwFamily, fwmark: m.fwmark });
        else {
          const port = m.port ?? v.port;
          if (port === undefined) {
            issues.push({ path: `virtualServerGroups.${v.group}[${j}].port`, expected: 'a port (the virtual server using this group has none)', found: 'nothing' });
            return;
          }
          for (const address of expandAddressRange(m.address!) ?? [m.address!]) keysOf.push({ family: familyOf(address), protocol: v.protocol, address, port });
        }
      });
    } else if (v.fwmark !== undefined) keysOf.push({ family: fwFamily, fwmark: v.fwmark });
    else keysOf.push({ family: familyOf(v.address!), protocol: v.protocol, address: v.address!, port: v.port! });

    const flags = flagsOf(v);
    const services: ServiceConfig[] = [];
    for (const key of keysOf) {
      const id = serviceKeyId(key);
      const other = keys.get(id);
      if (other !== undefined) {
        issues.push({ path, expected: `a service not defined by another virtual server (${id} is also in "${other}")`, found: JSON.stringify(v.name) });
        continue;
      }
      keys.set(id, v.name);
      const svc: ServiceConfig = { key, scheduler: v.scheduler ?? 'wlc' };
      if (v.persistence !== undefined) svc.persistence = Math.max(1, Math.round(v.persistence / 1000));
      if (v.persistenceNetmask !== undefined) svc.netmask = v.persistenceNetmask;
      if (flags) svc.flags = flags;
      services.push(svc);
    }
    const forwarding = v.forwarding ?? 'masq';
    const spec: VirtualServerSpec = {
      name: v.name,
      services,
      realServers: v.realServers.map((rs) => ({
        id: hostPort(rs.address, rs.port ?? 0),
        destination: destinationOf(rs, forwarding),
        inhibitOnFailure: rs.inhibitOnFailure ?? v.inhibitOnFailure ?? false,
        checks: rs.checks.map((c) => c.name),
      })),
      sorryServerInhibit: v.sorryServerInhibit ?? false,
      quorum: v.quorum ?? 1,
      hysteresis: v.hysteresis ?? 0,
      alpha: v.alpha ?? false,
      omega: v.omega ?? false,
      haSuspend: v.haSuspend ?? false,
    };
    if (v.sorryServer) {
      const port = v.sorryServer.port ?? v.port ?? 0;
      spec.sorryServer = {
        id: hostPort(v.sorryServer.address, port),
        destination: {
          address: v.sorryServer.address,
          port,
          family: familyOf(v.sorryServer.address),
          forwarding: v.sorryServer.forwarding ?? forwarding,
          weight: v.sorryServer.weight ?? 1,
        },
      };
    }
    specs.push(spec);
  });
  return { specs, issues };
}
