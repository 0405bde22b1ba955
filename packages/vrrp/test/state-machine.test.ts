import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { masterDownIntervalMs, skewTimeMs, VrrpParamsError, VrrpStateMachine } from '../src/state-machine.js';
import type { VrrpInstanceParams } from '../src/state-machine-types.js';
import { Net } from './sim.js';
import type { Router } from './sim.js';

const skew2 = (p: number): number => ((256 - p) * 1000) / 256;
const mdi2 = (p: number): number => 3000 + skew2(p);
const start = (net: Net, r: Router, t = 0): void => net.at(t, () => r.input({ type: 'startup' }));
const transitionsOf = (r: Router): string[] => r.transitions.map((x) => `${x.from}>${x.to}@${x.t}:${x.reason}`);

describe('timer formulas', () => {
  it('v2: skew = (256 - prio)/256 s, MDI = 3 * interval + skew', () => {
    assert.equal(skewTimeMs(2, 150, 1000), 414.0625);
    assert.equal(skewTimeMs(2, 150, 3000), 414.0625, 'v2 skew does not scale with the interval');
    assert.equal(masterDownIntervalMs(2, 100, 1000), 3609.375);
    assert.equal(masterDownIntervalMs(2, 100, 2000), 6609.375);
  });
  it('v3: skew = ((256 - prio) * MAI)/256, MDI = 3 * MAI + skew', () => {
    assert.equal(skewTimeMs(3, 150, 1000), 414.0625);
    assert.equal(skewTimeMs(3, 100, 100), 60.9375);
    assert.equal(masterDownIntervalMs(3, 100, 100), 360.9375);
    assert.equal(masterDownIntervalMs(3, 255, 20), 60.078125);
  });
  it('rejects parameters the protocol cannot run with, with a coded error', () => {
    const ok: VrrpInstanceParams = { name: 'vi', vrid: 1, version: 3, family: 4, priority: 100, advertIntervalMs: 1000, preempt: true, preemptDelayMs: 0, primaryAddress: '10.0.0.1' };
    assert.doesNotThrow(() => new VrrpStateMachine(ok));
    // Timers follow the wire: v2 carries whole seconds (keepalived rounds 0.1 s to 1 s), v3 centiseconds.
    const v2 = new VrrpStateMachine({ ...ok, version: 2, advertIntervalMs: 100 });
    assert.equal(v2.snapshot().advertIntervalMs, 1000);
    assert.deepEqual(v2.handle({ type: 'startup' })[0], { type: 'setTimer', timer: 'masterDown', ms: masterDownIntervalMs(2, 100, 1000) });
    assert.equal(new VrrpStateMachine({ ...ok, advertIntervalMs: 1234 }).snapshot().advertIntervalMs, 1230);
    for (const bad of [{ vrid: 0 }, { priority: 0 }, { advertIntervalMs: 41_000 }, { version: 2 as const, advertIntervalMs: 256_000 }, { priority: 256 }, { advertIntervalMs: 0 }, { version: 2 as const, family: 6 as const, primaryAddress: 'fe80::1' }, { primaryAddress: 'fe80::1' }, { preemptDelayMs: -1 }]) {
      assert.throws(() => new VrrpStateMachine({ ...ok, ...bad }), (e: unknown) => e instanceof VrrpParamsError && e.code === 'HACORE_ERR_VRRP_PARAMS');
    }
  });
});

interface Scenario {
  name: string;
  run: () => void;
}

