import { formatHostPort, normalizeIp } from '@hacore/core/ip-address';
import type { DestinationConfig, ServiceConfig, ServiceKey } from './types.js';

/**
 * Canonical text of an address, so that `2001:DB8:0::1` read back from the
 * kernel and `2001:db8::1` written in a config compare equal.
 */
export function canonicalAddress(address: string): string {
  let c = canonical.get(address);
  if (c === undefined) {
    c = normalizeIp(address) ?? address;
    // A bounded memo: a diff over thousands of destinations asks for the same few addresses again and again.
    if (canonical.size >= 65536) canonical.clear();
    canonical.set(address, c);
  }
  return c;
}

const canonical = new Map<string, string>();

/** A stable string for a service key: `tcp:198.51.100.10:80`, `tcp:[2001:db8::1]:80`, `fwmark4:1`. */
export function serviceKeyId(key: ServiceKey): string {
  if (key.fwmark !== undefined) return `fwmark${key.family}:${key.fwmark}`;
  const addr = canonicalAddress(key.address);
  return `${key.protocol}:${key.family === 6 ? `[${addr}]` : addr}:${key.port}`;
}

/** The human form used in events and status: `198.51.100.10:80/tcp` or `fwmark:1`. */
export function serviceKeyLabel(key: ServiceKey): string {
  if (key.fwmark !== undefined) return key.family === 6 ? `fwmark:${key.fwmark}/v6` : `fwmark:${key.fwmark}`;
  return `${hostPort(key.address, key.port)}/${key.protocol}`;
}

/** `198.51.100.1:80` or `[2001:db8::1]:80`. */
export function hostPort(address: string, port: number): string {
  return formatHostPort(canonicalAddress(address), port);
}

/** The identity of a destination inside its service. */
export function destinationId(d: Pick<DestinationConfig, 'address' | 'port'>): string {
  return hostPort(d.address, d.port);
}

/** Copies a key, keeping only the identifying fields (a Service read back carries more). */
export function pickKey(key: ServiceKey): ServiceKey {
  return key.fwmark !== undefined
    ? { family: key.family, fwmark: key.fwmark }
    : { family: key.family, protocol: key.protocol, address: key.address, port: key.port };
}

/** Persistence netmask as a prefix length; the kernel's default is the full length. */
export function netmaskPrefix(netmask: string | number | undefined, family: 4 | 6): number {
  const full = family === 6 ? 128 : 32;
  if (netmask === undefined) return full;
  if (typeof netmask === 'number') return netmask;
  if (/^\d+$/.test(netmask)) return Number(netmask);
  const parts = netmask.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return full;
  let bits = 0;
  for (const p of parts) bits += (p >>> 0).toString(2).split('').filter((c) => c === '1').length;
  return bits;
}

/**
 * The scheduler-flag bits as the kernel stores them: sh and mh share
 * IP_VS_SVC_F_SCHED1 (fallback) and IP_VS_SVC_F_SCHED2 (port).
 */
function flagBits(svc: ServiceConfig): { onePacket: boolean; sched1: boolean; sched2: boolean } {
  const f = svc.flags ?? {};
  return {
    onePacket: f.onePacket === true,
    sched1: f.shFallback === true || f.mhFallback === true,
    sched2: f.shPort === true || f.mhPort === true,
  };
}

/** The fields of a service that an edit can change, in comparable form. */
export function serviceSettings(svc: ServiceConfig): Record<string, string | number | boolean> {
  const persistence = svc.persistence ?? 0;
  return {
    scheduler: svc.scheduler,
    persistence,
    // The netmask only matters with persistence; the kernel reports its default otherwise.
    netmask: persistence > 0 ? netmaskPrefix(svc.netmask, svc.key.family) : -1,
    pe: persistence > 0 ? (svc.pe ?? '') : '',
    ...flagBits(svc),
  };
}

/** Names of the settings that differ between the desired and current service (empty when equal). */
export function serviceDiff(desired: ServiceConfig, current: ServiceConfig): string[] {
  const a = serviceSettings(desired);
  const b = serviceSettings(current);
  return Object.keys(a).filter((k) => a[k] !== b[k]);
}

/** The fields of a destination that an edit can change, in comparable form. */
export function destinationSettings(d: DestinationConfig): Record<string, string | number | boolean> {
  const tunnel = d.forwarding === 'tunnel';
  return {
    forwarding: d.forwarding,
    weight: d.weight,
    upperThreshold: d.upperThreshold ?? 0,
    lowerThreshold: d.lowerThreshold ?? 0,
    tunnelType: tunnel ? (d.tunnelType ?? 'ipip') : '',
    tunnelPort: tunnel ? (d.tunnelPort ?? 0) : 0,
    tunnelNoChecksum: tunnel ? d.tunnelNoChecksum === true : false,
    tunnelRemoteChecksum: tunnel ? d.tunnelRemoteChecksum === true : false,
  };
}

export function destinationDiff(desired: DestinationConfig, current: DestinationConfig): string[] {
  const a = destinationSettings(desired);
  const b = destinationSettings(current);
  return Object.keys(a).filter((k) => a[k] !== b[k]);
}
