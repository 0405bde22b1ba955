import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import {
  canonicalIp,
  compareIp,
  formatHostPort,
  formatIp,
  formatIpv4,
  formatIpv6,
  ipBytes,
  ipFamily,
  normalizeIp,
  parseAnyIp,
  parseIpv4,
  parseIpv6,
  prefixContains,
} from '../src/ip-address.js';

describe('ip-address', () => {
  it('parses and refuses', () => {
    assert.deepEqual([...(parseIpv4('198.51.100.200') ?? [])], [198, 51, 100, 200]);
    for (const bad of ['1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', '', 'a.b.c.d', '1.2.3.4 ']) assert.equal(parseIpv4(bad), undefined, bad);
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7:8:9', ':::', '12345::', 'g::1', '1:2:3:4:5:6:7::8', '::ffff:1.2.3', '']) assert.equal(parseIpv6(bad), undefined, bad);
    assert.equal(formatIpv6(parseIpv6('::ffff:203.0.113.1') as Uint8Array), '::ffff:cb00:7101');
    assert.equal(normalizeIp('FE80::68:6CFF:FE61:620B%eth0'), 'fe80::68:6cff:fe61:620b');
    assert.equal(normalizeIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'leftmost longest run');
    assert.equal(normalizeIp('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1', 'a single zero word is not compressed');
  });

  it('formats IPv6 as the WHATWG URL serializer does (RFC 5952), and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 7 }), (b, zeros) => {
        const bytes = Uint8Array.from(b);
        bytes.fill(0, zeros * 2, zeros * 2 + ((b[0] as number) % 8) * 2); // make zero runs likely
        const text = formatIpv6(bytes);
        assert.equal(text, new URL(`http://[${text}]/`).hostname.slice(1, -1));
        assert.deepEqual(parseIpv6(text), bytes);
        assert.deepEqual(parseIpv6(text.toUpperCase()), bytes);
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.uint8Array({ minLength: 4, maxLength: 4 }), (b) => assert.deepEqual(parseIpv4(formatIpv4(b)), b)));
  });

  it('accepts exactly what node:net accepts, and canonicalises as WHATWG URL does (random token soup)', () => {
    const token = fc.constantFrom('0', '1', '9', 'a', 'F', 'ffff', '12345', '::', ':', '.', '1.2.3.4', '255', '256', '00', '01', '');
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 14 }), (parts) => {
        const text = parts.join('');
        const v6 = parseIpv6(text);
        assert.equal(v6 !== undefined, isIPv6(text), `IPv6 "${text}"`);
        if (v6) assert.equal(formatIpv6(v6), new URL(`http://[${text}]/`).hostname.slice(1, -1), `canonical "${text}"`);
        assert.equal(parseIpv4(text) !== undefined, isIPv4(text), `IPv4 "${text}"`);
      }),
      { numRuns: 20000 },
    );
  });

  it('compares as unsigned integers in network byte order', () => {
    assert.ok(compareIp('10.0.0.10', '10.0.0.9') > 0, 'not as text');
    assert.ok(compareIp('fe80::10', 'fe80::9') > 0);
    assert.ok(compareIp('192.168.0.1', '10.255.255.255') > 0);
    assert.equal(compareIp('2001:db8::1', '2001:DB8:0::1'), 0);
    assert.ok(compareIp('not an address', '0.0.0.0') < 0, 'garbage never wins a tie');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), (a, b) => {
        const big = (x: Uint8Array): bigint => BigInt(`0x${Buffer.from(x).toString('hex')}`);
        assert.equal(Math.sign(compareIp(formatIpv6(a), formatIpv6(b))), Math.sign(Number(big(a) - big(b))));
      }),
    );
  });
});

