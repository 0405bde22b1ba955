/**
 * The VRRP group is joined on an interface only while an instance there uses
 * multicast. Runs in a private network namespace (`unshare -n`, gone with the
 * child process) with a veth pair of its own; needs root, skipped otherwise.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const transportJs = fileURLToPath(new URL('../src/transport.js', import.meta.url));
const root = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;

const script = `
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TransportRegistry } from ${JSON.stringify(transportJs)};
const ip = (...a) => execFileSync('ip', a);
ip('link', 'add', 'vr0', 'type', 'veth', 'peer', 'name', 'vr1');
ip('link', 'set', 'vr0', 'up');
ip('link', 'set', 'vr1', 'up');
// /sys still shows the parent namespace here: ask ip for the index.
const ifindex = Number(/^(\\d+):/.exec(String(ip('-o', 'link', 'show', 'vr0')))[1]);
const member = (family) => family === 4
  ? /^\\d+\\s+vr0\\b[^\\n]*(\\n\\s+[0-9A-F]{8}[^\\n]*)*/m.exec(readFileSync('/proc/net/igmp', 'utf8'))?.[0].includes('120000E0') ?? false
  : readFileSync('/proc/net/igmp6', 'utf8').split('\\n').some((l) => /\\svr0\\s+ff020000000000000000000000000012\\s/.test(l));
const out = [];
const reg = new TransportRegistry((_i, err) => { throw err; });
const rx = { onPacket() {} };
for (const family of [4, 6]) {
  const t = reg.acquire('vr0', ifindex, family, 1, rx, false);
  out.push(family + ' unicast only: ' + member(family));
  reg.acquire('vr0', ifindex, family, 2, rx, true);
  out.push(family + ' with a multicast instance: ' + member(family));
  reg.release(t, 2);
  out.push(family + ' multicast instance gone: ' + member(family));
  reg.release(t, 1);
}
reg.closeAll();
console.log(out.join('\\n'));
`;

describe('VRRP transport: multicast membership follows the instances', { skip: root ? false : 'needs root and unshare' }, () => {
  it('joins 224.0.0.18 / ff02::12 only while a multicast instance runs on the interface', () => {
    const r = spawnSync('unshare', ['-n', process.execPath, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      '4 unicast only: false',
      '4 with a multicast instance: true',
      '4 multicast instance gone: false',
      '6 unicast only: false',
      '6 with a multicast instance: true',
      '6 multicast instance gone: false',
    ]);
  });
});
