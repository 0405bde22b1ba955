import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryDataplane } from '../src/reconcile-memory-dataplane.js';
import { planReconcile, type DesiredService } from '../src/reconcile.js';
import { reconcile, readTable } from '../src/reconcile-apply.js';
import { serviceKeyId } from '../src/reconcile-keys.js';
import type { DestinationConfig, ServiceKey } from '../src/types.js';

const VIP: ServiceKey = { family: 4, protocol: 'tcp', address: '198.51.100.10', port: 80 };
const VIP2: ServiceKey = { family: 4, protocol: 'udp', address: '198.51.100.10', port: 53 };
const FOREIGN: ServiceKey = { family: 4, protocol: 'tcp', address: '198.51.100.99', port: 443 };
const V6: ServiceKey = { family: 6, protocol: 'tcp', address: '2001:db8::10', port: 80 };

function rs(n: number, weight = 1, port = 80): DestinationConfig {
  return { address: `198.51.100.${20 + n}`, port, forwarding: 'masq', weight };
}

function web(weights: number[], scheduler = 'wrr'): DesiredService {
  return { service: { key: VIP, scheduler }, destinations: weights.map((w, i) => rs(i + 1, w)) };
}

async function snapshot(dp: MemoryDataplane): Promise<string[]> {
  const t = await readTable(dp);
  return t
    .flatMap((c) => [`${serviceKeyId(c.service.key)} ${c.service.scheduler}`, ...c.destinations.map((d) => `  ${d.address}:${d.port} w${d.weight} ${d.forwarding}`)])
    .sort();
}

describe('planReconcile (pure diff)', () => {
  it('from empty: services first, then their destinations; a second run is empty', async () => {
    const dp = new MemoryDataplane();
    const desired = [web([1, 2, 3]), { service: { key: VIP2, scheduler: 'rr' }, destinations: [rs(1, 1, 53)] }];
    const plan = planReconcile(desired, await readTable(dp));
    assert.deepEqual(
      plan.ops.map((o) => o.op),
      ['add-service', 'add-service', 'add-destination', 'add-destination', 'add-destination', 'add-destination'],
    );
    const r = await reconcile(dp, desired, new Set());
    assert.equal(r.applied.length, 6);
    assert.deepEqual(r.failed, []);
    assert.deepEqual(r.remaining, []);
    assert.deepEqual(new Set(r.owned), new Set([serviceKeyId(VIP), serviceKeyId(VIP2)]));
    const again = planReconcile(desired, await readTable(dp), new Set(r.owned));
    assert.deepEqual(again.ops, []);
  });

  it('leaves foreign services alone, even when nothing is desired', async () => {
    const dp = new MemoryDataplane();
    await dp.addService({ key: FOREIGN, scheduler: 'rr' });
    await dp.addDestination(FOREIGN, rs(9, 5, 443));
    const before = await snapshot(dp);
    const r = await reconcile(dp, [web([1])], new Set());
    assert.deepEqual(r.foreign, [serviceKeyId(FOREIGN)]);
    assert.ok(!r.owned.includes(serviceKeyId(FOREIGN)));
    const after = await snapshot(dp);
    for (const line of before) assert.ok(after.includes(line), `foreign line kept: ${line}`);
    // Removing everything we own still leaves the foreign service.
    const gone = await reconcile(dp, [], new Set(r.owned));
    assert.deepEqual(gone.applied.map((o) => o.op), ['delete-service']);
    assert.deepEqual(await snapshot(dp), before);
  });

  it('adopts an existing table at restart without a flush: only the differences are written', async () => {
    const dp = new MemoryDataplane();
    await reconcile(dp, [web([1, 1, 1])], new Set());
    dp.calls.length = 0;
    // A new process: owns nothing yet, one weight differs and one real server is gone from the config.
    const desired = [web([1, 4])];
    const plan = planReconcile(desired, await readTable(dp), new Set());
    assert.deepEqual(plan.adopted, [serviceKeyId(VIP)]);
    assert.deepEqual(
      plan.ops.map((o) => o.op),
      ['delete-destination', 'edit-destination'],
    );
    const r = await reconcile(dp, desired, new Set());
    assert.ok(!dp.calls.some((c) => c.startsWith('deleteService') || c.startsWith('addService')), dp.calls.join('\n'));
    assert.deepEqual(r.remaining, []);
    assert.deepEqual(await snapshot(dp), ['  198.51.100.21:80 w1 masq', '  198.51.100.22:80 w4 masq', 'tcp:198.51.100.10:80 wrr'].sort());
  });

  it('a reload that changes weights and the scheduler edits in place', async () => {
    const dp = new MemoryDataplane();
    const first = await reconcile(dp, [web([1, 1, 1], 'rr')], new Set());
    dp.calls.length = 0;
    const r = await reconcile(dp, [web([3, 1, 2], 'wlc')], new Set(first.owned));
    assert.deepEqual(dp.calls, [
      'editService tcp:198.51.100.10:80',
      'editDestination tcp:198.51.100.10:80 198.51.100.21:80',
      'editDestination tcp:198.51.100.10:80 198.51.100.23:80',
    ]);
    const edit = r.applied[0]!;
    assert.equal(edit.op, 'edit-service');
    assert.deepEqual(edit.op === 'edit-service' ? edit.changed : [], ['scheduler']);
    assert.deepEqual(r.remaining, []);
  });

  it('deletes a service we own when the config drops it, with its destinations in one operation', async () => {
    const dp = new MemoryDataplane();
    const desired = [web([1, 1]), { service: { key: VIP2, scheduler: 'rr' }, destinations: [rs(1, 1, 53)] }];
    const first = await reconcile(dp, desired, new Set());
    dp.calls.length = 0;
    const r = await reconcile(dp, [web([1, 1])], new Set(first.owned));
    assert.deepEqual(dp.calls, ['deleteService udp:198.51.100.10:53']);
    assert.deepEqual(r.owned, [serviceKeyId(VIP)]);
  });

  it('compares IPv6 addresses and persistence netmasks in canonical form', () => {
    const desired: DesiredService[] = [
      {
        service: { key: V6, scheduler: 'rr', persistence: 300 },
        destinations: [{ address: '2001:db8::21', port: 80, forwarding: 'masq', weight: 1 }],
      },
    ];
    const plan = planReconcile(desired, [
      {
        service: { key: { ...V6, address: '2001:DB8:0:0::10' }, scheduler: 'rr', persistence: 300, netmask: 128, flags: { persistent: true, hashed: true } },
        destinations: [{ address: '2001:0db8::0021', port: 80, forwarding: 'masq', weight: 1, activeConnections: 3 }],
      },
    ]);
    assert.deepEqual(plan.ops, []);
    const v4 = planReconcile(
      [{ service: { key: VIP, scheduler: 'rr', persistence: 60, netmask: '255.255.255.0' }, destinations: [] }],
      [{ service: { key: VIP, scheduler: 'rr', persistence: 60, netmask: '255.255.255.255' }, destinations: [] }],
    );
    assert.deepEqual(v4.ops.map((o) => (o.op === 'edit-service' ? o.changed : [])), [['netmask']]);
  });

  it('treats the sh and mh flags as the kernel does (shared bits)', () => {
    const plan = planReconcile(
      [{ service: { key: VIP, scheduler: 'mh', flags: { mhPort: true } }, destinations: [] }],
      [{ service: { key: VIP, scheduler: 'mh', flags: { shPort: true, mhPort: true, hashed: true } }, destinations: [] }],
    );
    assert.deepEqual(plan.ops, []);
  });
});

