// The ipvsadm text forms, on fixed tables (the same forms are compared with
// the real ipvsadm in the VM: test/vm/suite/netlink-client.test.mjs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDaemons, formatList, formatTimeouts, largeNumber, type ListedService } from '../src/ipvsadm-format.js';
import { parseListArgs } from '../src/cli-list.js';

const info = { version: '1.2.1', connectionTableSize: 4096 };
const zero = { connections: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0, cps: 0, inPps: 0, outPps: 0, inBps: 0, outBps: 0 };

const table: ListedService[] = [
  {
    key: { family: 4, fwmark: 7 }, scheduler: 'rr', persistence: 360, flags: { persistent: true }, stats: zero,
    destinations: [{ address: '203.0.113.11', port: 0, family: 4, forwarding: 'droute', weight: 1 }],
  },
  {
    key: { family: 4, protocol: 'udp', address: '198.51.100.11', port: 53 }, scheduler: 'wlc', persistence: 120, netmask: '255.255.255.0',
    flags: { persistent: true, onePacket: true }, stats: { ...zero, connections: 123456789, inBytes: 5_000_000_000 }, destinations: [],
  },
  {
    key: { family: 4, protocol: 'tcp', address: '198.51.100.10', port: 80 }, scheduler: 'wrr', stats: zero,
    destinations: [
      { address: '203.0.113.6', port: 8080, family: 4, forwarding: 'masq', weight: 0, upperThreshold: 100, lowerThreshold: 10 },
      { address: '203.0.113.5', port: 8080, family: 4, forwarding: 'masq', weight: 3, activeConnections: 2 },
      { address: '2001:db8::10', port: 443, family: 6, forwarding: 'tunnel', weight: 5, tunnelType: 'gue', tunnelPort: 6080, tunnelNoChecksum: true },
    ],
  },
];

describe('ipvsadm -Ln form', () => {
  it('sorts services and destinations as ipvsadm does and pads every column', () => {
    assert.equal(
      formatList(info, table),
      [
        'IP Virtual Server version 1.2.1 (size=4096)',
        'Prot LocalAddress:Port Scheduler Flags',
        '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
        'TCP  198.51.100.10:80 wrr',
        '  -> 203.0.113.5:8080             Masq    3      2          0         ',
        '  -> 203.0.113.6:8080             Masq    0      0          0         ',
        '  -> [2001:db8::10]:443           Tunnel  5      0          0         ',
        'UDP  198.51.100.11:53 wlc persistent 120 mask 255.255.255.0 ops',
        'FWM  7 rr persistent 360',
        '  -> 203.0.113.11:0               Route   1      0          0         ',
        '',
      ].join('\n'),
    );
  });

  it('--stats uses K/M/G units unless --exact', () => {
    const out = formatList(info, table, { view: 'stats' }).split('\n');
    assert.equal(out[1], 'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes');
    // 123456789 < 1e9: thousands; 5e9 < 1e11: millions; each field 9 wide after a 33-wide name
    assert.equal(out.find((l) => l.startsWith('UDP')), `${'UDP  198.51.100.11:53'.padEnd(33)}  123456K        0        0    5000M        0`);
    assert.equal(largeNumber(123456789, true), '123456789'.padStart(10));
    assert.equal(largeNumber(99_999_999, false), ' 99999999');
    assert.equal(largeNumber(2e14, false), '     200T');
  });

  it('--thresholds and --tun-info columns', () => {
    const th = formatList(info, table, { view: 'thresholds' }).split('\n');
    assert.ok(th.includes('  -> 203.0.113.6:8080             100        10         0          0         '));
    const tun = formatList(info, table, { view: 'tun-info' }).split('\n');
    assert.ok(tun.includes('  -> [2001:db8::10]:443           Tunnel  gue:6080:-c   5      0          0         '));
    assert.ok(tun.includes('  -> 203.0.113.5:8080             Masq    n/a           3      2          0         '));
  });

  it('timeouts, daemons and the list options', () => {
    assert.equal(formatTimeouts({ tcp: 900, tcpFin: 120, udp: 300 }), 'Timeout (tcp tcpfin udp): 900 120 300\n');
    assert.equal(
      formatDaemons([{ state: 'master', interface: 'eth0', syncId: 5, maxLength: 1472, multicastGroup: '224.0.0.81', multicastPort: 8848, multicastTtl: 1 }]),
      'master sync daemon (mcast=eth0, syncid=5, maxlen=1472, group=224.0.0.81, port=8848, ttl=1)\n',
    );
    assert.deepEqual(parseListArgs(['-n', '--stats', '--exact']), { json: false, view: 'stats', exact: true, timeout: false, daemon: false, connections: false });
    assert.equal(parseListArgs(['-c']).connections, true);
    assert.equal(parseListArgs(['--connection', '--persistent-conn']).view, 'persistent-conn');
    assert.throws(() => parseListArgs(['--stats', '--rate']), { code: 'HACORE_ERR_USAGE' });
    assert.throws(() => parseListArgs(['--what']), { code: 'HACORE_ERR_USAGE' });
    assert.deepEqual(parseListArgs(['-t', '198.51.100.1:80']).service, { family: 4, protocol: 'tcp', address: '198.51.100.1', port: 80 });
    assert.deepEqual(parseListArgs(['-u', '[2001:db8::1]:53']).service, { family: 6, protocol: 'udp', address: '2001:db8::1', port: 53 });
    assert.deepEqual(parseListArgs(['-f', '7', '-6']).service, { family: 6, fwmark: 7 });
    assert.throws(() => parseListArgs(['-t', '2001:db8::1:80']), { code: 'HACORE_ERR_USAGE' });
    assert.throws(() => parseListArgs(['-t']), { code: 'HACORE_ERR_USAGE' });
  });
});
