import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HacoreConfig } from '@hacore/core';
import { haSuspendIssues, suspendedServices, vipCarriers } from '../src/ha-suspend.js';
import { compileVirtualServers } from '../src/virtual-server-spec.js';
import type { VirtualServerConfig } from '../src/config-schema.js';

const vs = (over: Partial<VirtualServerConfig>): VirtualServerConfig =>
  ({ name: 'web', protocol: 'tcp', realServers: [], haSuspend: true, ...over }) as VirtualServerConfig;

function config(virtualServers: VirtualServerConfig[], instances: object[]): HacoreConfig {
  return { vrrp: { instances }, virtualServers } as unknown as HacoreConfig;
}

const instances = [
  { name: 'VI_4', virtualAddresses: [{ address: '203.0.113.100', prefix: 24 }], virtualAddressesExcluded: [{ address: '2001:db8::100', prefix: 64 }] },
  { name: 'VI_B', virtualAddresses: ['203.0.113.101/24 dev eth1'] },
];

describe('haSuspend', () => {
  it('finds the instance carrying each address, parsed or raw, IPv6 in canonical form', () => {
    const c = vipCarriers(config([], instances));
    assert.equal(c.get('203.0.113.100'), 'VI_4');
    assert.equal(c.get('2001:db8::100'), 'VI_4');
    assert.equal(c.get('203.0.113.101'), 'VI_B');
    assert.equal(c.size, 3);
  });

  it('suspends a service until its instance is Master, and only haSuspend ones', () => {
    const list = [
      vs({ name: 'a', address: '203.0.113.100', port: 80 }),
      vs({ name: 'b', address: '2001:DB8:0::100', port: 443 }),
      vs({ name: 'c', address: '203.0.113.101', port: 80 }),
      vs({ name: 'plain', address: '203.0.113.100', port: 81, haSuspend: false }),
    ];
    const { specs, issues } = compileVirtualServers(list, {});
    assert.deepEqual(issues, []);
    const carriers = vipCarriers(config(list, instances));
    const none = suspendedServices(specs, carriers, new Map());
    assert.deepEqual([...none].sort(), ['tcp:203.0.113.100:80', 'tcp:203.0.113.101:80', 'tcp:[2001:db8::100]:443']);
    const vi4Master = suspendedServices(specs, carriers, new Map([['VI_4', 'MASTER'], ['VI_B', 'BACKUP']]));
    assert.deepEqual([...vi4Master], ['tcp:203.0.113.101:80']);
    const fault = suspendedServices(specs, carriers, new Map([['VI_4', 'FAULT'], ['VI_B', 'MASTER']]));
    assert.deepEqual([...fault].sort(), ['tcp:203.0.113.100:80', 'tcp:[2001:db8::100]:443']);
  });

  it('refuses a fwmark service and an address no instance carries, with the path', () => {
    const list = [vs({ name: 'fw', fwmark: 7 }), vs({ name: 'lost', address: '198.51.100.9', port: 80 }), vs({ name: 'ok', address: '203.0.113.100', port: 80 })];
    const cfg = config(list, instances);
    const issues = haSuspendIssues(cfg, compileVirtualServers(list, {}).specs);
    assert.deepEqual(
      issues.map((i) => [i.path, i.found]),
      [
        ['virtualServers[0].haSuspend', 'true'],
        ['virtualServers[1].haSuspend', '198.51.100.9'],
      ],
    );
    assert.match(issues[1]!.expected, /carried by a vrrp instance \(203\.0\.113\.100, 2001:db8::100, 203\.0\.113\.101\)/);
    assert.match(haSuspendIssues(config(list.slice(2), []), compileVirtualServers(list.slice(2), {}).specs)[0]!.expected, /is the @hacore\/vrrp plugin loaded/);
  });
});
