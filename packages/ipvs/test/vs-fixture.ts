import assert from 'node:assert/strict';
import type { VirtualServerConfig } from '../src/config-schema.js';
import { compileVirtualServers, type VirtualServerSpec } from '../src/virtual-server-spec.js';

/** A virtual server config as the schema would leave it, with one check per real server named `c<n>`. */
export function config(over: Partial<VirtualServerConfig> = {}, n = 3, weight = 1): VirtualServerConfig {
  return {
    name: 'web',
    address: '198.51.100.10',
    port: 80,
    protocol: 'tcp',
    scheduler: 'wrr',
    forwarding: 'masq',
    onePacket: false,
    schedulerFlags: [],
    quorum: 1,
    hysteresis: 0,
    alpha: false,
    omega: false,
    inhibitOnFailure: false,
    sorryServerInhibit: false,
    realServers: Array.from({ length: n }, (_, i) => ({
      address: `198.51.100.${21 + i}`,
      port: 80,
      weight,
      checks: [{ name: `c${i + 1}` } as never],
    })),
    ...over,
  } as VirtualServerConfig;
}

export function spec(over: Partial<VirtualServerConfig> = {}, n = 3, weight = 1): VirtualServerSpec {
  const r = compileVirtualServers([config(over, n, weight)], {});
  assert.deepEqual(r.issues, []);
  return r.specs[0]!;
}

