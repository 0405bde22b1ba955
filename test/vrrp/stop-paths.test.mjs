// Priority 0 on every way an instance stops (issue 18): `hacore stop` through the
// control socket and a reload that removes an instance both send the removed Master's
// priority-0 advert (seen in the client's capture), so the Backup takes over after its
// skew time, not after Master_Down_Interval; a reload leaves the kept instance alone.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { HACORE_CLI, ROOT, VIP4B } from '../lib/vrrp-lab.mjs';
import { VIP4, VrrpLab, advertsFrom, expectMaster, hacoreConfig, instance, nowMs, skipHacore } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();
const cli = (lab, d, cmd) => lab.lab.exec(d.router, process.execPath, [HACORE_CLI, cmd, '--config', d.files.config], { cwd: ROOT });

/** r2's first advert after r1's priority 0 for `vrid` in the capture, and the gap between them. */
async function takeover(lab, file, vrid, since) {
  const zero = (await advertsFrom(lab, file, 'r1', { vrid, since })).filter((p) => p.prio === 0);
  assert.ok(zero.length >= 1, `r1 sent a priority-0 advert for VRID ${vrid}`);
  const first = (await advertsFrom(lab, file, 'r2', { vrid, since: zero[0].t }))[0];
  assert.ok(first, `r2 advertised VRID ${vrid} after the priority 0`);
  return { zero: zero[0].t, took: first.t - zero[0].t };
}

test('hacore stop and a reload that removes an instance send priority 0 first', { skip, timeout: 60000 }, async () => {
  const lab = await VrrpLab.create('vstp', { routers: 2 });
  try {
    const both = (p) => [instance({ priority: p }), instance({ name: 'VI_2', vrid: 52, priority: p, virtualAddresses: [`${VIP4B}/24`] })];
    await lab.startEchoServer('r1', [VIP4, VIP4B]);
    await lab.startEchoServer('r2', [VIP4, VIP4B]);
    const d1 = await lab.startHacore('r1', hacoreConfig(both(150)));
    await lab.startHacore('r2', hacoreConfig(both(100)));
    await expectMaster(lab, VIP4, 'r1');
    await expectMaster(lab, VIP4B, 'r1');
    const cap = await lab.capture('stops', 'proto 112');

    // A reload without VI_2: its priority 0 leaves, r2 takes VIP4B after skew (61 ms at priority 100), VI_1 stays.
    const next = JSON.parse(await readFile(d1.files.config, 'utf8'));
    next.vrrp.instances = next.vrrp.instances.filter((i) => i.name !== 'VI_2');
    await writeFile(d1.files.config, JSON.stringify(next));
    const reloadAt = nowMs();
    await cli(lab, d1, 'reload');
    await expectMaster(lab, VIP4B, 'r2', { timeoutMs: 5000 });
    const r = await takeover(lab, cap.file, 52, reloadAt);
    assert.ok(r.took < 250, `r2 took VRID 52 ${r.took.toFixed(1)} ms after the priority 0 (skew 61 ms, Master_Down 361 ms)`);
    assert.equal((await advertsFrom(lab, cap.file, 'r1', { vrid: 51, since: reloadAt })).filter((p) => p.prio === 0).length, 0, 'the kept VI_1 sent no priority 0');
    assert.deepEqual(await lab.holders(VIP4), ['r1']);

    // hacore stop: r1's VI_1 says goodbye, r2 takes VIP4 after skew.
    const stopAt = nowMs();
    await cli(lab, d1, 'stop');
    await expectMaster(lab, VIP4, 'r2', { timeoutMs: 5000 });
    const s = await takeover(lab, cap.file, 51, stopAt);
    assert.ok(s.took < 250, `r2 took VRID 51 ${s.took.toFixed(1)} ms after the priority 0`);
    await cap.stop();
    // For the record (not asserted: the CLI's own start-up is most of it).
    process.stdout.write(`# reload -> priority 0: ${(r.zero - reloadAt).toFixed(1)} ms; hacore stop -> priority 0: ${(s.zero - stopAt).toFixed(1)} ms (both from the CLI's start)\n`);
  } finally {
    await lab.destroy();
  }
});
