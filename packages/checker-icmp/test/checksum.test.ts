import assert from 'node:assert/strict';
import { test } from 'node:test';
import { finishChecksum, icmpv6Checksum, internetChecksum, onesComplementSum } from '../src/checksum.js';
import { ipBytes } from '@hacore/core/ip-address';

test('RFC 1071 example: the sum of 0001 f203 f4f5 f6f7 folds to ddf2', () => {
  const b = Buffer.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(finishChecksum(onesComplementSum(b)), ~0xddf2 & 0xffff);
});

test('a message with its checksum written in sums to zero', () => {
  for (const len of [8, 9, 64, 65, 1000]) {
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = (i * 37 + 11) & 0xff;
    b.writeUInt16BE(0, 2);
    b.writeUInt16BE(internetChecksum(b), 2);
    assert.equal(internetChecksum(b), 0, `length ${len}`);
  }
});

test('an odd trailing byte is padded on the right', () => {
  assert.equal(onesComplementSum(Buffer.from([0x12])), 0x1200);
});

test('ICMPv6 checksum of a known echo request (as captured from ping6 ::1)', () => {
  // Echo request, id 0x1234, seq 1, payload "abcd", from ::1 to ::1.
  const msg = Buffer.from([128, 0, 0, 0, 0x12, 0x34, 0, 1, 0x61, 0x62, 0x63, 0x64]);
  const src = ipBytes('::1');
  const sum = icmpv6Checksum(src, src, msg);
  // Independent computation: pseudo-header words added by hand.
  let manual = 0;
  manual += 1 + 1; // the two ::1 addresses end in 0001
  manual += msg.length + 58;
  for (let i = 0; i < msg.length; i += 2) manual += (msg[i]! << 8) | msg[i + 1]!;
  while (manual > 0xffff) manual = (manual & 0xffff) + (manual >>> 16);
  assert.equal(sum, ~manual & 0xffff);
  msg.writeUInt16BE(sum, 2);
  assert.equal(icmpv6Checksum(src, src, msg), 0);
});
