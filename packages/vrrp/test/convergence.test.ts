/**
 * Property: whatever happens to a cluster (cuts, heals, graceful stops, restarts,
 * tracking changes, faults, in any order), once events stop it settles within a few
 * Master_Down_Intervals on exactly one Master among the routers that can hear each
 * other, only that Master holds the VIPs, and with preemption everywhere it is one of
 * the highest priority. Real state machines, real encoded packets, fake clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Net } from './sim.js';

type Ev =
  | { t: number; r: number; kind: 'cut' | 'heal' | 'shutdown' | 'startup' }
  | { t: number; r: number; kind: 'priority'; p: number }
  | { t: number; r: number; kind: 'fault'; on: boolean };

const event = (n: number): fc.Arbitrary<Ev> =>
  fc.oneof(
    fc.record({ t: fc.integer({ min: 0, max: 30_000 }), r: fc.nat({ max: n - 1 }), kind: fc.constantFrom('cut' as const, 'heal' as const, 'shutdown' as const, 'startup' as const) }),
    fc.record({ t: fc.integer({ min: 0, max: 30_000 }), r: fc.nat({ max: n - 1 }), kind: fc.constant('priority' as const), p: fc.integer({ min: -10, max: 254 }) }),
    fc.record({ t: fc.integer({ min: 0, max: 30_000 }), r: fc.nat({ max: n - 1 }), kind: fc.constant('fault' as const), on: fc.boolean() }),
  );

const scenario = fc.integer({ min: 2, max: 4 }).chain((n) =>
  fc.record({
    version: fc.constantFrom(2 as const, 3 as const),
    family: fc.constantFrom(4 as const, 6 as const),
    latency: fc.constantFrom(0, 0.25, 3),
    routers: fc.array(
      fc.record({
        priority: fc.constantFrom(50, 100, 100, 150, 200, 255),
        preempt: fc.boolean(),
        v3Interval: fc.constantFrom(100, 1000),
      }),
      { minLength: n, maxLength: n },
    ),
    events: fc.array(event(n), { maxLength: 12 }),
  }),
);

describe('convergence: one Master, holding the VIPs alone, after any sequence of events', () => {
  it('holds for random clusters and event sequences', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const version = s.family === 6 ? 3 : s.version;
        const net = new Net(s.family);
        net.latencyMs = s.latency;
        const rs = s.routers.map((spec, i) =>
          net.add({
            name: `r${i}`,
            address: s.family === 4 ? `198.51.100.${10 + i}` : `fe80::${(10 + i).toString(16)}`,
            priority: spec.priority,
            preempt: spec.preempt,
            version,
            advertIntervalMs: version === 2 ? 1000 : spec.v3Interval,
          }),
        );
        for (const r of rs) net.at(0, () => r.input({ type: 'startup' }));
        let last = 0;
        for (const e of s.events) {
          const r = rs[e.r];
          if (!r) continue;
          last = Math.max(last, e.t);
          net.at(e.t, () => {
            if (e.kind === 'cut') r.linkUp = false;
            else if (e.kind === 'heal') r.linkUp = true;
            else if (e.kind === 'shutdown' || e.kind === 'startup') r.input({ type: e.kind });
            else if (e.kind === 'priority') r.input({ type: 'priority', effective: e.p });
            else if (e.kind === 'fault') r.input({ type: 'fault', on: e.on, reason: 'test' });
          });
        }
        // Settle: a few Master_Down_Intervals at the slowest interval, plus skew.
        net.run(last + 4 * (3 * 1000 + 1000));
        for (const r of rs) assert.equal(r.vipsHeld, r.state === 'MASTER', `${r.spec.name}: VIPs held iff Master`);
        const live = rs.filter((r) => r.linkUp && (r.state === 'BACKUP' || r.state === 'MASTER'));
        if (live.length === 0) return;
        const masters = live.filter((r) => r.state === 'MASTER');
        assert.equal(masters.length, 1, `masters: ${masters.map((m) => m.spec.name).join(',')}`);
        const m = masters[0] as (typeof rs)[number];
        if (live.every((r) => r.params.preempt)) {
          const top = Math.max(...live.map((r) => r.sm.priority));
          assert.equal(m.sm.priority, top, 'with preemption the Master has the highest priority');
        }
        // The cluster is quiet: the Master advertises on its own cadence, no flapping in the last MDI.
        const quietFrom = net.now - 4000;
        for (const r of live) assert.ok(r.transitions.every((x) => x.t < quietFrom || x.to === r.state), `${r.spec.name} still flapping`);
      }),
      { numRuns: 400 },
    );
  });
});
