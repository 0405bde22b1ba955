// A VRRP instance tracking files (keepalived track_file) in the namespace lab:
// a maintenance file with weight 0 puts the master in Fault, a priority file
// with a weight lowers its priority by value × weight; the files are changed
// the way operators and editors change them (echo >, rename over).
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { VIP4, VrrpLab, advertsFrom, expectFailover, expectMaster, nowMs, PRIOS, skipHacore, startCluster } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();

test('track files: weight 0 non-zero is Fault, value × weight lowers the priority, and both recover', { skip, timeout: 45000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-trackfile-'));
  const lab = await VrrpLab.create('vtfl');
  try {
    const file = (r, n) => path.join(dir, `${r}-${n}`);
    for (const r of lab.routers) {
      writeFileSync(file(r, 'maint'), '0\n');
      writeFileSync(file(r, 'prio'), '0\n');
    }
    await startCluster(lab, PRIOS, {
      perRouter: (r) => ({
        instance: { track: { files: [{ name: 'maint', weight: 0 }, 'prio'] } },
        extra: { vrrpOptions: { files: { maint: { path: file(r, 'maint') }, prio: { path: file(r, 'prio'), weight: -30 } } } },
      }),
    });
    await expectMaster(lab, VIP4, 'r1');
    const cap = await lab.capture('trackfile');

    // An operator's `echo 1 > maint`: r1 goes to Fault (a priority-0 advert) and r2 takes over.
    let since = nowMs();
    writeFileSync(file('r1', 'maint'), '1\n');
    await expectFailover(lab, cap, VIP4, 'r2', { since });
    assert.ok((await advertsFrom(lab, cap.file, 'r1', { since })).some((p) => p.prio === 0), 'entering Fault sends a priority-0 advert');
    since = nowMs();
    writeFileSync(file('r1', 'maint'), '0\n');
    await expectFailover(lab, cap, VIP4, 'r1', { since, timeoutMs: 8000 });

    // An editor's replace by rename: 2 × -30 = -60, so r1 advertises 140 < 150 and r2 preempts.
    since = nowMs();
    writeFileSync(`${file('r1', 'prio')}.swp`, '2\n');
    renameSync(`${file('r1', 'prio')}.swp`, file('r1', 'prio'));
    await expectFailover(lab, cap, VIP4, 'r2', { since });
    const r1 = await advertsFrom(lab, cap.file, 'r1', { since });
    assert.ok(r1.some((p) => p.prio === 140), `r1 advertised 200 - 60 = 140 (saw ${[...new Set(r1.map((p) => p.prio))]})`);
    // Deleted: a missing file reads as 0, the priority is 200 again and r1 preempts back.
    since = nowMs();
    rmSync(file('r1', 'prio'));
    await expectFailover(lab, cap, VIP4, 'r1', { since, timeoutMs: 8000 });
    await cap.stop();
  } finally {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
