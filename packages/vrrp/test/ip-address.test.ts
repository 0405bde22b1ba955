import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isIPv4, isIPv6 } from 'node:net';
import fc from 'fast-check';
import { compareIp, formatIpv4, formatIpv6, normalizeIp, parseIpv4, parseIpv6 } from '../src/ip-address.js';
import { IntervalRateLimiter } from '../src/rate-limit.js';

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

describe('rate-limit', () => {
  it('grants at most once per window, time passed in', () => {
    const l = new IntervalRateLimiter(1000);
    assert.deepEqual([0, 1, 999, 1000, 1500, 2000, 2999.9, 3000].map((t) => l.tryAcquire(t)), [true, false, false, true, false, true, false, true]);
    l.reset();
    assert.equal(l.tryAcquire(3001), true);
    l.setWindow(100);
    assert.equal(l.tryAcquire(3101), true);
    assert.equal(l.tryAcquire(50), true, 'a clock going backwards opens a new window instead of locking out');
  });
});
