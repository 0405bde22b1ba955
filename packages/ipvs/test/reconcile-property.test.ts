import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryDataplane } from '../src/reconcile-memory-dataplane.js';
import { planReconcile, type DesiredService } from '../src/reconcile.js';
import { reconcile, readTable } from '../src/reconcile-apply.js';
import { destinationSettings, serviceKeyId, serviceSettings } from '../src/reconcile-keys.js';
import type { DestinationConfig, ServiceConfig, ServiceKey } from '../src/types.js';

// Small pools so that desired and current tables overlap often.
const keyArb: fc.Arbitrary<ServiceKey> = fc.oneof(
  fc.record({ family: fc.constant(4 as const), protocol: fc.constantFrom('tcp' as const, 'udp' as const), address: fc.constantFrom('198.51.100.10', '198.51.100.11'), port: fc.constantFrom(80, 443) }),
  fc.record({ family: fc.constant(6 as const), protocol: fc.constant('tcp' as const), address: fc.constantFrom('2001:db8::10', '2001:db8:0::11'), port: fc.constant(80) }),
  fc.record({ family: fc.constant(4 as const), fwmark: fc.constantFrom(1, 2) }),
);
const serviceArb = (key: ServiceKey): fc.Arbitrary<ServiceConfig> =>
  fc.record({ scheduler: fc.constantFrom('rr', 'wrr', 'wlc', 'sh'), persistence: fc.constantFrom(0, 60), port: fc.boolean() }).map(({ scheduler, persistence, port }) => ({
    key,
    scheduler,
    ...(persistence ? { persistence } : {}),
    ...(scheduler === 'sh' && port ? { flags: { shPort: true } } : {}),
  }));
const destArb = (family: 4 | 6): fc.Arbitrary<DestinationConfig> =>
  fc.record({ n: fc.integer({ min: 1, max: 4 }), weight: fc.integer({ min: 0, max: 3 }), forwarding: fc.constantFrom('masq' as const, 'droute' as const) }).map(({ n, weight, forwarding }) => ({
    address: family === 6 ? `2001:db8::2${n}` : `198.51.100.2${n}`,
    port: 80,
    forwarding,
    weight,
  }));
const tableArb: fc.Arbitrary<DesiredService[]> = fc
  .uniqueArray(keyArb, { selector: (k) => serviceKeyId(k), maxLength: 5 })
  .chain((keys) => fc.tuple(...keys.map((k) => fc.tuple(serviceArb(k), fc.array(destArb(k.family), { maxLength: 4 })))))
  .map((pairs) => pairs.map(([service, destinations]) => ({ service, destinations })));

function fingerprint(t: Awaited<ReturnType<typeof readTable>>): Map<string, string> {
  return new Map(
    t.map((c) => [
      serviceKeyId(c.service.key),
      JSON.stringify([serviceSettings(c.service), c.destinations.map((d) => [d.address, d.port, destinationSettings(d)]).sort()]),
    ]),
  );
}

describe('planReconcile properties', () => {
  it('reaches the desired table, leaves foreign services alone, never re-creates a kept service, and is idempotent', async () => {
    await fc.assert(
      fc.asyncProperty(tableArb, tableArb, fc.func(fc.boolean()), fc.boolean(), async (current, desired, ownedPick, batch) => {
        const dp = new MemoryDataplane({ batch });
        for (const c of current) {
          await dp.addService(c.service);
          const seen = new Set<string>();
          for (const d of c.destinations) {
            if (seen.has(`${d.address}:${d.port}`)) continue;
            seen.add(`${d.address}:${d.port}`);
            await dp.addDestination(c.service.key, d);
          }
        }
        const owned = new Set(current.map((c) => serviceKeyId(c.service.key)).filter((id) => ownedPick(id)));
        const before = fingerprint(await readTable(dp));
        dp.calls.length = 0;
        const r = await reconcile(dp, desired, owned);
        assert.deepEqual(r.failed, []);
        assert.deepEqual(r.remaining, []);
        const after = fingerprint(await readTable(dp));
        const wanted = new Set(desired.map((d) => serviceKeyId(d.service.key)));
        for (const [id, fp] of before) {
          if (wanted.has(id)) continue;
          if (owned.has(id)) assert.ok(!after.has(id), `owned ${id} not desired any more: deleted`);
          else assert.equal(after.get(id), fp, `foreign ${id} untouched`);
        }
        // A service both before and after is edited in place, never deleted and added again.
        for (const id of wanted) {
          if (before.has(id)) assert.ok(!dp.calls.includes(`deleteService ${id}`) && !dp.calls.includes(`addService ${id}`), dp.calls.join('\n'));
        }
        assert.deepEqual(planReconcile(desired, await readTable(dp), new Set(r.owned)).ops, []);
      }),
      { numRuns: 300 },
    );
  });
});
