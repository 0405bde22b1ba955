import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bytesToAddress, canonicalAddress, familyOf, ipv4Bytes, ipv6Bytes } from '../src/address.js';

test('IPv4 round trip', () => {
  assert.deepEqual([...ipv4Bytes('198.51.100.7')], [198, 51, 100, 7]);
  assert.equal(bytesToAddress(ipv4Bytes('203.0.113.255')), '203.0.113.255');
  assert.throws(() => ipv4Bytes('1.2.3.256'));
});

test('IPv6 parsing and RFC 5952 text', () => {
  assert.equal(canonicalAddress('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalAddress('2001:db8:0:1:0:0:0:1'), '2001:db8:0:1::1');
  assert.equal(canonicalAddress('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1');
  assert.equal(canonicalAddress('::'), '::');
  assert.equal(canonicalAddress('::1'), '::1');
  assert.equal(canonicalAddress('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2:3:4:5:6');
  assert.equal(canonicalAddress('2001:db8::0:1'), '2001:db8::1');
  assert.deepEqual([...ipv6Bytes('::ffff:198.51.100.1').subarray(10)], [0xff, 0xff, 198, 51, 100, 1]);
  assert.throws(() => ipv6Bytes('2001:db8::1::2'));
  assert.throws(() => ipv6Bytes('2001:db8:g::1'));
});

test('familyOf', () => {
  assert.equal(familyOf('198.51.100.1'), 4);
  assert.equal(familyOf('2001:db8::1'), 6);
  assert.equal(familyOf('example.org'), undefined);
});
