import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ipBytes } from '@hacore/core/ip-address';
import { internetChecksum } from '../src/checksum.js';
import { decodeIcmp, encodeEchoRequest, encodeIpv4Header } from '../src/codec.js';
import { makePayload } from '../src/payload.js';

test('property: an echo request answered by a peer decodes to its id, seq and payload (IPv4)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 16, max: 1400 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), (id, seq, size, cookie) => {
      const payload = makePayload(cookie, (id << 16) | seq, size);
      const req = encodeEchoRequest(4, id, seq, payload);
      assert.equal(internetChecksum(req), 0);
      const reply = Buffer.from(req);
      reply[0] = 0;
      reply.writeUInt16BE(0, 2);
      reply.writeUInt16BE(internetChecksum(reply), 2);
      const pkt = Buffer.concat([encodeIpv4Header(ipBytes('198.51.100.2'), ipBytes('198.51.100.1'), reply.length), reply]);
      const d = decodeIcmp(4, pkt);
      assert.equal(d.kind, 'echo-reply');
      if (d.kind !== 'echo-reply') return;
      assert.deepEqual([d.id, d.seq], [id, seq]);
      assert.deepEqual(d.payload, payload);
    }),
    { numRuns: 300 },
  );
});

test('property: any single flipped bit of an IPv4 reply is caught (ignored or still the same reply)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }), fc.nat(), (id, seq, bitSeed) => {
      const payload = makePayload(Buffer.alloc(8, 7), 1, 32);
      const reply = encodeEchoRequest(4, id, seq, payload);
      reply[0] = 0;
      reply.writeUInt16BE(0, 2);
      reply.writeUInt16BE(internetChecksum(reply), 2);
      const bit = bitSeed % (reply.length * 8);
      reply[bit >> 3] = reply[bit >> 3]! ^ (1 << (bit & 7));
      const pkt = Buffer.concat([encodeIpv4Header(ipBytes('198.51.100.2'), ipBytes('198.51.100.1'), reply.length), reply]);
      assert.equal(decodeIcmp(4, pkt).kind, 'ignored');
    }),
    { numRuns: 300 },
  );
});
