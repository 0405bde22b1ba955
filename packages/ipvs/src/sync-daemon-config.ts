import type { ConfigIssue, HacoreConfig } from '@hacore/core';
import type { IpvsOptionsConfig } from './config-schema.js';

/**
 * Cross-section check of `ipvs.syncDaemon.vrrpInstance`: it must name an
 * instance of the `vrrp` section (read generically: this package does not
 * depend on the vrrp plugin).
 */
export function syncDaemonIssues(config: HacoreConfig): ConfigIssue[] {
  const sd = (config as HacoreConfig & { ipvs?: IpvsOptionsConfig }).ipvs?.syncDaemon;
  if (!sd) return [];
  const instances = (config as HacoreConfig & { vrrp?: { instances?: { name?: unknown }[] } }).vrrp?.instances ?? [];
  const names = instances.map((i) => String(i.name));
  if (names.includes(sd.vrrpInstance)) return [];
  return [
    {
      path: 'ipvs.syncDaemon.vrrpInstance',
      expected: names.length > 0 ? `the name of a vrrp instance (${names.join(', ')})` : 'the name of a vrrp instance (the config has no vrrp instances: is the @hacore/vrrp plugin loaded?)',
      found: JSON.stringify(sd.vrrpInstance),
    },
  ];
}
