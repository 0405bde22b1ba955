// The whole daemon (supervisor with bfd, vrrp and check children) in a namespace,
// against FRR's bfdd in another: a VRRP instance tracking the BFD session (weight 0)
// goes to FAULT within the detection time when bfdd dies (SIGKILL: it sends nothing
// more), and back to MASTER when bfdd runs again; a `type: bfd` check follows the same
// session. The time from the kill to FAULT crosses two processes (bfd -> supervisor
// -> vrrp), so it is the figure an operator gets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HacoreProcess } from '../lib/daemon.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const id = `${process.pid % 10000}${Math.floor(Math.random() * 100)}`;
const NS_H = `hbfv-h${id}`;
const NS_F = `hbfv-f${id}`;
const IF_H = `hbfvh${id}`;
const IF_F = `hbfvf${id}`;
const ip = (...a) => execFileSync('ip', a, { encoding: 'utf8' });
let dir;
let bfddPid;
let daemon;

function startBfdd() {
  writeFileSync(path.join(dir, 'bfdd.conf'), ['bfd', ' peer 198.51.100.1 local-address 198.51.100.2', '  receive-interval 50', '  transmit-interval 50', '  detect-multiplier 3', ' !', '!', ''].join('\n'));
  rmSync(path.join(dir, 'bfdd.pid'), { force: true });
  execFileSync('ip', ['netns', 'exec', NS_F, '/usr/lib/frr/bfdd', '-f', path.join(dir, 'bfdd.conf'), '-N', `hbfv${id}`, '--vty_socket', dir, '--bfdctl', path.join(dir, 'bfdd.sock'),
    '-i', path.join(dir, 'bfdd.pid'), '-u', 'frr', '-g', 'frr', '--log', `file:${path.join(dir, 'bfdd.log')}`, '-d']);
  bfddPid = Number(readFileSync(path.join(dir, 'bfdd.pid'), 'utf8').trim());
}

const isFault = (r) => typeof r.msg === 'string' && r.msg.startsWith('VI_BFD:') && r.to === 'FAULT';
const isMaster = (r) => typeof r.msg === 'string' && r.msg.startsWith('VI_BFD:') && r.to === 'MASTER';
const checkIs = (to) => (r) => r.check === 'core1-alive' && r.to === to && typeof r.msg === 'string' && r.msg.startsWith('check ');
const bfdIs = (to) => (r) => r.bfd === 'core1' && r.to === to;

describe('VRRP track.bfd and a type: bfd check against FRR bfdd (namespaces, whole daemon)', { timeout: 120_000 }, () => {
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hbfv-'));
    chmodSync(dir, 0o777);
    ip('netns', 'add', NS_H);
    ip('netns', 'add', NS_F);
    ip('-n', NS_H, 'link', 'add', IF_H, 'type', 'veth', 'peer', 'name', IF_F);
    ip('-n', NS_H, 'link', 'set', IF_F, 'netns', NS_F);
    ip('-n', NS_H, 'addr', 'add', '198.51.100.1/24', 'dev', IF_H);
    ip('-n', NS_F, 'addr', 'add', '198.51.100.2/24', 'dev', IF_F);
    for (const [ns, i] of [[NS_H, IF_H], [NS_F, IF_F]]) {
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'link', 'set', i, 'up');
    }
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
    startBfdd();
    daemon = new HacoreProcess(['--config', file, '--log-level', 'info'], { wrap: ['ip', 'netns', 'exec', NS_H] });
    daemon.runDir = run;
  });

  after(async () => {
    await daemon?.stop();
    if (bfddPid) try { process.kill(bfddPid, 'SIGKILL'); } catch {}
    for (const ns of [NS_H, NS_F]) try { ip('netns', 'del', ns); } catch {}
    if (daemon?.runDir) rmSync(daemon.runDir, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
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
      process.kill(bfddPid, 'SIGKILL');
      const f = await daemon.waitFor((r) => daemon.lines.indexOf(r) >= from && isFault(r), 10_000, 'VI_BFD FAULT');
      const c = await daemon.waitFor((r) => daemon.lines.indexOf(r) >= from && checkIs('down')(r), 10_000, 'check down');
      const b = daemon.lines.slice(from).find(bfdIs('Down'));
      assert.ok(b, 'the bfd process logged the session Down');
      assert.equal(b.diag, 1, 'control detection time expired');
      fault.push(f.time - killedAt);
      check.push(c.time - killedAt);
      const back = daemon.lines.length;
      startBfdd();
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
