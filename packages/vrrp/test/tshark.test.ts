/**
 * Wireshark's VRRP, ARP and ICMPv6 dissectors as an independent judge: frames built
 * by the codec are written to a pcap and tshark must decode every one with the
 * expected fields, a good checksum and no malformed-packet flag. Skipped only when
 * tshark is not installed (CI installs it).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ethernetFrame, gratuitousArpFrame, unsolicitedNeighborAdvertFrame } from '../src/announce-frames.js';
import { encodeIpv4VrrpPacket, encodeIpv6VrrpPacket, simplePasswordAuthData } from '../src/codec.js';
import type { VrrpMessageInit } from '../src/codec.js';
import { Ipv4IdCounter } from '../src/ip-header.js';
import { multicastMac } from '../src/mac.js';
import { parseIpv4, parseIpv6 } from '@hacore/core/ip-address';

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const MAC = '02:68:6c:61:62:0c';

function pcap(frames: Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(65535, 16);
  g.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  parts.push(g);
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_700_000_000 + i, 0);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    parts.push(h, Buffer.from(f));
  });
  return Buffer.concat(parts);
}

interface Case {
  frame: Uint8Array;
  /** Substrings tshark's -V text for this frame must contain. */
  expect: string[];
}

function v4(init: VrrpMessageInit, ids: Ipv4IdCounter, src = '198.51.100.12', dst = '224.0.0.18'): Uint8Array {
  return ethernetFrame(multicastMac(parseIpv4(dst) as Uint8Array), MAC, ETHERTYPE_IPV4, encodeIpv4VrrpPacket({ src, dst, id: ids.next() }, init));
}

function v6(init: VrrpMessageInit, src = 'fe80::68:6cff:fe61:620c', dst = 'ff02::12'): Uint8Array {
  return ethernetFrame(multicastMac(parseIpv6(dst) as Uint8Array), MAC, ETHERTYPE_IPV6, encodeIpv6VrrpPacket({ src, dst }, init));
}

describe('tshark decodes what hacore sends', { skip: hasTshark ? false : 'tshark not installed' }, () => {
  it('VRRPv2/v3 adverts over IPv4 and IPv6, GARP and NA: good checksums, nothing malformed', () => {
    const ids = new Ipv4IdCounter();
    const cases: Case[] = [
      { frame: v4({ version: 2, vrid: 51, priority: 100, adverInt: 1, addresses: ['198.51.100.200'] }, ids), expect: ['Version 2, Packet type 1', 'Virtual Rtr ID: 51', 'Priority: 100', 'Adver Int: 1', 'Time to Live: 255', 'Differentiated Services Field: 0xc0'] },
      {
        frame: v4({ version: 2, vrid: 7, priority: 254, adverInt: 3, addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], authType: 1, authData: simplePasswordAuthData('s3cret') }, ids),
        expect: ['Addr Count: 3', 'Auth Type: Simple Text Authentication', 'Authentication String: s3cret', 'IP Address: 10.0.0.3'],
      },
      { frame: v4({ version: 2, vrid: 51, priority: 0, adverInt: 1, addresses: ['198.51.100.200'] }, ids), expect: ['Priority: 0'] },
      { frame: v4({ version: 3, vrid: 51, priority: 150, adverInt: 2, addresses: ['198.51.100.200'] }, ids), expect: ['Version 3, Packet type 1', 'Adver Int: 2'] },
      { frame: v4({ version: 3, vrid: 200, priority: 255, adverInt: 4095, addresses: ['203.0.113.1', '203.0.113.2'] }, ids, '203.0.113.9', '203.0.113.10'), expect: ['Adver Int: 4095', 'Priority: 255', 'Destination Address: 203.0.113.10'] },
      { frame: v6({ version: 3, vrid: 51, priority: 150, adverInt: 100, addresses: ['2001:db8::200'] }), expect: ['IPv6 Address: 2001:db8::200', 'Hop Limit: 255', 'Traffic Class: 0xc0'] },
      { frame: v6({ version: 3, vrid: 9, priority: 0, adverInt: 10, addresses: ['2001:db8::1', 'fd00::abcd'] }), expect: ['IPv6 Address: fd00::abcd', 'Priority: 0'] },
      { frame: gratuitousArpFrame('198.51.100.200', MAC), expect: ['Is gratuitous: True', 'Sender IP address: 198.51.100.200', 'Target IP address: 198.51.100.200', 'Opcode: request (1)'] },
      { frame: unsolicitedNeighborAdvertFrame('2001:db8::200', MAC), expect: ['Neighbor Advertisement (136)', 'Checksum Status: Good', 'Override: Set', 'Solicited: Not set', 'Target link-layer address'] },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'hacore-vrrp-tshark-'));
    try {
      const file = join(dir, 'hacore.pcap');
      writeFileSync(file, pcap(cases.map((c) => c.frame)));
      const out = execFileSync('tshark', ['-n', '-r', file, '-V', '-o', 'ip.check_checksum:TRUE'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const perFrame = out.split(/^Frame \d+:/m).slice(1);
      assert.equal(perFrame.length, cases.length);
      perFrame.forEach((text, i) => {
        const c = cases[i] as Case;
        assert.doesNotMatch(text, /Malformed|Bad|incorrect|Expert Info \(Error/i, `frame ${i + 1}`);
        if (text.includes('Virtual Router Redundancy Protocol')) {
          assert.match(text, /\[Checksum Status: Good\]/, `frame ${i + 1} VRRP checksum`);
          if (text.includes('Internet Protocol Version 4')) assert.match(text, /\[Header checksum status: Good\]/, `frame ${i + 1} IPv4 header checksum`);
        }
        for (const e of c.expect) assert.ok(text.includes(e), `frame ${i + 1}: "${e}" not in tshark's decode:\n${text}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
