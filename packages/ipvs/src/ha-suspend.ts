import { isIP } from 'node:net';
import type { ConfigIssue, HacoreConfig } from '@hacore/core';
import type { VirtualServerConfig } from './config-schema.js';
import { canonicalAddress as canonical, serviceKeyId } from './reconcile-keys.js';
import type { VirtualServerSpec } from './virtual-server-spec.js';

interface VrrpInstanceShape {
  name?: unknown;
  virtualAddresses?: unknown[];
  virtualAddressesExcluded?: unknown[];
}

/**
 * Which VRRP instance carries each virtual address, read generically from the
 * `vrrp` section (this package does not depend on the vrrp plugin). Parsed
 * addresses are objects with `address`; a raw one is `198.51.100.10/24 dev x`.
 */
export function vipCarriers(config: HacoreConfig): Map<string, string> {
  const instances = (config as HacoreConfig & { vrrp?: { instances?: VrrpInstanceShape[] } }).vrrp?.instances ?? [];
  const carriers = new Map<string, string>();
  for (const inst of instances) {
    for (const a of [...(inst.virtualAddresses ?? []), ...(inst.virtualAddressesExcluded ?? [])]) {
      const text = typeof a === 'string' ? a.split(/[\s/]/)[0] : (a as { address?: unknown })?.address;
      if (typeof text === 'string' && isIP(text) !== 0 && !carriers.has(canonical(text))) carriers.set(canonical(text), String(inst.name));
    }
  }
  return carriers;
}

/**
 * `haSuspend` needs a virtual address that a VRRP instance carries: a fwmark
 * service has none, and an address no instance carries would never be programmed.
 */
export function haSuspendIssues(config: HacoreConfig, specs: readonly VirtualServerSpec[]): ConfigIssue[] {
  const list = (config as HacoreConfig & { virtualServers?: VirtualServerConfig[] }).virtualServers ?? [];
  const carriers = vipCarriers(config);
  const issues: ConfigIssue[] = [];
  list.forEach((v, i) => {
    if (!v.haSuspend) return;
    const spec = specs.find((s) => s.name === v.name);
    for (const svc of spec?.services ?? []) {
      const address = svc.key.address;
      if (address === undefined) {
        issues.push({ path: `virtualServers[${i}].haSuspend`, expected: 'a virtual server with addresses (a fwmark service has no address for a VRRP instance to carry)', found: 'true' });
        return;
      }
      if (!carriers.has(canonical(address))) {
        const known = [...carriers.keys()];
        issues.push({
          path: `virtualServers[${i}].haSuspend`,
          expected: `a virtual address carried by a vrrp instance (${known.length > 0 ? known.join(', ') : 'the config has no vrrp instance addresses: is the @hacore/vrrp plugin loaded?'})`,
          found: address,
        });
        return;
      }
    }
  });
  return issues;
}

/**
 * The services to leave out of the kernel's table now: those of `haSuspend`
 * virtual servers whose address's VRRP instance is not Master (keepalived's
 * ha_suspend: a backup director does not serve the VIP it does not hold).
 */
export function suspendedServices(specs: Iterable<VirtualServerSpec>, carriers: ReadonlyMap<string, string>, vrrpStates: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const spec of specs) {
    if (!spec.haSuspend) continue;
    for (const svc of spec.services) {
      const instance = svc.key.address !== undefined ? carriers.get(canonical(svc.key.address)) : undefined;
      if (instance === undefined || vrrpStates.get(instance) !== 'MASTER') out.add(serviceKeyId(svc.key));
    }
  }
  return out;
}
