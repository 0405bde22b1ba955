// The whole daemon (supervisor with bfd, vrrp and check children) in a namespace,
// against FRR's bfdd in another: a VRRP instance tracking the BFD session (weight 0)
// goes to FAULT within the detection time when bfdd dies (SIGKILL: it sends nothing
// more), and back to MASTER when bfdd runs again; a `type: bfd` check follows the same
// session. The time from the kill to FAULT crosses two processes (bfd -> supervisor
// -> vrrp), so it is the figure an operator gets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HacoreProcess } from '../lib/daemon.mjs';
import { createBfdLab } from '../lib/bfd-lab.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let lab;
let NS_H, IF_H;
let daemon;

const isFault = (r) => typeof r.msg === 'string' && r.msg.startsWith('VI_BFD:') && r.to === 'FAULT';
const isMaster = (r) => typeof r.msg === 'string' && r.msg.startsWith('VI_BFD:') && r.to === 'MASTER';
const checkIs = (to) => (r) => r.check === 'core1-alive' && r.to === to && typeof r.msg === 'string' && r.msg.startsWith('check ');
const bfdIs = (to) => (r) => r.bfd === 'core1' && r.to === to;

describe('VRRP track.bfd and a type: bfd check against FRR bfdd (namespaces, whole daemon)', { timeout: 120_000 }, () => {
  before(async () => {
    lab = createBfdLab('hbfv');
    ({ nsH: NS_H, ifH: IF_H } = lab);
    const run = mkdtempSync(path.join(tmpdir(), 'hbfv-run-'));
    const config = {
      plugins: [path.resolve(here, '../../packages/bfd/dist/src/index.js'), path.resolve(here, '../../packages/vrrp/dist/src/index.js')],
      controlSocket: path.join(run, 'hacore.sock'),
      pidFile: path.join(run, 'hacore.pid'),
      stateDir: run,
      bfd: { instances: [{ name: 'core1', neighbor: '198.51.100.2', source: '198.51.100.1', minRx: '50ms', minTx: '50ms', multiplier: 3 }] },
      vrrp: { instances: [{ name: 'VI_BFD', interface: IF_H, vrid: 71, priority: 100, version: 3, advertInterval: '100ms', virtualAddresses: ['198.51.100.71/24'], track: { bfd: ['core1'] } }] },
      checks: [{ name: 'core1-alive', type: 'bfd', session: 'core1' }],
    };
    const file = path.join(run, 'hacore.json');
    writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    lab.startBfdd();
    daemon = new HacoreProcess(['--config', file, '--log-level', 'info'], { wrap: ['ip', 'netns', 'exec', NS_H] });
    daemon.runDir = run;
  });

  after(async () => {
    await daemon?.stop();
    lab?.destroy();
    if (daemon?.runDir) rmSync(daemon.runDir, { recursive: true, force: true });
  });

  it('FAULT within the detection time when bfdd dies, MASTER again when it is back; the check follows (3 rounds)', async () => {
    // Down at start: the instance waits in FAULT until the session is Up, then wins (it is alone).
    await daemon.waitFor(isMaster, 30_000, 'VI_BFD MASTER');
    await daemon.waitFor(checkIs('up'), 10_000, 'check up');
    const fault = [];
    const check = [];
    for (let round = 0; round < 3; round++) {
      // Both sides past slow start (50 ms x 3): give the Poll Sequence time to finish.
      await new Promise((r) => setTimeout(r, 1500));
      const from = daemon.lines.length;
      const killedAt = Date.now();
      process.kill(lab.bfddPid, 'SIGKILL');
      const f = await daemon.waitFor((r) => daemon.lines.indexOf(r) >= from && isFault(r), 10_000, 'VI_BFD FAULT');
      const c = await daemon.waitFor((r) => daemon.lines.indexOf(r) >= from && checkIs('down')(r), 10_000, 'check down');
      const b = daemon.lines.slice(from).find(bfdIs('Down'));
      assert.ok(b, 'the bfd process logged the session Down');
      assert.equal(b.diag, 1, 'control detection time expired');
      fault.push(f.time - killedAt);
      check.push(c.time - killedAt);
      const back = daemon.lines.length;
      lab.startBfdd();
      await daemon.waitFor((r) => daemon.lines.indexOf(r) >= back && isMaster(r), 30_000, 'VI_BFD MASTER again');
      await daemon.waitFor((r) => daemon.lines.indexOf(r) >= back && checkIs('up')(r), 10_000, 'check up again');
    }
    const med = (a) => [...a].sort((x, y) => x - y)[1];
    console.log(`# kill of bfdd -> VRRP FAULT: ${fault.join(', ')} ms (median ${med(fault)}); -> check down: ${check.join(', ')} ms (median ${med(check)}); detection time 150 ms`);
    // Detection time 3 x 50 ms; the relay through the supervisor adds milliseconds. Log times are whole ms.
    assert.ok(med(fault) <= 200, `median kill -> FAULT ${med(fault)} ms`);
    assert.ok(med(check) <= 250, `median kill -> check down ${med(check)} ms`);
  });
});
