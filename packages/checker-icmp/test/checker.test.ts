import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IcmpChecker, socketKeyOf, type IcmpCheckSpec } from '../src/index.js';

function spec(address: string, extra: Partial<IcmpCheckSpec> = {}): IcmpCheckSpec {
  return {
    name: 'c', type: 'icmp', target: { address }, interval: 1000, timeout: 500, rise: 1, fall: 1,
    retryDelay: 1000, warmup: 0, alpha: false, payloadBytes: 56, ...extra,
  };
}

test('socket keys: one per family, apart per interface and source', () => {
  assert.deepEqual(socketKeyOf(spec('198.51.100.1')), { family: 4, device: undefined, source: undefined });
  assert.deepEqual(socketKeyOf(spec('2001:db8::1', { interface: 'eth1' })), { family: 6, device: 'eth1', source: undefined });
});

test('a sourceAddress of the other family is refused with a code', () => {
  assert.throws(() => socketKeyOf(spec('198.51.100.1', { sourceAddress: '2001:db8::2' })), { code: 'HACORE_ERR_ICMP_SOURCE_FAMILY' });
  assert.throws(() => new IcmpChecker(spec('2001:db8::1', { sourceAddress: '198.51.100.2' })), { code: 'HACORE_ERR_ICMP_SOURCE_FAMILY' });
});

test('a closed checker answers without touching a socket', async () => {
  const c = new IcmpChecker(spec('198.51.100.1'));
  c.close();
  assert.deepEqual(await c.probe(new AbortController().signal), { ok: false, latencyMs: 0, reason: 'checker closed' });
});
