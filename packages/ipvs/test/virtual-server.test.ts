import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuorumTracker } from '../src/quorum.js';
import { MemoryDataplane } from '../src/reconcile-memory-dataplane.js';
import { reconcile, readTable } from '../src/reconcile-apply.js';
import { VirtualServer, type CheckView } from '../src/virtual-server.js';
import { compileVirtualServers } from '../src/virtual-server-spec.js';
import { expandAddressRange } from '../src/address-range.js';
import { config, spec } from './vs-fixture.js';

/** Check states by name; missing means never reported (`unknown`). */
function states(map: Record<string, CheckView['state'] | CheckView>): (name: string) => CheckView | undefined {
  return (name) => {
    const v = map[name];
    return typeof v === 'string' ? { state: v, reason: v === 'down' ? 'ECONNREFUSED' : 'connected' } : v;
  };
}

function kernelWeights(vs: VirtualServer, lookup: (n: string) => CheckView | undefined): Record<string, number> {
  const ev = vs.evaluate(lookup);
  return Object.fromEntries(ev.desired[0]!.destinations.map((d) => [`${d.address}:${d.port}`, d.weight]));
}

describe('VirtualServer (keepalived behaviour)', () => {
  it('removes a failed real server and puts it back when it passes again, reporting both', () => {
    const vs = new VirtualServer(spec());
    assert.deepEqual(Object.keys(kernelWeights(vs, states({}))).length, 3);
    const down = vs.evaluate(states({ c1: 'up', c2: 'down', c3: 'up' }));
    assert.deepEqual(down.desired[0]!.destinations.map((d) => d.address), ['198.51.100.21', '198.51.100.23']);
    assert.deepEqual(down.changes, [{ realServer: '198.51.100.22:80', up: false, weight: 0, reason: 'c2: ECONNREFUSED' }]);
    const up = vs.evaluate(states({ c1: 'up', c2: 'up', c3: 'up' }));
    assert.equal(up.desired[0]!.destinations.length, 3);
    assert.deepEqual(up.changes.map((c) => [c.realServer, c.up]), [['198.51.100.22:80', true]]);
  });

  it('inhibitOnFailure keeps a failed real server with weight 0', () => {
    const vs = new VirtualServer(spec({ inhibitOnFailure: true }));
    assert.deepEqual(kernelWeights(vs, states({ c1: 'up', c2: 'down', c3: 'up' })), {
      '198.51.100.21:80': 1,
      '198.51.100.22:80': 0,
      '198.51.100.23:80': 1,
    });
  });

  it('applies a dynamic weight from the checker', () => {
    const vs = new VirtualServer(spec());
    vs.evaluate(states({}));
    const ev = vs.evaluate(states({ c1: { state: 'up', weight: 7 }, c2: 'up', c3: 'up' }));
    assert.equal(ev.desired[0]!.destinations[0]!.weight, 7);
    assert.equal(ev.liveWeight, 9);
    assert.deepEqual(ev.changes.map((c) => [c.realServer, c.weight]), [['198.51.100.21:80', 7]]);
  });

  it('alpha: real servers start down until their first check passes', () => {
    const vs = new VirtualServer(spec({ alpha: true }));
    const start = vs.evaluate(states({}));
    assert.deepEqual(start.desired[0]!.destinations, []);
    assert.equal(start.quorumUp, false);
    const ev = vs.evaluate(states({ c1: 'up' }));
    assert.deepEqual(ev.desired[0]!.destinations.map((d) => d.address), ['198.51.100.21']);
    assert.equal(ev.quorumChange?.up, true);
  });

  it('puts the sorry server in when no real server is up, and takes it out again', () => {
    const vs = new VirtualServer(spec({ sorryServer: { address: '198.51.100.50', port: 8080, weight: 1 } }, 2));
    assert.deepEqual(Object.keys(kernelWeights(vs, states({ c1: 'up', c2: 'up' }))), ['198.51.100.21:80', '198.51.100.22:80']);
    const allDown = vs.evaluate(states({ c1: 'down', c2: 'down' }));
    assert.deepEqual(allDown.desired[0]!.destinations.map((d) => `${d.address}:${d.port}`), ['198.51.100.50:8080']);
    assert.equal(allDown.sorryServer?.active, true);
    assert.deepEqual(allDown.quorumChange, { up: false, liveWeight: 0 });
    const back = vs.evaluate(states({ c1: 'up', c2: 'down' }));
    assert.deepEqual(back.desired[0]!.destinations.map((d) => `${d.address}:${d.port}`), ['198.51.100.21:80']);
    assert.equal(back.sorryServer?.active, false);
  });

  it('sorryServerInhibit keeps the sorry server with weight 0 while it is not needed', () => {
    const vs = new VirtualServer(spec({ sorryServer: { address: '198.51.100.50', weight: 2 }, sorryServerInhibit: true }, 1));
    assert.deepEqual(kernelWeights(vs, states({ c1: 'up' })), { '198.51.100.21:80': 1, '198.51.100.50:80': 0 });
    assert.deepEqual(kernelWeights(vs, states({ c1: 'down' })), { '198.51.100.50:80': 2 });
  });

  it('a virtual server group programs one service per member with the same real servers', () => {
    const cfg = config({ port: 80, group: 'g', name: 'grp' }, 2);
    delete (cfg as { address?: string }).address;
    const r = compileVirtualServers([cfg], { g: [{ address: '198.51.100.10' }, { address: '198.51.100.11', port: 8080 }, { fwmark: 7 }] });
    assert.deepEqual(r.issues, []);
    const vs = new VirtualServer(r.specs[0]!);
    const ev = vs.evaluate(states({ c1: 'up', c2: 'down' }));
    assert.deepEqual(
      ev.desired.map((d) => [d.service.key.fwmark ?? `${d.service.key.address}:${d.service.key.port}`, d.destinations.map((x) => x.address)]),
      [
        ['198.51.100.10:80', ['198.51.100.21']],
        ['198.51.100.11:8080', ['198.51.100.21']],
        [7, ['198.51.100.21']],
      ],
    );
  });

  it('a group member may be an address range (keepalived 198.51.100.1-3 80): one service per address', () => {
    const cfg = config({ port: 80, group: 'g', name: 'grp' }, 1);
    delete (cfg as { address?: string }).address;
    const r = compileVirtualServers([cfg], { g: [{ address: '198.51.100.1-3' }, { address: '2001:db8::e-10', port: 443 }, { fwmark: 9 }] });
    assert.deepEqual(r.issues, []);
    assert.deepEqual(
      r.specs[0]!.services.map((svc) => svc.key.fwmark ?? `${svc.key.address}:${svc.key.port}`),
      ['198.51.100.1:80', '198.51.100.2:80', '198.51.100.3:80', '2001:db8::e:443', '2001:db8::f:443', '2001:db8::10:443', 9],
    );
    assert.deepEqual(expandAddressRange('198.51.100.9-8'), undefined, 'reversed');
    assert.deepEqual(expandAddressRange('198.51.100.1-256'), undefined, 'past the octet');
    assert.deepEqual(expandAddressRange('2001:db8::1-1ff'), undefined, 'more than 256');
  });

  it('omega reports the quorum down at shutdown, only when it was up', () => {
    const vs = new VirtualServer(spec({ omega: true }));
    vs.evaluate(states({}));
    assert.deepEqual(vs.omegaAtShutdown(), { up: false, liveWeight: 3 });
    assert.equal(vs.omegaAtShutdown(), undefined);
    const noOmega = new VirtualServer(spec());
    noOmega.evaluate(states({}));
    assert.equal(noOmega.omegaAtShutdown(), undefined);
  });

  it('compile reports unknown groups and a service claimed by two virtual servers', () => {
    const a = config({ name: 'a' });
    const b = config({ name: 'b' });
    const g = config({ name: 'g', group: 'nope' });
    delete (g as { address?: string }).address;
    const r = compileVirtualServers([a, b, g], {});
    assert.deepEqual(r.issues.map((i) => i.path).sort(), ['virtualServers[1]', 'virtualServers[2].group']);
  });
});