describe('ip-address: the helpers the other packages use', () => {
  it('detects the family, and nothing for a host name or garbage', () => {
    assert.equal(ipFamily('198.51.100.1'), 4);
    assert.equal(ipFamily('2001:db8::1'), 6);
    assert.equal(ipFamily('fe80::1%eth0'), 6);
    for (const bad of ['example.org', '', '198.51.100', '2001:db8::1::2']) assert.equal(ipFamily(bad), undefined, bad);
  });

  it('gives the bytes, or a TypeError naming the text', () => {
    assert.deepEqual([...ipBytes('203.0.113.9')], [203, 0, 113, 9]);
    assert.deepEqual([...ipBytes('::ffff:198.51.100.1').subarray(10)], [0xff, 0xff, 198, 51, 100, 1]);
    assert.equal(ipBytes('2001:db8::1').length, 16);
    assert.ok(Buffer.isBuffer(ipBytes('2001:db8::1')));
    assert.throws(() => ipBytes('1.2.3.256'), { name: 'TypeError', message: 'not an IP address: "1.2.3.256"' });
    assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.throws(() => canonicalIp('2001:db8:g::1'), TypeError);
  });

  it('writes inet_ntop text on request: a dotted tail for IPv4-compatible and -mapped addresses only', () => {
    const v6 = (t: string): Uint8Array => parseIpv6(t)!;
    assert.equal(formatIpv6(v6('::ffff:203.0.113.1'), 0, true), '::ffff:203.0.113.1');
    assert.equal(formatIpv6(v6('::203.0.113.1'), 0, true), '::203.0.113.1');
    assert.equal(formatIpv6(v6('::1'), 0, true), '::1', 'a run of seven is not IPv4-compatible');
    assert.equal(formatIpv6(v6('::'), 0, true), '::');
    assert.equal(formatIpv6(v6('2001:db8::1'), 0, true), '2001:db8::1');
    assert.equal(formatIpv6(v6('::ffff:203.0.113.1')), '::ffff:cb00:7101', 'RFC 5952 form by default');
    const buf = Buffer.alloc(20);
    buf.set(v6('2001:db8::7'), 4);
    assert.equal(formatIp(buf, 6, 4), '2001:db8::7', 'at an offset');
  });

  it('host:port with brackets for IPv6', () => {
    assert.equal(formatHostPort('198.51.100.1', 80), '198.51.100.1:80');
    assert.equal(formatHostPort('2001:db8::1', 443), '[2001:db8::1]:443');
    assert.equal(formatHostPort(canonicalIp('2001:DB8:0::1'), 443), '[2001:db8::1]:443');
  });

  it('prefix membership on bit boundaries, per family', () => {
    assert.equal(prefixContains('198.51.100.0', 24, '198.51.100.255'), true);
    assert.equal(prefixContains('198.51.100.0', 24, '198.51.101.0'), false);
    assert.equal(prefixContains('198.51.100.128', 25, '198.51.100.127'), false);
    assert.equal(prefixContains('198.51.100.128', 25, '198.51.100.200'), true);
    assert.equal(prefixContains('203.0.113.7', 32, '203.0.113.7'), true);
    assert.equal(prefixContains('203.0.113.7', 0, '198.51.100.1'), true, '/0 holds the whole family');
    assert.equal(prefixContains('2001:db8::', 32, '2001:db8:ffff::1'), true);
    assert.equal(prefixContains('2001:db8::', 33, '2001:db8:8000::1'), false);
    assert.equal(prefixContains('2001:db8::', 32, '198.51.100.1'), false, 'another family');
    assert.equal(prefixContains('198.51.100.0', 33, '198.51.100.0'), false, 'prefix out of range');
    assert.equal(prefixContains('198.51.100.0', 24, 'example.org'), false);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }), (a, b, len) => {
        const bits = (x: Uint8Array): string => [...x].map((v) => v.toString(2).padStart(8, '0')).join('');
        const expected = bits(a).slice(0, len) === bits(b).slice(0, len);
        assert.equal(prefixContains(formatIpv6(a), len, formatIpv6(b)), expected);
      }),
    );
  });

  it('parseAnyIp takes the family from the text', () => {
    assert.equal(parseAnyIp('198.51.100.1')?.family, 4);
    assert.equal(parseAnyIp('2001:db8::1')?.family, 6);
    assert.equal(parseAnyIp('x'), undefined);
    assert.equal(normalizeIp('x'), undefined);
  });
});
