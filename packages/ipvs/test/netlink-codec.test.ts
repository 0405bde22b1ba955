// The IPVS message codec without a kernel: attribute framing, addresses,
// services, destinations and daemons encoded then decoded (the kernel's own
// replies are tested in the VM: test/vm/suite/netlink-client.test.mjs).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AttrWriter, Attrs, NLA_F_NESTED } from '../src/genl-attrs.js';
import { decodeAddress, encodeAddress, normalizeAddress } from '../src/nf-inet-addr.js';
import {
  decodeDaemon, decodeDestination, decodeService, encodeDaemon, encodeDestination, encodeService, encodeServiceKey,
} from '../src/ipvs-codec.js';
import { CmdAttr, DestAttr, SvcAttr } from '../src/ipvs-attrs.js';
import { IpvsError } from '../src/errors.js';
import type { ServiceConfig, ServiceKey } from '../src/types.js';

describe('netlink attributes', () => {
  it('pads every attribute to 4 bytes and flags nested ones', () => {
    const b = new AttrWriter().u8(1, 7).string(2, 'wrr').nested(3, (w) => w.u32(1, 0xdeadbeef)).toBuffer();
    // u8: 4+1 -> 8; "wrr\0": 4+4 -> 8; nested: 4 + (4+4) -> 12
    assert.equal(b.length, 28);
    assert.equal(b.readUInt16LE(16 + 2), 3 | NLA_F_NESTED);
    const a = Attrs.parse(b);
    assert.equal(a.u8(1), 7);
    assert.equal(a.string(2), 'wrr');
    assert.equal(a.nested(3)?.u32(1), 0xdeadbeef);
    assert.equal(a.u32(9), undefined);
  });

  it('stops at a truncated attribute instead of reading past the buffer', () => {
    const b = new AttrWriter().u32(1, 5).u32(2, 6).toBuffer();
    const a = Attrs.parse(b.subarray(0, 10));
    assert.equal(a.u32(1), 5);
    assert.equal(a.has(2), false);
  });

  it('reads u64 counters, clamped to the largest safe integer', () => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(5_000_000_000_123n, 0);
    const big = Buffer.alloc(8);
    big.writeBigUInt64LE(2n ** 60n, 0);
    const a = Attrs.parse(new AttrWriter().bytes(1, b).bytes(2, big).toBuffer());
    assert.equal(a.u64(1), 5_000_000_000_123);
    assert.equal(a.u64(2), Number.MAX_SAFE_INTEGER);
  });

  it('writes ports in network order and u16 in host order', () => {
    const a = Attrs.parse(new AttrWriter().u16be(1, 0x1234).u16(2, 0x1234).toBuffer());
    assert.deepEqual([...a.raw(1)!], [0x12, 0x34]);
    assert.equal(a.u16be(1), 0x1234);
    assert.equal(a.u16(2), 0x1234);
  });
});

describe('addresses', () => {
  it('round-trips IPv4 and IPv6 through the 16-byte kernel form', () => {
    assert.equal(decodeAddress(encodeAddress('198.51.100.7', 4), 4), '198.51.100.7');
    const cases: [string, string][] = [
      ['2001:db8::1', '2001:db8::1'],
      ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
      ['2001:db8:1:1:1:1:1:0', '2001:db8:1:1:1:1:1:0'],
      ['2001:0:0:1:0:0:0:0', '2001:0:0:1::'],
      ['::', '::'],
      ['::1', '::1'],
      ['::ffff:198.51.100.1', '::ffff:198.51.100.1'],
      ['2001:db8::203.0.113.1', '2001:db8::cb00:7101'],
    ];
    for (const [given, canonical] of cases) {
      assert.equal(normalizeAddress(given), canonical, given);
    }
  });

  it('refuses a wrong family or a non-address with HACORE_ERR_IPVS_INPUT', () => {
    assert.throws(() => encodeAddress('2001:db8::1', 4), { code: 'HACORE_ERR_IPVS_INPUT' });
    assert.throws(() => encodeAddress('www.example', 6), { code: 'HACORE_ERR_IPVS_INPUT' });
  });
});

/** Decodes what we encode: the kernel echoes the same attributes in its dumps. */
function roundTripService(svc: ServiceConfig) {
  return decodeService(encodeService(svc));
}

