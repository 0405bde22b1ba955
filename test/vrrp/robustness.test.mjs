// Where hacore must do better than keepalived 2.2.7 (issue 5):
// - a trickle of invalid adverts for the VRID (bad checksum, TTL 1) never touches a timer:
//   the master keeps its cadence and the backup never flaps;
// - a valid lower-priority advert gets at most one advert in answer per interval, and with it one GARP burst;
//   one that comes inside the window is answered when the window ends.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, advertsFrom, announcements, expectMaster, inject, nowMs, skipHacore, sleep, startCluster, watchHolders } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

function counters(doc, re, at = '') {
  if (doc === null || typeof doc !== 'object') return typeof doc === 'number' && re.test(at) ? [[at, doc]] : [];
  return Object.entries(doc).flatMap(([k, v]) => counters(v, re, `${at}.${k}`));
}

test('invalid adverts (bad checksum, TTL 1) neither silence the master nor wake the backup', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vin');
  try {
    const d = await startCluster(lab, { r1: 150, r2: 120 });
    await expectMaster(lab, VIP4, 'r1');
    const cap = await lab.capture('invalid', 'vrrp');
    const t0 = nowMs();
    // 20 invalid packets a second for 3 s, claiming priority 200: any of them taken in would
    // make r1 yield; any of them restarting r1's advert timer would make r2 take over.
    const watch = watchHolders(lab, VIP4);
    const common = { vrid: 51, prio: 200, version: 3, interval: 100, vips: VIP4, count: 30, every: 100 };
    await Promise.all([inject(lab, { ...common, bad: 'checksum' }), sleep(50).then(() => inject(lab, { ...common, bad: 'ttl' }))]);
    const holders = await watch.stop();
    const t1 = nowMs();
    await sleep(100);
    assert.deepEqual([...new Set(holders)], ['r1'], 'r1 alone held the VIP all along');
    assert.equal((await advertsFrom(lab, cap.file, 'r2', { since: t0 })).length, 0, 'r2 never advertised');
    const r1 = (await advertsFrom(lab, cap.file, 'r1', { since: t0 })).filter((p) => p.t <= t1);
    const gaps = r1.slice(1).map((p, i) => p.t - r1[i].t);
    assert.ok(r1.length >= 25, `r1 kept advertising (${r1.length} adverts in ${Math.round(t1 - t0)} ms)`);
    assert.ok(Math.max(...gaps) < 250, `r1's longest advert gap ${Math.round(Math.max(...gaps))} ms (interval 100 ms)`);
    assert.ok(r1.every((p) => p.prio === 150), 'r1 still advertises priority 150');
    const st = await lab.hacoreStatus(d.r1);
    assert.ok(counters(st, /checksum/i).some(([, v]) => v >= 30), `bad checksums counted: ${JSON.stringify(counters(st, /drop|checksum|ttl/i))}`);
    assert.ok(counters(st, /ttl|hop/i).some(([, v]) => v >= 30), `TTL 1 counted: ${JSON.stringify(counters(st, /drop|checksum|ttl/i))}`);
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

test('a lower-priority advert gets at most one advert in answer per interval, and one GARP burst with it; one inside the window is answered when it ends', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('vlo');
  try {
    // 1 s adverts so that an answer stands out from the regular cadence.
    const d = await startCluster(lab, { r1: 150, r2: 120 }, { perRouter: () => ({ instance: { advertInterval: '1s' } }) });
    await expectMaster(lab, VIP4, 'r1');
    await sleep(1200); // past the first GARP burst
    const cap = await lab.capture('lower', 'vrrp or arp');
    const count = async () => {
      const i = (await lab.hacoreStatus(d.r1)).vrrp?.vrrp?.instances?.[0]?.counters ?? {};
      return { sent: i.answersSent, suppressed: i.answersSuppressed, deferred: i.answersDeferred, garp: i.garpSent };
    };
    // Until no answer is pending: the answer counter has not moved for more than one window (1 s).
    const settled = async () => {
      let last = await count();
      let since = nowMs();
      while (nowMs() - since < 1150) {
        await sleep(50);
        const c = await count();
        if (c.sent !== last.sent) since = nowMs();
        last = c;
      }
      return last;
    };
    await sleep(1100);
    const c0 = await count();
    const t0 = nowMs();
    // Five single lower-priority adverts 400 ms apart, then (once no answer is pending) a burst
    // of ten within 50 ms.
    const single = (await inject(lab, { vrid: 51, prio: 50, version: 3, interval: 1000, vips: VIP4, count: 5, every: 400 }))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).t);
    const c1 = await settled();
    const burst = (await inject(lab, { vrid: 51, prio: 50, version: 3, interval: 1000, vips: VIP4, count: 10, every: 5 }))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).t);
    const c2 = await settled();
    await sleep(100); // the last answer's GARPs into the capture
    const all = await advertsFrom(lab, cap.file, 'r1');
    const r1 = all.filter((p) => p.t >= t0);
    // Tell answers from the regular 1 s adverts: a regular one comes about a whole interval
    // after the previous regular one (the capture ran 1.1 s before the first injection, so
    // the cadence is known), or on the cadence that ran before.
    // 100 ms before the first injection: the answer to it can carry a timestamp a few ms before the
    // injector's own (two processes' clocks).
    const ref = all.filter((p) => p.t < single[0] - 100).at(-1)?.t;
    let lastRegular = ref;
    const answered = [];
    for (const p of all.filter((x) => ref !== undefined && x.t > ref)) {
      const gap = p.t - lastRegular;
      const slot = Math.abs(((p.t - ref + 500) % 1000) - 500);
      // On the cadence but right after a regular one is an answer that fell near the cadence (a window's end can).
      if ((gap >= 900 && gap <= 1100) || (slot <= 60 && gap >= 900)) lastRegular = p.t;
      else answered.push(p);
    }
    assert.ok(ref !== undefined, 'a regular advert before the injections');
    const where = `(adverts at ${r1.map((p) => Math.round(p.t - t0))} ms, injected at ${single.map((t) => Math.round(t - t0))} and ${Math.round(burst[0] - t0)} ms; counters ${JSON.stringify([c0, c1, c2])})`;
    const gapsOk = answered.slice(1).every((p, i) => p.t - answered[i].t >= 950);
    assert.ok(gapsOk, `answers at least an interval apart: ${answered.map((p) => Math.round(p.t - t0))} ${where}`);
    // The five singles over 1.6 s: the first answered at once, the rest inside windows, each
    // window's answered when it ends: 2 or 3 answers, one or two of them deferred.
    const sent1 = c1.sent - c0.sent;
    const deferred1 = c1.deferred - c0.deferred;
    assert.ok(sent1 >= 2 && sent1 <= 3, `answers to the five single adverts: ${sent1} ${where}`);
    assert.ok(deferred1 >= 1 && deferred1 === sent1 - 1, `all but the first deferred: ${deferred1} ${where}`);
    // The burst, with no answer pending: one at once, one at the end of its window, no more.
    assert.equal(c2.sent - c1.sent, 2, `a burst of 10 drew an answer at once and one when the window ended ${where}`);
    assert.equal(c2.deferred - c1.deferred, 1, `one of them deferred ${where}`);
    assert.ok(c2.suppressed - c1.suppressed >= 9, `the burst's other adverts are suppressed ${where}`);
    const inBurst = r1.filter((p) => p.t > burst[0] && p.t <= burst.at(-1) + 100).length;
    assert.ok(inBurst <= 2, `a burst of 10 lower-priority adverts drew ${inBurst} adverts on the wire ${where}`);
    const late = answered.filter((p) => p.t > burst.at(-1) + 100);
    assert.equal(late.length, 1, `one advert when the window ended ${where}`);
    assert.ok(late[0].t - burst[0] >= 900 && late[0].t - burst[0] <= 1200, `the deferred answer ${Math.round(late[0].t - burst[0])} ms after the burst (window 1 s) ${where}`);
    const garps = (await announcements(cap.file)).filter((a) => a.mac === lab.mac('r1'));
    // Each answer carries one burst of garpRepeat (5) GARPs and no second burst: after a split
    // brain the loser's neighbours learn the winner again (docs/vrrp.md).
    const answersSent = c2.sent - c0.sent;
    assert.equal(garps.length, 5 * answersSent, `5 GARPs per answer (${answersSent} answers) ${where}`);
    assert.equal(c2.garp - c0.garp, 5 * answersSent, `garpSent counts them ${where}`);
    assert.deepEqual(await lab.holders(VIP4), ['r1']);
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});