describe('reconcile (apply and verify)', () => {
  for (const batch of [false, true]) it(`a refused operation is reported with its errno and the rest is still applied${batch ? ' (pipelined batch)' : ''}`, async () => {
    const dp = new MemoryDataplane({ batch });
    dp.refuse = (op, _key, dest) => (op === 'addDestination' && dest?.address === '198.51.100.22' ? 'EINVAL' : undefined);
    const bad = { service: { key: VIP2, scheduler: 'nosuchsched' }, destinations: [rs(1, 1, 53)] };
    const r = await reconcile(dp, [web([1, 1, 1]), bad], new Set());
    assert.deepEqual(
      r.failed.map((f) => [f.op.op, f.errno]).sort(),
      [
        ['add-destination', 'EINVAL'],
        ['add-service', 'ENOENT'],
      ],
    );
    assert.match(r.failed.find((f) => f.op.op === 'add-destination')!.description, /198\.51\.100\.22:80/);
    // The destination of the refused service is not even tried.
    assert.deepEqual(r.skipped.map((o) => o.op), ['add-destination']);
    // Everything else is in, and the read-back names exactly what is missing.
    assert.deepEqual(await snapshot(dp), ['  198.51.100.21:80 w1 masq', '  198.51.100.23:80 w1 masq', 'tcp:198.51.100.10:80 wrr'].sort());
    assert.deepEqual(
      r.remaining.map((o) => o.op),
      ['add-service', 'add-destination', 'add-destination'],
    );
    assert.deepEqual(r.owned, [serviceKeyId(VIP)]);
    // Two rounds: the services, then the destinations.
    assert.equal(dp.batches, batch ? 2 : 0);
  });

  it('from the last read-back: reads nothing before the diff and only the touched services after; nothing to do reads nothing', async () => {
    const dp = new MemoryDataplane();
    const desired = [web([1, 1, 1]), { service: { key: VIP2, scheduler: 'rr' }, destinations: [rs(1, 1, 53)] }];
    const first = await reconcile(dp, desired, new Set());
    assert.equal(first.incremental, false);
    const reads: string[] = [];
    const listServices = dp.listServices.bind(dp);
    const listDestinations = dp.listDestinations.bind(dp);
    dp.listServices = () => (reads.push('services'), listServices());
    dp.listDestinations = (key) => (reads.push(`destinations ${serviceKeyId(key)}`), listDestinations(key));
    const same = await reconcile(dp, desired, new Set(first.owned), { current: first.table });
    assert.deepEqual([same.applied, same.remaining, reads], [[], [], []]);
    const next = await reconcile(dp, [web([1, 4, 1]), desired[1]!], new Set(same.owned), { current: same.table });
    assert.equal(next.incremental, true);
    assert.deepEqual(next.applied.map((o) => o.op), ['edit-destination']);
    assert.deepEqual(reads, ['services', `destinations ${serviceKeyId(VIP)}`]);
    assert.deepEqual(next.remaining, []);
    assert.deepEqual(next.table, await readTable(dp));
  });

  it('a duplicate service made behind our back is adopted on the next pass, not re-added', async () => {
    const dp = new MemoryDataplane();
    await dp.addService({ key: VIP, scheduler: 'rr' });
    const r = await reconcile(dp, [web([1])], new Set());
    assert.deepEqual(r.adopted, [serviceKeyId(VIP)]);
    assert.deepEqual(r.failed, []);
    assert.deepEqual(r.applied.map((o) => o.op), ['edit-service', 'add-destination']);
  });
});