describe('services', () => {
  const key: ServiceKey = { family: 4, protocol: 'udp', address: '198.51.100.10', port: 53 };

  it('encodes every field the kernel needs for a full service', () => {
    const a = Attrs.parse(encodeService({ key, scheduler: 'wlc' })).nested(CmdAttr.SERVICE)!;
    for (const t of [SvcAttr.AF, SvcAttr.PROTOCOL, SvcAttr.ADDR, SvcAttr.PORT, SvcAttr.SCHED_NAME, SvcAttr.FLAGS, SvcAttr.TIMEOUT, SvcAttr.NETMASK]) {
      assert.ok(a.has(t), `attribute ${t}`);
    }
    assert.equal(a.u16be(SvcAttr.PORT), 53);
    assert.deepEqual([...a.raw(SvcAttr.NETMASK)!], [255, 255, 255, 255]);
  });

  it('round-trips persistence, netmask and flags, leaving defaults out', () => {
    assert.deepEqual(roundTripService({ key, scheduler: 'rr' }), { key, scheduler: 'rr', flags: {}, flagBits: 0 });
    const s = roundTripService({ key, scheduler: 'sh', persistence: 300, netmask: 24, flags: { onePacket: true, shFallback: true, shPort: true } });
    assert.deepEqual(s?.flags, { persistent: true, onePacket: true, shFallback: true, shPort: true });
    assert.equal(s?.persistence, 300);
    assert.equal(s?.netmask, '255.255.255.0');
    // -p without a value: ipvsadm's 360 s
    assert.equal(roundTripService({ key, scheduler: 'rr', flags: { persistent: true } })?.persistence, 360);
    const mh = roundTripService({ key, scheduler: 'mh', flags: { mhPort: true } });
    assert.deepEqual(mh?.flags, { mhPort: true });
  });

  it('round-trips IPv6 and firewall-mark keys', () => {
    const v6 = roundTripService({ key: { family: 6, protocol: 'tcp', address: '2001:DB8::0:1', port: 443 }, scheduler: 'rr', persistence: 10, netmask: 64 });
    assert.deepEqual(v6?.key, { family: 6, protocol: 'tcp', address: '2001:db8::1', port: 443 });
    assert.equal(v6?.netmask, 64);
    const fw = roundTripService({ key: { family: 6, fwmark: 42 }, scheduler: 'lc' });
    assert.deepEqual(fw?.key, { family: 6, fwmark: 42 });
    // a key alone has no scheduler and no flags
    const k = Attrs.parse(encodeServiceKey({ family: 4, fwmark: 1 })).nested(CmdAttr.SERVICE)!;
    assert.equal(k.has(SvcAttr.SCHED_NAME), false);
    assert.equal(k.u32(SvcAttr.FWMARK), 1);
  });

  it('refuses bad input before the kernel', () => {
    assert.throws(() => encodeService({ key, scheduler: '' }), { code: 'HACORE_ERR_IPVS_INPUT' });
    assert.throws(() => encodeService({ key, scheduler: 'a-scheduler-name-too-long' }), { code: 'HACORE_ERR_IPVS_INPUT' });
    assert.throws(() => encodeService({ key: { ...key, port: 65536 }, scheduler: 'rr' }), { code: 'HACORE_ERR_IPVS_INPUT' });
    assert.throws(() => encodeService({ key: { family: 6, protocol: 'tcp', address: '2001:db8::1', port: 1 }, scheduler: 'rr', persistence: 1, netmask: 129 }), {
      code: 'HACORE_ERR_IPVS_INPUT',
    });
  });
});

