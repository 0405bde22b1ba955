import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  gratuitousArp,
  gratuitousArpFrame,
  unsolicitedNeighborAdvert,
  unsolicitedNeighborAdvertFrame,
  unsolicitedNeighborAdvertPacket,
} from '../src/announce-frames.js';
import { checksumWithPseudoHeader, IPPROTO_ICMPV6 } from '../src/checksum.js';
import { VrrpCodecError } from '../src/codec-error.js';
import { parseIpv6 } from '@hacore/core/ip-address';
import { decodeIpv6Header } from '../src/ip-header.js';
import { formatMac, multicastMac, parseMac, vrrpVirtualMac } from '../src/mac.js';
import { field, loadVector, num, toHex } from './vectors.js';

// The MAC and VIPs of the capture, read from tshark's decode rather than typed in.
const garp = loadVector('garp-ipv4');
const una = loadVector('una-ipv6');
const MAC = field(garp.text, 'Sender MAC address').split(' ')[0] as string;
const VIP4 = field(garp.text, 'Sender IP address');
const VIP6 = field(una.text, 'Target Address');

describe('announce frames: byte-equal to keepalived 2.2.7', () => {
  it('gratuitous ARP: payload and whole frame', () => {
    assert.equal(MAC, '02:68:6c:61:62:0b');
    assert.equal(VIP4, field(garp.text, 'Target IP address'), 'sender = target = VIP');
    assert.equal(toHex(gratuitousArp(VIP4, MAC)), toHex(garp.packet));
    assert.equal(toHex(gratuitousArpFrame(VIP4, MAC)), toHex(garp.frame));
  });

  it('unsolicited NA: ICMPv6 message, IPv6 packet and whole frame', () => {
    assert.equal(VIP6, field(una.text, 'Source Address'));
    assert.equal(toHex(unsolicitedNeighborAdvert(VIP6, MAC)), toHex(una.packet.subarray(40)));
    assert.equal(toHex(unsolicitedNeighborAdvertPacket(VIP6, MAC)), toHex(una.packet));
    assert.equal(toHex(unsolicitedNeighborAdvertFrame(VIP6, MAC)), toHex(una.frame));
    assert.equal((unsolicitedNeighborAdvert(VIP6, MAC)[2] as number) * 256 + (unsolicitedNeighborAdvert(VIP6, MAC)[3] as number), num(field(una.text, 'Checksum')));
  });

  it('other VIPs and MACs: correct checksum, flags Override only, option 2 carries the MAC', () => {
    for (const [vip, mac] of [
      ['2001:db8:1:2::ffff', 'aa:bb:cc:dd:ee:ff'],
      ['fd00::1', '00:00:5e:00:02:01'],
    ] as const) {
      const na = unsolicitedNeighborAdvert(vip, mac);
      assert.equal(checksumWithPseudoHeader(parseIpv6(vip) as Uint8Array, parseIpv6('ff02::1') as Uint8Array, IPPROTO_ICMPV6, na), 0);
      assert.equal(na[0], 136);
      assert.equal(na[4], 0x20);
      assert.equal(toHex(na.subarray(8, 24)), toHex(parseIpv6(vip) as Uint8Array));
      assert.equal(formatMac(na, 26), mac);
      const h = decodeIpv6Header(unsolicitedNeighborAdvertPacket(vip, mac));
      assert.ok(h.ok);
      assert.equal(h.header.hopLimit, 255);
      assert.equal(h.header.nextHeader, 58);
    }
    const g = gratuitousArpFrame('10.1.2.3', 'aa:bb:cc:dd:ee:ff');
    assert.equal(g.length, 42);
    assert.equal(formatMac(g, 22), 'aa:bb:cc:dd:ee:ff');
  });

  it('refuses bad input with a coded error', () => {
    assert.throws(() => gratuitousArp('2001:db8::1', MAC), VrrpCodecError);
    assert.throws(() => unsolicitedNeighborAdvert('10.0.0.1', MAC), VrrpCodecError);
    assert.throws(() => gratuitousArp('10.0.0.1', '02:68:6c:61:62'), (e: unknown) => (e as VrrpCodecError).code === 'HACORE_ERR_VRRP_ENCODE');
  });
});

describe('MAC helpers', () => {
  it('virtual router MACs (RFC 5798 7.3) and multicast MACs', () => {
    assert.equal(vrrpVirtualMac(51, 4), '00:00:5e:00:01:33');
    assert.equal(vrrpVirtualMac(1, 6), '00:00:5e:00:02:01');
    assert.throws(() => vrrpVirtualMac(0, 4), VrrpCodecError);
    // The destination MACs of the captured adverts.
    assert.equal(multicastMac(Uint8Array.of(224, 0, 0, 18)), formatMac(loadVector('vrrpv2-ipv4').frame, 0));
    assert.equal(multicastMac(parseIpv6('ff02::12') as Uint8Array), formatMac(loadVector('vrrpv3-ipv6').frame, 0));
    assert.equal(parseMac('zz:00:00:00:00:00'), undefined);
    assert.equal(formatMac(parseMac('AA-BB-CC-DD-EE-FF') as Uint8Array), 'aa:bb:cc:dd:ee:ff');
  });
});
