/**
 * The VRRP group is joined on an interface only while an instance there uses
 * multicast. Runs in a private network namespace (`unshare -n`, gone with the
 * child process) with a veth pair of its own; needs root, skipped otherwise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inPrivateNetns, netnsSkip } from './netns-child.js';

const transportJs = fileURLToPath(new URL('../src/transport.js', import.meta.url));

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

describe('VRRP transport: multicast membership follows the instances', { skip: netnsSkip }, () => {
  it('joins 224.0.0.18 / ff02::12 only while a multicast instance runs on the interface', () => {
    const r = inPrivateNetns(script, 20_000);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.lines, [
      '4 unicast only: false',
      '4 with a multicast instance: true',
      '4 multicast instance gone: false',
      '6 unicast only: false',
      '6 with a multicast instance: true',
      '6 multicast instance gone: false',
    ]);
  });
});

const repollScript = `
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { TransportRegistry } from ${JSON.stringify(transportJs)};
const ip = (...a) => String(execFileSync('ip', a));
writeFileSync('/proc/sys/net/ipv6/conf/default/accept_dad', '0');
ip('link', 'add', 'vr0', 'type', 'veth', 'peer', 'name', 'vr1');
ip('link', 'set', 'vr0', 'up');
ip('link', 'set', 'vr1', 'up');
const index = (n) => Number(/^(\\d+):/.exec(ip('-o', 'link', 'show', n))[1]);
const errors = [];
const reg = new TransportRegistry((_i, err) => errors.push(err.message));
const rx = { onPacket() {} };
const a = reg.acquire('vr0', index('vr0'), 6, 1, rx, true);
const b = reg.acquire('vr1', index('vr1'), 6, 1, rx, true);
let src;
for (let i = 0; i < 100 && !src; i++) {
  src = /inet6 (fe80::[0-9a-f:]+)/.exec(ip('-6', 'addr', 'show', 'dev', 'vr1'))?.[1];
  if (!src) await new Promise((r) => setTimeout(r, 20));
}
const msg = new Uint8Array([0x31, 1, 100, 0, 0, 100, 0, 0]);
const heard = async () => {
  const before = a.counters.received;
  for (let i = 0; i < 60; i++) {
    b.send6(msg, 'ff02::12', src);
    await new Promise((r) => setTimeout(r, 50));
    if (a.counters.received > before) return true;
  }
  return false;
};
const out = ['heard before: ' + await heard()];
a.onPoll6(-9); // what libuv reports after POLLERR (UV_EBADF)
out.push('error reported: ' + errors.some((e) => e.includes('poll error -9')));
out.push('heard again: ' + await heard());
reg.closeAll();
console.log(out.join('\\n'));
`;

describe('VRRP transport: an IPv6 socket whose poll fails', { skip: netnsSkip }, () => {
  it('reports it and listens again', () => {
    const r = inPrivateNetns(repollScript, 20_000);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.lines, ['heard before: true', 'error reported: true', 'heard again: true']);
  });
});
