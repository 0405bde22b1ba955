import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  adverIntToMs,
  decodeIpv4Vrrp,
  decodeIpv6Vrrp,
  decodeIpv6VrrpPacket,
  decodeVrrp,
  encodeIpv4VrrpPacket,
  encodeIpv6VrrpPacket,
  encodeVrrp,
  intervalMsToAdverInt,
  simplePasswordAuthData,
  vrrpMessageLength,
} from '../src/codec.js';
import type { VrrpAddressing } from '../src/codec.js';
import { VrrpCodecError } from '../src/codec-error.js';
import { internetChecksum } from '../src/checksum.js';
import { Ipv4IdCounter, decodeIpv4Header, decodeIpv6Header, encodeIpv4Header } from '../src/ip-header.js';
import { field, fields, loadVector, num, sections, toHex, vrrpVectorNames } from './vectors.js';

const names = vrrpVectorNames();

describe('codec: keepalived 2.2.7 known-answer vectors', () => {
  it('has all seven VRRP captures', () => {
    assert.deepEqual(names, [
      'vrrpv2-ipv4',
      'vrrpv2-ipv4-prio0',
      'vrrpv3-ipv4',
      'vrrpv3-ipv4-10cs',
      'vrrpv3-ipv4-prio0',
      'vrrpv3-ipv6',
      'vrrpv3-ipv6-prio0',
    ]);
  });

  for (const name of names) {
    it(`${name}: every field decodes as tshark decoded it`, () => {
      const v = loadVector(name);
      const { ip, vrrp } = sections(v.text);
      const v6 = name.includes('ipv6');
      const r = v6 ? decodeIpv6VrrpPacket(v.packet) : decodeIpv4Vrrp(v.packet);
      assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${r.detail}`);
      const { packet } = r;
      const m = packet.message;
      assert.equal(packet.family, v6 ? 6 : 4);
      assert.equal(packet.src, field(ip, 'Source Address'));
      assert.equal(packet.dst, field(ip, 'Destination Address'));
      assert.equal(packet.ttl, num(field(ip, v6 ? 'Hop Limit' : 'Time to Live')));
      const verType = /Version (\d), Packet type (\d)/.exec(vrrp);
      assert.ok(verType);
      assert.equal(m.version, Number(verType[1]));
      assert.equal(m.type, Number(verType[2]));
      assert.equal(m.vrid, num(field(vrrp, 'Virtual Rtr ID')));
      assert.equal(m.priority, num(field(vrrp, 'Priority')));
      assert.equal(m.addresses.length, num(field(vrrp, 'Addr Count')));
      assert.deepEqual(m.addresses, fields(vrrp, v6 ? 'IPv6 Address' : 'IP Address'));
      assert.equal(m.adverInt, num(field(vrrp, 'Adver Int')));
      assert.equal(m.advertIntervalMs, m.version === 2 ? m.adverInt * 1000 : m.adverInt * 10);
      assert.equal(m.checksum, num(field(vrrp, 'Checksum')));
      if (m.version === 2) {
        assert.equal(m.authType, num(/\((\d+)\)/.exec(field(vrrp, 'Auth Type'))?.[1] ?? 'x'));
        assert.equal(toHex(m.authData), '0000000000000000', 'keepalived sends 8 zero bytes of auth data');
        assert.equal(m.reserved, 0);
      } else {
        assert.equal(m.reserved, num(field(vrrp, 'Reserved')));
        assert.equal(m.authData.length, 0);
      }
      if (v6) {
        const h = decodeIpv6Header(v.packet);
        assert.ok(h.ok);
        assert.equal(h.header.trafficClass, num(field(ip, 'Traffic Class')));
        assert.equal(h.header.flowLabel, num(field(ip, 'Flow Label')));
        assert.equal(h.header.payloadLength, num(field(ip, 'Payload Length')));
      } else {
        const h = packet.ipv4;
        assert.ok(h);
        assert.equal(h.tos, num(field(ip, 'Differentiated Services Field')));
        assert.equal(h.totalLength, num(field(ip, 'Total Length')));
        assert.equal(h.id, num(field(ip, 'Identification')));
        assert.equal(h.dontFragment, false);
        assert.equal(h.protocol, 112);
        assert.equal(h.checksum, num(field(ip, 'Header Checksum')));
      }
    });

    it(`${name}: encoding the same fields gives the same bytes`, () => {
      const v = loadVector(name);
      const v6 = name.includes('ipv6');
      const r = v6 ? decodeIpv6VrrpPacket(v.packet) : decodeIpv4Vrrp(v.packet);
      assert.ok(r.ok);
      const { message: m, src, dst } = r.packet;
      const init = { version: m.version, vrid: m.vrid, priority: m.priority, adverInt: m.adverInt, addresses: m.addresses };
      if (v6) {
        // The flow label was chosen by the kernel; the VRRP message is ours, byte for byte.
        const h = decodeIpv6Header(v.packet);
        assert.ok(h.ok);
        assert.equal(toHex(encodeIpv6VrrpPacket({ src, dst, flowLabel: h.header.flowLabel }, init)), toHex(v.packet));
        assert.equal(toHex(encodeVrrp(init, { family: 6, src, dst })), toHex(v.packet.subarray(40)));
      } else {
        // Exact with the captured IP ID...
        assert.equal(toHex(encodeIpv4VrrpPacket({ src, dst, id: r.packet.ipv4?.id ?? -1 }, init)), toHex(v.packet));
        // ...and loosely with our own ID counter: equal except ID and header checksum, which must be valid.
        const ours = encodeIpv4VrrpPacket({ src, dst, id: new Ipv4IdCounter().next() }, init);
        assert.equal(ours.length, v.packet.length);
        const mask = (b: Uint8Array): string => toHex(Uint8Array.from(b, (x, i) => (i === 4 || i === 5 || i === 10 || i === 11 ? 0 : x)));
        assert.equal(mask(ours), mask(v.packet));
        assert.equal(internetChecksum(ours, 0, 20), 0);
        assert.equal(toHex(encodeVrrp(init, { family: 4, src, dst })), toHex(v.packet.subarray(20)));
      }
    });

    it(`${name}: the Ethernet frame carries the same packet`, () => {
      const v = loadVector(name);
      assert.equal(toHex(v.frame.subarray(14)), toHex(v.packet));
    });
  }

  it('v2 checksum covers the VRRP message only; v3 includes the pseudo-header', () => {
    const v2 = loadVector('vrrpv2-ipv4').packet.subarray(20);
    assert.equal(internetChecksum(v2), 0);
    const v3 = loadVector('vrrpv3-ipv4').packet.subarray(20);
    assert.notEqual(internetChecksum(v3), 0, 'v3 without the pseudo-header does not sum to zero');
    // The same v3 message from another source fails the check: the pseudo-header matters.
    const r = decodeVrrp(v3, { family: 4, src: '198.51.100.12', dst: '224.0.0.18' });
    assert.equal(r.ok ? 'ok' : r.reason, 'checksum');
    const ok = decodeVrrp(v3, { family: 4, src: '198.51.100.11', dst: '224.0.0.18' });
    assert.ok(ok.ok);
  });
});

describe('codec: round trips and edge cases', () => {
  it('v2 with a simple password and several addresses', () => {
    const authData = simplePasswordAuthData('s3cret');
    const init = { version: 2 as const, vrid: 7, priority: 200, adverInt: 3, addresses: ['10.0.0.1', '10.0.0.2', '198.51.100.255'], authType: 1, authData };
    const p = encodeIpv4VrrpPacket({ src: '10.0.0.5', dst: '224.0.0.18', id: 42 }, init);
    assert.equal(p.length, 20 + vrrpMessageLength(2, 4, 3));
    const r = decodeIpv4Vrrp(p);
    assert.ok(r.ok);
    assert.deepEqual(r.packet.message.addresses, init.addresses);
    assert.equal(r.packet.message.authType, 1);
    assert.equal(Buffer.from(r.packet.message.authData).toString('latin1'), 's3cret\0\0');
    assert.equal(r.packet.ipv4?.id, 42);
  });

  it('a password longer than 8 bytes is truncated as keepalived does', () => {
    assert.equal(Buffer.from(simplePasswordAuthData('0123456789')).toString(), '01234567');
  });

  it('v3 Max Adver Int uses 12 bits and keeps the reserved bits apart', () => {
    const init = { version: 3 as const, vrid: 1, priority: 1, adverInt: 4095, addresses: ['2001:db8::1'], reserved: 0xa };
    const msg = encodeVrrp(init, { family: 6, src: 'fe80::1', dst: 'ff02::12' });
    assert.equal(msg[4], 0xaf);
    assert.equal(msg[5], 0xff);
    const r = decodeIpv6Vrrp(msg, { src: 'fe80::1', dst: 'ff02::12', hopLimit: 255 });
    assert.ok(r.ok);
    assert.equal(r.packet.message.adverInt, 4095);
    assert.equal(r.packet.message.reserved, 0xa);
    assert.equal(r.packet.message.advertIntervalMs, 40950);
    assert.throws(() => encodeVrrp({ ...init, adverInt: 4096 }, { family: 6, src: 'fe80::1', dst: 'ff02::12' }), VrrpCodecError);
  });

  it('interval conversions round like keepalived', () => {
    assert.equal(intervalMsToAdverInt(2, 100), 1, 'v2 rounds 0.1 s up to 1 s');
    assert.equal(intervalMsToAdverInt(2, 2500), 3);
    assert.equal(intervalMsToAdverInt(3, 20), 2);
    assert.equal(intervalMsToAdverInt(3, 1000), 100);
    assert.equal(adverIntToMs(3, 2), 20);
    assert.equal(adverIntToMs(2, 2), 2000);
    assert.throws(() => intervalMsToAdverInt(3, 41000), (e: unknown) => (e as VrrpCodecError).code === 'HACORE_ERR_VRRP_ENCODE');
  });

  it('the encoder refuses what the wire cannot carry, with a coded error', () => {
    const a = { family: 4 as const, src: '10.0.0.1', dst: '224.0.0.18' };
    const base = { version: 2 as const, vrid: 1, priority: 100, adverInt: 1, addresses: ['10.0.0.9'] };
    for (const bad of [
      { ...base, vrid: 256 },
      { ...base, priority: -1 },
      { ...base, adverInt: 1.5 },
      { ...base, addresses: ['2001:db8::1'] },
      { ...base, authData: new Uint8Array(4) },
    ]) {
      assert.throws(() => encodeVrrp(bad, a), (e: unknown) => e instanceof VrrpCodecError && e.code === 'HACORE_ERR_VRRP_ENCODE');
    }
    assert.throws(() => encodeVrrp(base, { family: 6, src: 'fe80::1', dst: 'ff02::12' }), VrrpCodecError, 'v2 over IPv6');
    assert.throws(() => encodeVrrp({ ...base, version: 3 }, { family: 4, src: 'nope', dst: '224.0.0.18' }), VrrpCodecError);
  });

  it('zero addresses is a valid message (keepalived with only excluded VIPs)', () => {
    const msg = encodeVrrp({ version: 3, vrid: 9, priority: 100, adverInt: 100, addresses: [] }, { family: 4, src: '10.0.0.1', dst: '224.0.0.18' });
    assert.equal(msg.length, 8);
    const r = decodeVrrp(msg, { family: 4, src: '10.0.0.1', dst: '224.0.0.18' });
    assert.ok(r.ok);
    assert.deepEqual(r.message.addresses, []);
  });

  it('decoders report each structural problem with its reason', () => {
    const a4: VrrpAddressing = { family: 4, src: '10.0.0.1', dst: '224.0.0.18' };
    const good = encodeVrrp({ version: 3, vrid: 9, priority: 100, adverInt: 100, addresses: ['10.0.0.9'] }, a4);
    const reason = (b: Uint8Array, a = a4): string => {
      const r = decodeVrrp(b, a);
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason(good), 'ok');
    assert.equal(reason(good.subarray(0, 7)), 'short');
    assert.equal(reason(Uint8Array.from(good, (x, i) => (i === 0 ? 0x41 : x))), 'version');
    assert.equal(reason(Uint8Array.from(good, (x, i) => (i === 0 ? 0x32 : x))), 'type');
    assert.equal(reason(Uint8Array.from(good, (x, i) => (i === 3 ? 2 : x))), 'addrCount');
    assert.equal(reason(good.subarray(0, 11)), 'addrCount');
    assert.equal(reason(Uint8Array.from([...good, 0])), 'addrCount');
    assert.equal(reason(Uint8Array.from(good, (x, i) => (i === 2 ? 101 : x))), 'checksum');
    const v2 = encodeVrrp({ version: 2, vrid: 9, priority: 100, adverInt: 1, addresses: ['10.0.0.9'] }, a4);
    assert.equal(reason(v2, { family: 6, src: 'fe80::1', dst: 'ff02::12' }), 'family');
  });

  it('IPv4 header: problems are reported, options skipped, padding ignored', () => {
    const init = { version: 3 as const, vrid: 9, priority: 100, adverInt: 100, addresses: ['10.0.0.9'] };
    const p = encodeIpv4VrrpPacket({ src: '10.0.0.1', dst: '224.0.0.18', id: 1 }, init);
    const reason = (b: Uint8Array): string => {
      const r = decodeIpv4Vrrp(b);
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason(Uint8Array.from([...p, 0, 0, 0, 0, 0, 0])), 'ok', 'Ethernet padding past Total Length');
    assert.equal(reason(p.subarray(0, 19)), 'short');
    assert.equal(reason(p.subarray(0, 30)), 'length');
    const fix = (b: Uint8Array): Uint8Array => {
      b[10] = 0;
      b[11] = 0;
      const s = internetChecksum(b, 0, ((b[0] as number) & 0xf) * 4);
      b[10] = s >> 8;
      b[11] = s & 0xff;
      return b;
    };
    assert.equal(reason(Uint8Array.from(p, (x, i) => (i === 8 ? 1 : x))), 'ipHeader', 'TTL changed without fixing the header checksum');
    assert.equal(reason(fix(Uint8Array.from(p, (x, i) => (i === 9 ? 17 : x)))), 'protocol');
    assert.equal(reason(fix(Uint8Array.from(p, (x, i) => (i === 6 ? 0x20 : x)))), 'ipHeader', 'fragment');
    assert.equal(reason(fix(Uint8Array.from(p, (x, i) => (i === 0 ? 0x65 : x)))), 'ipHeader', 'version 6 in an IPv4 socket');
    const ttl1 = decodeIpv4Vrrp(fix(Uint8Array.from(p, (x, i) => (i === 8 ? 1 : x))));
    assert.ok(ttl1.ok, 'TTL is the validator\'s business, the codec reports it');
    assert.equal(ttl1.packet.ttl, 1);
    // A header with 4 bytes of options (e.g. router alert) before the VRRP message.
    const hdr = encodeIpv4Header({ src: '10.0.0.1', dst: '224.0.0.18', id: 3, payloadLength: p.length - 20 + 4 });
    const withOpts = new Uint8Array(p.length + 4);
    withOpts.set(hdr.subarray(0, 20), 0);
    withOpts[0] = 0x46;
    withOpts.set([0x94, 0x04, 0, 0], 20);
    withOpts.set(p.subarray(20), 24);
    const d = decodeIpv4Header(fix(withOpts));
    assert.ok(d.ok);
    assert.equal(d.header.headerLength, 24);
    assert.equal(reason(withOpts), 'ok');
  });

  it('the IPv4 ID counter starts at 1, increments and skips 0 on wrap', () => {
    const c = new Ipv4IdCounter();
    assert.deepEqual([c.next(), c.next(), c.next()], [1, 2, 3]);
    const w = new Ipv4IdCounter(0xfffe);
    assert.deepEqual([w.next(), w.next(), w.next()], [0xfffe, 0xffff, 1]);
  });

  it('an IPv6 payload is decoded with the hop limit the socket reported', () => {
    const v = loadVector('vrrpv3-ipv6');
    const r = decodeIpv6Vrrp(v.packet.subarray(40), { src: 'FE80::68:6CFF:FE61:620B%hlab-r1-e0', dst: 'ff02::12', hopLimit: 64 });
    assert.ok(r.ok);
    assert.equal(r.packet.ttl, 64);
    assert.equal(r.packet.src, 'fe80::68:6cff:fe61:620b', 'zone id dropped, canonical text');
  });
});
