// The smallest in-VM test: the kernel has IPVS, ipvsadm drives it, and a
// service added with ipvsadm reads back. It guards the harness itself.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { IN_VM, flush, ipvsadm, list } from '../lib/ipvsadm.mjs';

before(async () => {
  assert.ok(IN_VM, 'this file runs inside the test VM: node test/vm/run.mjs test/vm/suite/harness.test.mjs');
  await flush();
});
after(flush);

test('the kernel has IPVS and ipvsadm lists an empty table', async () => {
  const out = await ipvsadm('-Ln');
  assert.match(out, /^IP Virtual Server version \d+\.\d+\.\d+ \(size=\d+\)/);
  assert.deepEqual(await list(), []);
  const proc = await readFile('/proc/net/ip_vs', 'utf8');
  assert.match(proc, /^IP Virtual Server version/);
});

test('a service and a destination added with ipvsadm read back', async () => {
  await ipvsadm('-A', '-t', '198.51.100.10:80', '-s', 'wrr');
  await ipvsadm('-a', '-t', '198.51.100.10:80', '-r', '203.0.113.5:8080', '-m', '-w', '3');
  const services = await list();
  assert.equal(services.length, 1);
  assert.equal(services[0].proto, 'TCP');
  assert.equal(services[0].addr, '198.51.100.10:80');
  assert.equal(services[0].sched, 'wrr');
  assert.deepEqual(
    services[0].dests.map(({ addr, fwd, weight }) => ({ addr, fwd, weight })),
    [{ addr: '203.0.113.5:8080', fwd: 'Masq', weight: 3 }],
  );
});
