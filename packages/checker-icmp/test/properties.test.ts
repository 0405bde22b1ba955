import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bytesToAddress, canonicalAddress, ipv6Bytes, ipv4Bytes } from '../src/address.js';
import { internetChecksum } from '../src/checksum.js';
import { decodeIcmp, encodeEchoRequest, encodeIpv4Header } from '../src/codec.js';
import { makePayload } from '../src/payload.js';

test('property: IPv6 bytes -> text -> bytes is the identity, and the text is canonical', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 8 }), (raw, zeroAt, zeroLen) => {
      // Runs of zero groups are where the compression rules bite.
      const b = Buffer.from(raw);
      b.fill(0, zeroAt * 2, Math.min(16, (zeroAt + zeroLen) * 2));
      const text = bytesToAddress(b);
      assert.deepEqual(ipv6Bytes(text), b);
      assert.equal(canonicalAddress(text), text);
      assert.equal(canonicalAddress(text.toUpperCase()), text);
    }),
    { numRuns: 500 },
  );
});

test('property: IPv4 bytes -> text -> bytes is the identity', () => {
  fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (raw) => {
    assert.deepEqual(ipv4Bytes(bytesToAddress(raw)), Buffer.from(raw));
  }));
});

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
      const pkt = Buffer.concat([encodeIpv4Header(ipv4Bytes('198.51.100.2'), ipv4Bytes('198.51.100.1'), reply.length), reply]);
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
      const pkt = Buffer.concat([encodeIpv4Header(ipv4Bytes('198.51.100.2'), ipv4Bytes('198.51.100.1'), reply.length), reply]);
      assert.equal(decodeIcmp(4, pkt).kind, 'ignored');
    }),
    { numRuns: 300 },
  );
});