describe('quorum with hysteresis', () => {
  it('does not flap while the live weight hovers around the quorum', () => {
    const q = new QuorumTracker(4, 1);
    assert.deepEqual(q.observe(6), { changed: true, up: true });
    // 4 and 3 are inside [quorum - hysteresis, quorum + hysteresis): no change.
    assert.equal(q.observe(4).changed, false);
    assert.equal(q.observe(3).changed, false);
    assert.deepEqual(q.observe(2), { changed: true, up: false });
    assert.equal(q.observe(3).changed, false);
    assert.equal(q.observe(4).changed, false);
    assert.deepEqual(q.observe(5), { changed: true, up: true });
  });

  it('drives the sorry server across a flap of the real servers, end to end through the reconciler', async () => {
    const dp = new MemoryDataplane();
    const vs = new VirtualServer(spec({ quorum: 3, hysteresis: 1, sorryServer: { address: '198.51.100.50', weight: 1 } }, 4));
    let owned = new Set<string>();
    const step = async (m: Record<string, CheckView['state']>) => {
      const ev = vs.evaluate(states(m));
      const r = await reconcile(dp, ev.desired, owned);
      owned = new Set(r.owned);
      assert.deepEqual(r.remaining, []);
      const t = await readTable(dp);
      return { ev, dests: t[0]!.destinations.map((d) => d.address).sort() };
    };
    const s0 = await step({ c1: 'up', c2: 'up', c3: 'up', c4: 'up' });
    assert.equal(s0.ev.quorumChange?.up, true);
    assert.equal(s0.dests.length, 4);
    // Live weight 2 = quorum - hysteresis: still up.
    const s1 = await step({ c1: 'up', c2: 'up', c3: 'down', c4: 'down' });
    assert.equal(s1.ev.quorumChange, undefined);
    assert.deepEqual(s1.dests, ['198.51.100.21', '198.51.100.22']);
    // Live weight 1: down, the sorry server alone takes the traffic.
    const s2 = await step({ c1: 'up', c2: 'down', c3: 'down', c4: 'down' });
    assert.deepEqual(s2.ev.quorumChange, { up: false, liveWeight: 1 });
    assert.deepEqual(s2.dests, ['198.51.100.50']);
    // Live weight 3 = quorum, but below quorum + hysteresis: stays down.
    const s3 = await step({ c1: 'up', c2: 'up', c3: 'up', c4: 'down' });
    assert.equal(s3.ev.quorumChange, undefined);
    assert.deepEqual(s3.dests, ['198.51.100.50']);
    // Live weight 4: up again, the sorry server steps out.
    const s4 = await step({ c1: 'up', c2: 'up', c3: 'up', c4: 'up' });
    assert.deepEqual(s4.ev.quorumChange, { up: true, liveWeight: 4 });
    assert.deepEqual(s4.dests, ['198.51.100.21', '198.51.100.22', '198.51.100.23', '198.51.100.24']);
  });
});
