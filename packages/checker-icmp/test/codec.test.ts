import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipBytes } from '@hacore/core/ip-address';
import { internetChecksum } from '../src/checksum.js';
import { decodeIcmp, encodeEchoRequest, encodeIpv4Header, encodeIpv6Header } from '../src/codec.js';

const payload = Buffer.from('0123456789abcdef');

/** What a peer does: turns a request into a reply (type 0/129), fixing the ICMPv4 checksum. */
function asReply(family: 4 | 6, req: Buffer): Buffer {
  const r = Buffer.from(req);
  r[0] = family === 4 ? 0 : 129;
  r.writeUInt16BE(0, 2);
  if (family === 4) r.writeUInt16BE(internetChecksum(r), 2);
  return r;
}

test('IPv4 echo request: type 8, id, seq, valid checksum, payload', () => {
  const m = encodeEchoRequest(4, 0xbeef, 0x0102, payload);
  assert.equal(m[0], 8);
  assert.equal(m.readUInt16BE(4), 0xbeef);
  assert.equal(m.readUInt16BE(6), 0x0102);
  assert.equal(internetChecksum(m), 0);
  assert.deepEqual(m.subarray(8), payload);
});

test('IPv4 reply with its IP header decodes to id, seq and payload', () => {
  const reply = asReply(4, encodeEchoRequest(4, 7, 9, payload));
  const pkt = Buffer.concat([encodeIpv4Header(ipBytes('198.51.100.2'), ipBytes('198.51.100.1'), reply.length), reply]);
  const d = decodeIcmp(4, pkt);
  assert.deepEqual(d, { kind: 'echo-reply', id: 7, seq: 9, payload });
});

test('IPv4 reply with a bad checksum is ignored', () => {
  const reply = asReply(4, encodeEchoRequest(4, 7, 9, payload));
  reply[10] = reply[10]! ^ 0xff;
  const pkt = Buffer.concat([encodeIpv4Header(ipBytes('198.51.100.2'), ipBytes('198.51.100.1'), reply.length), reply]);
  assert.deepEqual(decodeIcmp(4, pkt), { kind: 'ignored', why: 'bad checksum' });
});

test('IPv4 host unreachable quoting our request yields its id, seq and destination', () => {
  const req = encodeEchoRequest(4, 0x1111, 0x2222, payload);
  const quotedIp = encodeIpv4Header(ipBytes('198.51.100.1'), ipBytes('198.51.100.99'), req.length);
  const err = Buffer.concat([Buffer.from([3, 1, 0, 0, 0, 0, 0, 0]), quotedIp, req.subarray(0, 8)]);
  err.writeUInt16BE(internetChecksum(err), 2);
  const pkt = Buffer.concat([encodeIpv4Header(ipBytes('198.51.100.1'), ipBytes('198.51.100.1'), err.length), err]);
  assert.deepEqual(decodeIcmp(4, pkt), { kind: 'error', id: 0x1111, seq: 0x2222, destination: '198.51.100.99', reason: 'host unreachable' });
});

test('IPv4 echo request, other types, truncated packets are ignored', () => {
  const req = encodeEchoRequest(4, 1, 2, payload);
  const pkt = Buffer.concat([encodeIpv4Header(ipBytes('198.51.100.2'), ipBytes('198.51.100.1'), req.length), req]);
  assert.equal(decodeIcmp(4, pkt).kind, 'ignored');
  assert.equal(decodeIcmp(4, pkt.subarray(0, 25)).kind, 'ignored');
  assert.equal(decodeIcmp(4, Buffer.alloc(3)).kind, 'ignored');
});

test('IPv6 echo request leaves the checksum to the kernel unless addresses are given', () => {
  const m = encodeEchoRequest(6, 5, 6, payload);
  assert.equal(m[0], 128);
  assert.equal(m.readUInt16BE(2), 0);
  const withSum = encodeEchoRequest(6, 5, 6, payload, { source: ipBytes('2001:db8::1'), destination: ipBytes('2001:db8::2') });
  assert.notEqual(withSum.readUInt16BE(2), 0);
});

test('IPv6 reply and address unreachable decode', () => {
  const req = encodeEchoRequest(6, 0xabcd, 0x0001, payload);
  assert.deepEqual(decodeIcmp(6, asReply(6, req)), { kind: 'echo-reply', id: 0xabcd, seq: 1, payload });
  const quoted = Buffer.concat([encodeIpv6Header(ipBytes('2001:db8::1'), ipBytes('2001:db8::99'), req.length), req]);
  const err = Buffer.concat([Buffer.from([1, 3, 0, 0, 0, 0, 0, 0]), quoted]);
  assert.deepEqual(decodeIcmp(6, err), { kind: 'error', id: 0xabcd, seq: 1, destination: '2001:db8::99', reason: 'address unreachable' });
  assert.equal(decodeIcmp(6, req).kind, 'ignored');
});
