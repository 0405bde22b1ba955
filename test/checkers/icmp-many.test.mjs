// 500 IPv4 targets (and 100 IPv6) on one namespace, probed at once over the
// shared sockets; a random half of them silently dropped by nftables, so a
// reply handed to the wrong probe would show as a dropped target being up.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Lab } from '../lib/lab.mjs';
import { runInNamespace } from '../../packages/checker-icmp/test-support/run-child.mjs';

const v4 = [];
for (let i = 2; i < 252; i++) v4.push(`198.51.100.${i}`, `203.0.113.${i}`);
const v6 = [];
for (let i = 0x100; i < 0x164; i++) v6.push(`2001:db8::${i.toString(16)}`);

let lab;
const dropped = new Set();
before(async () => {
  lab = await Lab.create('icmpm', ['chk', 'many'], {
    addresses: {
      chk: ['198.51.100.1/24', '203.0.113.1/24', '2001:db8::1/64'],
      many: [...v4.map((a) => `${a}/24`), ...v6.map((a) => `${a}/64`)],
    },
  });
  for (const a of [...v4, ...v6]) if (Math.random() < 0.5) dropped.add(a);
  const d4 = v4.filter((a) => dropped.has(a));
  const d6 = v6.filter((a) => dropped.has(a));
  for (const rule of [
    ['add', 'table', 'inet', 'hacoretest'],
    ['add', 'set', 'inet', 'hacoretest', 'drop4', '{ type ipv4_addr; }'],
    ['add', 'set', 'inet', 'hacoretest', 'drop6', '{ type ipv6_addr; }'],
    ['add', 'element', 'inet', 'hacoretest', 'drop4', `{ ${d4.join(', ')} }`],
    ['add', 'element', 'inet', 'hacoretest', 'drop6', `{ ${d6.join(', ')} }`],
    ['add', 'chain', 'inet', 'hacoretest', 'input', '{ type filter hook input priority 0; policy accept; }'],
    ['add', 'rule', 'inet', 'hacoretest', 'input', 'ip', 'daddr', '@drop4', 'icmp', 'type', 'echo-request', 'drop'],
    ['add', 'rule', 'inet', 'hacoretest', 'input', 'ip6', 'daddr', '@drop6', 'icmpv6', 'type', 'echo-request', 'drop'],
  ]) await lab.exec('many', 'nft', rule);
});
after(async () => {
  await lab?.destroy();
});

test('500 IPv4 + 100 IPv6 targets at once: every reply matched to its own target, twice over', async () => {
  const r = await runInNamespace(lab.ns('chk'), { mode: 'probe', timeoutMs: 3000, rounds: 2, targets: [...v4, ...v6] });
  assert.equal(r.rounds.length, 2);
  for (const round of r.rounds) {
    assert.equal(round.length, v4.length + v6.length);
    const wrong = round.filter((x) => x.ok === dropped.has(x.address) || (!x.ok && x.reason !== 'timeout'));
    assert.deepEqual(wrong, [], `${wrong.length} targets with the wrong outcome`);
  }
  const answering4 = v4.filter((a) => !dropped.has(a)).length;
  const answering6 = v6.filter((a) => !dropped.has(a)).length;
  assert.equal(r.status.ipv4.matched, 2 * answering4);
  assert.equal(r.status.ipv6.matched, 2 * answering6);
  for (const fam of ['ipv4', 'ipv6']) {
    const s = r.status[fam];
    assert.deepEqual([s.payloadMismatch, s.sourceMismatch, s.late, s.inFlight, s.sendErrors], [0, 0, 0, 0, 0], JSON.stringify(s));
  }
  assert.equal(r.fdsAfter, r.fdsBefore);
});
