import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AdvertPackets } from '../src/advert-packets.js';
import { encodeIpv4VrrpPacket, encodeVrrp, type VrrpMessageInit } from '../src/codec.js';

const init = (priority: number): VrrpMessageInit => ({ version: 3, vrid: 51, priority, adverInt: 100, addresses: ['198.51.100.200', '198.51.100.201'] });

describe('AdvertPackets: cached adverts equal freshly encoded ones', () => {
  it('IPv4: any sequence of priorities, destinations and IDs gives the bytes encodeIpv4VrrpPacket gives', () => {
    const cache = new AdvertPackets(4, init);
    fc.assert(
      fc.property(fc.constantFrom(0, 100, 255), fc.constantFrom('224.0.0.18', '198.51.100.12'), fc.integer({ min: 0, max: 0xffff }), (p, dst, id) => {
        const got = Uint8Array.from(cache.packet(p, '198.51.100.11', dst, id));
        assert.deepEqual(got, encodeIpv4VrrpPacket({ src: '198.51.100.11', dst, id }, init(p)));
      }),
      { numRuns: 500 },
    );
  });

  it('IPv6: the message for the source and destination', () => {
    const i6 = (p: number): VrrpMessageInit => ({ ...init(p), addresses: ['2001:db8::200'] });
    const cache = new AdvertPackets(6, i6);
    for (const p of [100, 0, 100]) assert.deepEqual(cache.packet(p, 'fe80::1', 'ff02::12', 0), encodeVrrp(i6(p), { family: 6, src: 'fe80::1', dst: 'ff02::12' }));
  });
});
