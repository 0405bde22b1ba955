// VRRPv2 (1 s adverts) with a simple password (auth type 1, as keepalived sends it), and a
// router with the wrong password, whose adverts everybody drops (and it drops theirs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VrrpLab, expectFailover, expectMaster, advertsFrom, nowMs, PRIOS, skipHacore, startCluster, waitFor } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();
const v2 = (password) => ({ instance: { version: 2, advertInterval: '1s', authentication: { type: 'PASS', password } } });

test('v2 with a password: election, adverts with auth type 1, failover', { skip, timeout: 40000 }, async () => {
  const lab = await VrrpLab.create('v2p');
  try {
    const cap = await lab.capture('v2');
    await startCluster(lab, PRIOS, { perRouter: () => v2('s3cret') });
    await expectMaster(lab, VIP4, 'r1');
    const ads = await advertsFrom(lab, cap.file, 'r1');
    assert.ok(ads.length >= 1);
    const last = ads.at(-1);
    assert.deepEqual(
      { version: last.version, interval: last.interval, authType: last.authType, authString: last.authString, prio: last.prio, checksum: last.checksumStatus },
      { version: 2, interval: 1000, authType: '1', authString: 's3cret', prio: 200, checksum: '1' },
    );
    const cutAt = nowMs();
    await lab.cut('r1');
    // Master_Down_Interval for priority 150 at 1 s: 3.41 s.
    await expectFailover(lab, cap, VIP4, 'r2', { since: cutAt, timeoutMs: 8000 });
    await cap.stop();
  } finally {
    await lab.destroy();
  }
});

/** Every numeric leaf of a JSON document whose path matches `re`, as [path, value]. */
function counters(doc, re, at = '') {
  if (doc === null || typeof doc !== 'object') return typeof doc === 'number' && re.test(at) ? [[at, doc]] : [];
  return Object.entries(doc).flatMap(([k, v]) => counters(v, re, `${at}.${k}`));
}

test('v2 with a wrong password: its adverts are dropped both ways and counted', { skip, timeout: 40000 }, async () => {
  const lab = await VrrpLab.create('v2w');
  try {
    const d = await startCluster(lab, { r1: 150, r2: 120, r3: 100 }, { perRouter: (r) => v2(r === 'r2' ? 'wrong' : 's3cret') });
    // r2 hears no valid master, so it becomes one too; r3 (right password) follows r1.
    await waitFor(async () => JSON.stringify(await lab.holders(VIP4)) === '["r1","r2"]', { timeoutMs: 10000, what: 'r1 and r2 both holding the VIP' });
    const st = await lab.hacoreStatus(d.r2);
    const auth = counters(st, /auth/i).filter(([, v]) => v > 0);
    assert.ok(auth.length > 0, `r2's status counts the adverts dropped for their password: ${JSON.stringify(counters(st, /drop|auth/i))}`);
    const st1 = await lab.hacoreStatus(d.r1);
    assert.ok(counters(st1, /auth/i).some(([, v]) => v > 0), 'r1 counts them too');
    assert.deepEqual(await lab.holders(VIP4), ['r1', 'r2']);
  } finally {
    await lab.destroy();
  }
});