describe('destinations', () => {
  const key: ServiceKey = { family: 4, protocol: 'tcp', address: '198.51.100.10', port: 80 };
  const rt = (d: Parameters<typeof encodeDestination>[1]) => decodeDestination(encodeDestination(key, d), 4);

  it('round-trips masq/droute with weights and thresholds (zero thresholds left out)', () => {
    assert.deepEqual(rt({ address: '203.0.113.5', port: 8080, forwarding: 'masq', weight: 0 }), {
      address: '203.0.113.5', port: 8080, family: 4, forwarding: 'masq', weight: 0,
      activeConnections: 0, inactiveConnections: 0, persistentConnections: 0,
    });
    const d = rt({ address: '203.0.113.5', port: 80, forwarding: 'droute', weight: 7, upperThreshold: 100, lowerThreshold: 10 });
    assert.deepEqual([d?.forwarding, d?.weight, d?.upperThreshold, d?.lowerThreshold], ['droute', 7, 100, 10]);
  });

  it('round-trips tunnels: type, port and checksum mode, and an IPv6 real server of an IPv4 service', () => {
    const gue = rt({ address: '203.0.113.8', port: 443, forwarding: 'tunnel', weight: 1, tunnelType: 'gue', tunnelPort: 6080, tunnelNoChecksum: true });
    assert.deepEqual([gue?.tunnelType, gue?.tunnelPort, gue?.tunnelNoChecksum], ['gue', 6080, true]);
    const gre = rt({ address: '203.0.113.9', port: 443, forwarding: 'tunnel', weight: 1, tunnelType: 'gre', tunnelRemoteChecksum: true });
    assert.deepEqual([gre?.tunnelType, gre?.tunnelRemoteChecksum, gre?.tunnelNoChecksum], ['gre', true, false]);
    const ipip = rt({ address: '2001:db8::10', port: 443, forwarding: 'tunnel', weight: 5 });
    assert.deepEqual([ipip?.family, ipip?.address, ipip?.tunnelType, ipip?.tunnelPort], [6, '2001:db8::10', 'ipip', undefined]);
    const a = Attrs.parse(encodeDestination(key, { address: '2001:db8::10', port: 443, forwarding: 'tunnel', weight: 5 })).nested(CmdAttr.DEST)!;
    assert.equal(a.u16(DestAttr.ADDR_FAMILY), 10);
  });

  it('refuses a gue tunnel without a port and a negative weight', () => {
    assert.throws(() => encodeDestination(key, { address: '203.0.113.8', port: 1, forwarding: 'tunnel', weight: 1, tunnelType: 'gue' }), {
      code: 'HACORE_ERR_IPVS_INPUT',
    });
    assert.throws(() => encodeDestination(key, { address: '203.0.113.8', port: 1, forwarding: 'masq', weight: -1 }), { code: 'HACORE_ERR_IPVS_INPUT' });
  });
});

describe('sync daemons and errors', () => {
  it('round-trips a backup daemon with its multicast options', () => {
    const cfg = { state: 'backup' as const, interface: 'eth0', syncId: 9, maxLength: 1400, multicastGroup: '239.1.2.3', multicastPort: 9000, multicastTtl: 2 };
    assert.deepEqual(decodeDaemon(encodeDaemon(cfg)), cfg);
    const v6 = decodeDaemon(encodeDaemon({ state: 'master', interface: 'eth1', syncId: 1, multicastGroup: 'ff02::1:2' }));
    assert.equal(v6?.multicastGroup, 'ff02::1:2');
  });

  it('IpvsError carries code, op and the errno name', () => {
    const e = new IpvsError('addService', 17, 'tcp 198.51.100.10:80');
    assert.equal(e.code, 'HACORE_ERR_IPVS');
    assert.equal(e.errno, 'EEXIST');
    assert.equal(e.errnoNumber, 17);
    assert.equal(e.op, 'addService');
    assert.match(e.message, /addService tcp 198\.51\.100\.10:80 failed: EEXIST/);
  });
});

describe('replies with a short address attribute (found by the netlink fuzzer)', () => {
  const svc = (addr: Buffer, af = 2): Buffer =>
    new AttrWriter().nested(CmdAttr.SERVICE, (w) => w.u16(SvcAttr.AF, af).u16(SvcAttr.PROTOCOL, 6).bytes(SvcAttr.ADDR, addr).u16be(SvcAttr.PORT, 80).string(SvcAttr.SCHED_NAME, 'rr')).toBuffer();
  const dest = (addr: Buffer): Buffer => new AttrWriter().nested(CmdAttr.DEST, (w) => w.bytes(DestAttr.ADDR, addr).u16be(DestAttr.PORT, 80)).toBuffer();

  it('a service or destination whose address has too few octets is not decoded (no "198.51.undefined.undefined")', () => {
    assert.equal(decodeService(svc(Buffer.from([198, 51]))), undefined);
    assert.equal(decodeService(svc(Buffer.alloc(4), 10)), undefined, 'IPv6 needs 16 octets');
    assert.equal(decodeDestination(dest(Buffer.from([203, 0, 113])), 4), undefined);
    assert.equal(decodeService(svc(Buffer.from([198, 51, 100, 10])))?.key.address, '198.51.100.10');
    assert.equal(decodeDestination(dest(Buffer.concat([Buffer.from([203, 0, 113, 5]), Buffer.alloc(12)])), 4)?.address, '203.0.113.5');
  });
});