const scenarios: Scenario[] = [
  {
    name: 'election by priority: the highest priority becomes Master after its Master_Down_Interval, alone',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 150 });
      const c = net.add({ name: 'c', address: '198.51.100.13', priority: 50 });
      for (const r of [a, b, c]) start(net, r);
      net.run(20_000);
      assert.deepEqual(net.masters(), [b]);
      assert.deepEqual(net.vipHolders(), [b]);
      assert.deepEqual(transitionsOf(b), ['INIT>BACKUP@0:startup', `BACKUP>MASTER@${mdi2(150)}:master-down`]);
      assert.deepEqual(transitionsOf(a), ['INIT>BACKUP@0:startup']);
      assert.deepEqual(transitionsOf(c), ['INIT>BACKUP@0:startup']);
      assert.ok(b.advertGaps().every((g) => g === 1000), 'Master adverts exactly every interval');
      assert.equal(a.accepted, b.sent.length);
    },
  },
  {
    name: 'tie on priority: the higher primary IPv4 address wins, the other steps down',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
      start(net, a);
      start(net, b);
      net.run(20_000);
      assert.deepEqual(net.masters(), [b]);
      assert.deepEqual(net.vipHolders(), [b]);
      // Both timers expire together, both go Master, then a hears b's equal-priority advert.
      assert.deepEqual(transitionsOf(a), ['INIT>BACKUP@0:startup', `BACKUP>MASTER@${mdi2(100)}:master-down`, `MASTER>BACKUP@${mdi2(100)}:equal-priority-higher-address`]);
    },
  },
  {
    name: 'tie on priority over IPv6: addresses compare as numbers (fe80::10 > fe80::9), not as text',
    run: () => {
      const net = new Net(6);
      const a = net.add({ name: 'a', address: 'fe80::9', priority: 100, advertIntervalMs: 100 });
      const b = net.add({ name: 'b', address: 'fe80::10', priority: 100, advertIntervalMs: 100 });
      start(net, a);
      start(net, b);
      net.run(5_000);
      assert.deepEqual(net.masters(), [b]);
      assert.deepEqual(net.vipHolders(), [b]);
    },
  },
  {
    name: 'owner (priority 255) goes Master at startup at once: advert, VIPs, announce, then transition',
    run: () => {
      const net = new Net();
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 150 });
      const o = net.add({ name: 'owner', address: '198.51.100.1', priority: 255 });
      start(net, b);
      start(net, o, 5000);
      net.run(5000);
      // b steps down at once, with one last advert at its priority, which the owner answers.
      const [first, answer] = o.actionLog;
      assert.equal(o.actionLog.length, 2);
      assert.deepEqual(answer?.actions, [{ type: 'sendAdvert', priority: 255 }, { type: 'reannounce' }]);
      assert.deepEqual(first?.actions, [
        { type: 'sendAdvert', priority: 255 },
        { type: 'addVips' },
        { type: 'announce' },
        { type: 'setTimer', timer: 'advert', ms: 1000 },
        { type: 'transition', from: 'INIT', to: 'MASTER', reason: 'startup-owner' },
      ]);
      net.run(20_000);
      assert.deepEqual(net.masters(), [o]);
      assert.deepEqual(net.vipHolders(), [o]);
      assert.equal(b.transitions.at(-1)?.reason, 'higher-priority');
      assert.equal(b.transitions.at(-1)?.t, 5000);
    },
  },
  {
    name: 'graceful stop: the Master sends priority 0, the best Backup takes over after Skew_Time only',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 150 });
      const c = net.add({ name: 'c', address: '198.51.100.13', priority: 50 });
      for (const r of [a, b, c]) start(net, r);
      net.at(10_000, () => b.input({ type: 'shutdown' }));
      net.run(30_000);
      const stop = b.actionLog.find((l) => l.t === 10_000);
      assert.deepEqual(stop?.actions, [
        { type: 'clearTimer', timer: 'advert' },
        { type: 'sendAdvert', priority: 0 },
        { type: 'removeVips' },
        { type: 'transition', from: 'MASTER', to: 'INIT', reason: 'shutdown' },
      ]);
      assert.deepEqual(a.transitions.at(-1), { t: 10_000 + skew2(100), from: 'BACKUP', to: 'MASTER', reason: 'master-down' });
      assert.deepEqual(transitionsOf(c), ['INIT>BACKUP@0:startup'], 'c (longer skew) hears a first');
      assert.deepEqual(net.masters(), [a]);
      assert.deepEqual(net.vipHolders(), [a]);
    },
  },
  {
    name: 'network cut of the Master: the Backup takes over exactly Master_Down_Interval after the last advert',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 150 });
      start(net, a);
      start(net, b);
      net.at(10_000, () => (b.linkUp = false));
      net.run(30_000);
      const last = b.sent.filter((s) => s.t < 10_000).at(-1)?.t ?? NaN;
      assert.deepEqual(a.transitions.at(-1), { t: last + mdi2(100), from: 'BACKUP', to: 'MASTER', reason: 'master-down' });
    },
  },
  {
    name: 'preempt: a higher-priority router joining later discards the lower Master\'s adverts and takes over after MDI',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 150 });
      start(net, a);
      start(net, b, 5000);
      net.run(30_000);
      assert.deepEqual(transitionsOf(b), ['INIT>BACKUP@5000:startup', `BACKUP>MASTER@${5000 + mdi2(150)}:master-down`]);
      assert.deepEqual(a.transitions.at(-1), { t: 5000 + mdi2(150), from: 'MASTER', to: 'BACKUP', reason: 'higher-priority' });
      assert.equal(a.vipsHeld, false);
      assert.deepEqual(net.vipHolders(), [b]);
      assert.ok(b.accepted > 0, 'the lower Master\'s adverts were valid...');
      assert.equal(b.actionLog.filter((l) => l.t < 5000 + mdi2(150)).length, 1, '...and discarded by the preempting Backup: no action but startup until takeover');
    },
  },
  {
    name: 'nopreempt: a higher-priority Backup leaves the lower-priority Master alone',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 150, preempt: false });
      start(net, a);
      start(net, b, 5000);
      net.run(120_000);
      assert.deepEqual(net.masters(), [a]);
      assert.deepEqual(transitionsOf(b), ['INIT>BACKUP@5000:startup']);
      // ...but still takes over when the Master goes.
      net.at(130_000, () => a.input({ type: 'shutdown' }));
      net.run(140_000);
      assert.deepEqual(net.masters(), [b]);
    },
  },
  {
    name: 'preemptDelay: the Backup tolerates the lower Master for preemptDelay from the first advert heard, then takes over',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 150, preemptDelayMs: 10_000 });
      start(net, a);
      start(net, b, 5000);
      net.run(60_000);
      const firstHeard = a.sent.find((s) => s.t >= 5000)?.t ?? NaN;
      assert.deepEqual(transitionsOf(b), ['INIT>BACKUP@5000:startup', `BACKUP>MASTER@${firstHeard + 10_000}:preempt-delay`]);
      assert.deepEqual(net.masters(), [b]);
      assert.ok(b.accepted >= 10, 'the lower Master was accepted during the delay');
    },
  },
  {
    name: 'preemptDelay is cancelled when a higher-or-equal Master appears during the wait',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 150, preemptDelayMs: 10_000 });
      const c = net.add({ name: 'c', address: '198.51.100.13', priority: 200 });
      start(net, a);
      start(net, b, 5000);
      start(net, c, 7000);
      net.run(60_000);
      assert.deepEqual(net.masters(), [c]);
      assert.deepEqual(transitionsOf(b), ['INIT>BACKUP@5000:startup']);
      assert.equal(b.sm.snapshot().preemptPending, false);
    },
  },
  {
    name: 'v3: a Backup learns the Master\'s interval (100 ms); takeover after 3 * 100 ms + skew, not 3 s',
    run: () => {
      const net = new Net(4);
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 200, version: 3, advertIntervalMs: 100 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100, version: 3, advertIntervalMs: 1000 });
      start(net, a);
      start(net, b);
      net.run(4999);
      assert.equal(b.sm.masterAdverIntervalMs, 100);
      assert.equal(b.sm.masterDownIntervalMs, 360.9375);
      assert.ok(b.warnings.includes('intervalMismatch'), 'accepted, and reported');
      net.at(5000, () => (a.linkUp = false));
      net.run(10_000);
      const last = a.sent.filter((s) => s.t < 5000).at(-1)?.t ?? NaN;
      assert.deepEqual(b.transitions.at(-1), { t: last + 360.9375, from: 'BACKUP', to: 'MASTER', reason: 'master-down' });
      assert.ok(b.advertGaps(last + 361).every((g) => g === 1000), 'as Master it sends at its own interval');
    },
  },
  {
    name: 'v2: an advert with another interval is dropped (RFC 3768 7.1), counted, and never reaches the machine',
    run: () => {
      const net = new Net(4);
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 200, version: 2, advertIntervalMs: 1000 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100, version: 2, advertIntervalMs: 2000 });
      start(net, a);
      start(net, b);
      net.run(10_000);
      assert.ok(b.drops.interval > 0);
      assert.equal(b.accepted, 0);
      assert.equal(b.state, 'MASTER', 'misconfigured intervals split the cluster, as the RFC implies');
    },
  },
  {
    name: 'v2 with a password: a wrong password is dropped as auth, the right one elects',
    run: () => {
      const net = new Net(4);
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 200, auth: { type: 'pass', password: 'secret1' } });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100, auth: { type: 'pass', password: 'secret1' } });
      const c = net.add({ name: 'c', address: '198.51.100.13', priority: 50, auth: { type: 'pass', password: 'wrong' } });
      for (const r of [a, b, c]) start(net, r);
      net.run(10_000);
      assert.deepEqual(net.masters().map((r) => r.spec.name).sort(), ['a', 'c']);
      assert.equal(b.state, 'BACKUP');
      assert.ok(c.drops.auth > 0 && b.drops.auth > 0);
    },
  },
  {
    name: 'fault: a Master whose interface goes down sends priority 0, drops the VIPs; back to Backup when it returns',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
      start(net, a);
      start(net, b);
      net.at(10_000, () => a.input({ type: 'fault', on: true, reason: 'eth0 down' }));
      net.at(20_000, () => a.input({ type: 'fault', on: false, reason: 'eth0 up' }));
      net.run(40_000);
      assert.deepEqual(a.actionLog.find((l) => l.t === 10_000)?.actions, [
        { type: 'clearTimer', timer: 'advert' },
        { type: 'sendAdvert', priority: 0 },
        { type: 'removeVips' },
        { type: 'transition', from: 'MASTER', to: 'FAULT', reason: 'fault: eth0 down' },
      ]);
      assert.deepEqual(b.transitions.find((x) => x.t >= 10_000), { t: 10_000 + skew2(100), from: 'BACKUP', to: 'MASTER', reason: 'master-down' });
      assert.deepEqual(transitionsOf(a).slice(-2), [`FAULT>BACKUP@20000:fault-cleared: eth0 up`, `BACKUP>MASTER@${20_000 + mdi2(150)}:master-down`]);
      assert.deepEqual(net.vipHolders(), [a]);
    },
  },
  {
    name: 'fault: adverts and timers are ignored in FAULT; a fault at startup starts in FAULT',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
      net.at(0, () => a.input({ type: 'fault', on: true, reason: 'eth0 down' }));
      start(net, a);
      start(net, b);
      net.run(30_000);
      assert.deepEqual(transitionsOf(a), ['INIT>FAULT@0:fault: eth0 down']);
      assert.deepEqual(a.sent, []);
      assert.deepEqual(net.masters(), [b]);
      assert.deepEqual(a.timers.size, 0);
    },
  },
  {
    name: 'tracking: effective priority <= 0 is FAULT; a lowered priority is advertised at once and the Backup preempts',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
      start(net, a);
      start(net, b);
      net.at(10_000, () => a.input({ type: 'priority', effective: 50 }));
      net.run(10_000);
      assert.deepEqual(a.actionLog.at(-1)?.actions, [
        { type: 'sendAdvert', priority: 50 },
        { type: 'setTimer', timer: 'advert', ms: 1000 },
      ]);
      net.run(30_000);
      const lastAccepted = a.sent.filter((s) => s.priority === 150).at(-1)?.t ?? NaN;
      assert.deepEqual(b.transitions.at(-1), { t: lastAccepted + mdi2(100), from: 'BACKUP', to: 'MASTER', reason: 'master-down' });
      assert.equal(a.state, 'BACKUP');
      net.at(40_000, () => b.input({ type: 'priority', effective: 0 }));
      net.run(60_000);
      assert.equal(b.state, 'FAULT');
      assert.deepEqual(b.sent.filter((s) => s.t >= 40_000).map((s) => [s.t, s.priority]), [[40_000, 0]], 'one priority-0 advert on entering FAULT');
      assert.deepEqual(net.masters(), [a]);
      net.at(70_000, () => b.input({ type: 'priority', effective: 100 }));
      net.run(80_000);
      assert.deepEqual(transitionsOf(b).slice(-2), [
        'FAULT>BACKUP@70000:fault-cleared: effective priority 100',
        `BACKUP>MASTER@${70_000 + mdi2(100)}:master-down`,
      ], 'out of FAULT into Backup, then it preempts a (still at 50)');
    },
  },
  {
    name: 'a Master hearing priority 0 answers at once and restarts its advert timer',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      start(net, a);
      net.run(5000);
      const bytes = a.encode(0);
      // a second router's priority-0 advert, from another address
      const other = new Net().add({ name: 'x', address: '198.51.100.99', priority: 100 }).encode(0);
      assert.ok(bytes.length === other.length);
      net.inject(5500, other, '198.51.100.99');
      net.run(5500);
      assert.deepEqual(a.actionLog.at(-1), { t: 5500, actions: [{ type: 'sendAdvert', priority: 150 }, { type: 'setTimer', timer: 'advert', ms: 1000 }] });
      net.run(8000);
      assert.deepEqual(a.sent.filter((s) => s.t > 5500).map((s) => s.t), [6500, 7500]);
    },
  },
  {
    name: 'a Master answers lower-priority adverts with one advert and one GARP/NA burst per interval at most',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      start(net, a);
      const rogue = new Net().add({ name: 'rogue', address: '198.51.100.99', priority: 100 });
      for (let i = 0; i < 20; i++) net.inject(10_000 + i * 100, rogue.encode(100), '198.51.100.99');
      net.run(12_500);
      const periodic = (t: number): boolean => (t - mdi2(150)) % 1000 === 0;
      const answers = a.sent.filter((s) => s.t >= 10_000 && !periodic(s.t)).map((s) => s.t);
      assert.deepEqual(answers, [10_000, 11_000, 12_000], 'answered at once, then once a window while they come, and once when the last window ends');
      assert.equal(a.sm.snapshot().answersSent, 3);
      assert.equal(a.sm.snapshot().answersSuppressed + a.sm.snapshot().answersSent - a.sm.snapshot().answersDeferred, 20, 'every advert answered at once or suppressed');
      assert.equal(a.announces.length, 1, 'the full GARP/NA bursts only on becoming Master');
      assert.deepEqual(a.reannounces, [10_000, 11_000, 12_000], 'one GARP/NA burst with each answer');
      assert.equal(a.state, 'MASTER');
    },
  },
  {
    name: 'a lower-priority advert inside the answer window is answered once when the window ends (a short takeover must not have the last word)',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      start(net, a);
      const rogue = new Net().add({ name: 'rogue', address: '198.51.100.99', priority: 100 });
      net.inject(10_000, rogue.encode(100), '198.51.100.99');
      // A Backup that took over and will step down: its advert (and GARP/NA) 300 ms into the window.
      net.inject(10_300, rogue.encode(100), '198.51.100.99');
      net.run(13_000);
      assert.deepEqual(a.reannounces, [10_000, 11_000], 'answered at once, then once at the end of the window, not again');
      assert.equal(a.sm.snapshot().answersDeferred, 1);
      assert.equal(a.sm.snapshot().answersSuppressed, 1);
    },
  },
  {
    name: 'a Master that steps down drops its pending answer',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      start(net, a);
      const rogue = new Net().add({ name: 'rogue', address: '198.51.100.99', priority: 100 });
      const winner = new Net().add({ name: 'winner', address: '198.51.100.98', priority: 200 });
      net.inject(10_000, rogue.encode(100), '198.51.100.99');
      net.inject(10_300, rogue.encode(100), '198.51.100.99');
      net.inject(10_500, winner.encode(200), '198.51.100.98');
      net.run(13_000);
      assert.equal(a.state, 'BACKUP');
      assert.deepEqual(a.reannounces, [10_000], 'no answer after stepping down');
      assert.equal(a.sm.snapshot().answersDeferred, 0);
    },
  },
  {
    name: 'split brain heals: after a partition the lower Master steps down on the first advert it hears',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
      a.linkUp = false;
      start(net, a);
      start(net, b);
      net.run(10_000);
      assert.equal(net.masters().length, 2);
      // Heal just after a's next advert (1 s after its last), so that b speaks first and a hears it
      // (the other order is the next test).
      const heal = (a.sent.at(-1)?.t ?? 0) + 1000 + 1;
      net.at(heal, () => (a.linkUp = true));
      net.run(12_000);
      assert.deepEqual(net.masters(), [a]);
      assert.deepEqual(net.vipHolders(), [a]);
      // b's GARPs were the neighbours' last word: a wins them back on hearing b.
      const bSpoke = b.sent.find((x) => x.t >= heal)?.t;
      // b's last advert as it steps down falls inside a's answer window: answered once more when
      // the window ends (a cannot tell it from a short takeover's last word).
      assert.deepEqual(a.reannounces, [bSpoke, bSpoke! + 1000]);
    },
  },
  {
    name: 'split brain heals when the winner speaks first: the loser steps down with one last advert, which the winner answers with GARP/NA',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      const b = net.add({ name: 'b', address: '198.51.100.12', priority: 100 });
      a.linkUp = false;
      start(net, a);
      start(net, b);
      net.run(10_000);
      // Heal just before a's next advert: b hears a first.
      const aNext = (a.sent.at(-1)?.t ?? 0) + 1000;
      net.at(aNext - 1, () => (a.linkUp = true));
      net.run(12_000);
      assert.deepEqual(net.masters(), [a]);
      const down = b.actionLog.find((l) => l.t === aNext);
      assert.deepEqual(down?.actions.slice(0, 1), [{ type: 'sendAdvert', priority: 100 }], 'b says its last word');
      assert.deepEqual(a.reannounces, [aNext], 'a answers it at once with GARP/NA');
    },
  },
  {
    name: 'sync group: force BACKUP moves a Master to Backup, force FAULT holds it until BACKUP is forced again',
    run: () => {
      const net = new Net();
      const a = net.add({ name: 'a', address: '198.51.100.11', priority: 150 });
      start(net, a);
      net.run(5000);
      assert.deepEqual(a.input({ type: 'force', state: 'BACKUP', reason: 'VI_2 went BACKUP' }), [
        { type: 'clearTimer', timer: 'advert' },
        { type: 'removeVips' },
        { type: 'setTimer', timer: 'masterDown', ms: mdi2(150) },
        { type: 'transition', from: 'MASTER', to: 'BACKUP', reason: 'sync-group: VI_2 went BACKUP' },
      ]);
      assert.deepEqual(a.input({ type: 'force', state: 'FAULT', reason: 'VI_2 fault' }), [
        { type: 'clearTimer', timer: 'masterDown' },
        { type: 'transition', from: 'BACKUP', to: 'FAULT', reason: 'sync-group: VI_2 fault' },
      ]);
      assert.deepEqual(a.input({ type: 'fault', on: false, reason: 'unrelated' }), [], 'still forced');
      assert.deepEqual(a.input({ type: 'force', state: 'BACKUP', reason: 'VI_2 recovered' }), [
        { type: 'setTimer', timer: 'masterDown', ms: mdi2(150) },
        { type: 'transition', from: 'FAULT', to: 'BACKUP', reason: 'sync-group: VI_2 recovered' },
      ]);
    },
  },
  {
    name: 'stale or unarmed timers are ignored; inputs before startup change nothing but state',
    run: () => {
      const sm = new VrrpStateMachine({ name: 'vi', vrid: 1, version: 3, family: 4, priority: 100, advertIntervalMs: 1000, preempt: true, preemptDelayMs: 0, primaryAddress: '10.0.0.1' }, { now: () => 0 });
      assert.deepEqual(sm.handle({ type: 'timer', timer: 'masterDown' }), []);
      assert.deepEqual(sm.handle({ type: 'advert', advert: { source: '10.0.0.2', priority: 200, advertIntervalMs: 1000 } }), []);
      assert.deepEqual(sm.handle({ type: 'priority', effective: 120 }), []);
      assert.equal(sm.state, 'INIT');
      const up = sm.handle({ type: 'startup' });
      assert.deepEqual(up, [
        { type: 'setTimer', timer: 'masterDown', ms: masterDownIntervalMs(3, 120, 1000) },
        { type: 'transition', from: 'INIT', to: 'BACKUP', reason: 'startup' },
      ]);
      assert.deepEqual(sm.handle({ type: 'startup' }), [], 'startup twice is a no-op');
      assert.deepEqual(sm.handle({ type: 'timer', timer: 'advert' }), [], 'not armed');
      assert.deepEqual(sm.handle({ type: 'timer', timer: 'preempt' }), [], 'not armed');
      assert.equal(sm.state, 'BACKUP');
      assert.deepEqual(sm.handle({ type: 'shutdown' }), [
        { type: 'clearTimer', timer: 'masterDown' },
        { type: 'transition', from: 'BACKUP', to: 'INIT', reason: 'shutdown' },
      ]);
      assert.deepEqual(sm.handle({ type: 'timer', timer: 'masterDown' }), [], 'cleared by shutdown');
      assert.deepEqual(sm.handle({ type: 'shutdown' }), []);
    },
  },
];

describe('state machine: RFC 5798 / RFC 3768 scenarios on a fake clock (codec and validation in the loop)', () => {
  for (const s of scenarios) it(s.name, s.run);
});
