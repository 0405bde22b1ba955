// A mixed cluster from one keepalived.conf: keepalived runs it on r1 (config id r1,
// priority 150), hacore runs the same file with --keepalived-config on r2 (config id
// r2, priority 100). One master; the VIPs move to hacore and back; each master holds
// the same addresses (prefix, label, scope) and the same virtual route. A reload of
// hacore re-reads the keepalived file: r2's priority raised there makes it preempt.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { HACORE_CLI, ROOT, VrrpLab, waitFor } from '../lib/vrrp-lab.mjs';
import { expectMaster, logs, skipHacore } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore(['ip', 'keepalived']);
const VIP_A = '198.51.100.77';
const VIP_B = '198.51.100.78';
const ROUTE = '203.0.113.128/25';

const conf = (r2prio) => `! one file for the whole cluster
@r1 $PRIO=150
@r2 $PRIO=${r2prio}
global_defs {
  @r1 router_id mixed_r1
  @r2 router_id mixed_r2
}
vrrp_instance VI_MIX {
  interface eth0
  virtual_router_id 77
  priority $PRIO
  advert_int 1
  garp_master_delay 1
  virtual_ipaddress {
    ${VIP_A}/24 dev eth0 label eth0:mix
    ${VIP_B}/24
  }
  virtual_routes {
    ${ROUTE} via 198.51.100.254 dev eth0
  }
}
`;

/** What a master holds: the VIPs as (address/prefix, label, scope) and the virtual route as (dst, via, dev, scope). */
async function held(lab, router) {
  const links = JSON.parse(await lab.lab.ip(router, ['-j', 'addr', 'show', 'dev', 'eth0']));
  const addrs = links
    .flatMap((l) => l.addr_info ?? [])
    .filter((a) => a.local === VIP_A || a.local === VIP_B)
    .map((a) => `${a.local}/${a.prefixlen} label ${a.label ?? 'eth0'} scope ${a.scope}`)
    .sort();
  const routes = JSON.parse(await lab.lab.ip(router, ['-j', 'route', 'show', ROUTE]))
    .map((r) => `${r.dst} via ${r.gateway} dev ${r.dev} scope ${r.scope ?? 'global'}`)
    .sort();
  return { addrs, routes };
}

test('mixed cluster from one keepalived.conf: keepalived on r1, hacore --keepalived-config on r2', { skip, timeout: 90000 }, async () => {
  const lab = await VrrpLab.create('kmix', { routers: 2 });
  try {
    const file = path.join(lab.dir, 'keepalived.conf');
    await writeFile(file, conf(100));
    const overlay = path.join(lab.dir, 'r2-overlay.json');
    const socket = path.join(lab.dir, 'r2.sock');
    await writeFile(overlay, JSON.stringify({ controlSocket: socket, pidFile: path.join(lab.dir, 'r2.pid') }));
    await lab.startEchoServer('r1', [VIP_A]);
    await lab.startEchoServer('r2', [VIP_A]);

    const ka = lab.lab.spawn('r1', 'keepalived', ['--dont-fork', '--log-console', '--vrrp', '-i', 'r1', '-f', file, '-p', path.join(lab.dir, 'ka.pid'), '-r', path.join(lab.dir, 'ka-vrrp.pid')]);
    let kaOut = '';
    ka.stdout.on('data', (d) => (kaOut += d));
    ka.stderr.on('data', (d) => (kaOut += d));
    const hacoreArgs = ['--keepalived-config', file, '--config-id', 'r2', '--config', overlay];
    const hc = lab.lab.spawn('r2', process.execPath, [HACORE_CLI, 'start', ...hacoreArgs], { cwd: ROOT });
    let hcOut = '';
    hc.stdout.on('data', (d) => (hcOut += d));
    hc.stderr.on('data', (d) => (hcOut += d));
    const why = () => `\n--- keepalived r1\n${kaOut.split('\n').slice(-20).join('\n')}\n--- hacore r2\n${hcOut.split('\n').slice(-20).join('\n')}\n${logs(lab)}`;

    // keepalived (150) is master; hacore (100) is backup and holds nothing.
    await expectMaster(lab, VIP_A, 'r1', { timeoutMs: 15000 }).catch((e) => assert.fail(e.message + why()));
    await lab.waitHolder(VIP_B, 'r1', 3000);
    const onKeepalived = await waitFor(async () => {
      const h = await held(lab, 'r1');
      return h.routes.length === 1 ? h : false;
    }, { timeoutMs: 5000, what: 'keepalived installs its virtual route' });
    assert.equal(onKeepalived.addrs.length, 2, JSON.stringify(onKeepalived));
    assert.deepEqual(await held(lab, 'r2'), { addrs: [], routes: [] }, 'the hacore backup holds nothing');

    // keepalived's box dies: hacore takes the VIPs and the route, the same ones.
    await lab.cut('r1');
    await lab.waitHolder(VIP_A, 'r2', 10000).catch((e) => assert.fail(e.message + why()));
    const onHacore = await waitFor(async () => {
      const h = await held(lab, 'r2');
      return h.addrs.length === 2 && h.routes.length === 1 ? h : false;
    }, { timeoutMs: 5000, what: 'hacore holds both VIPs and the route' });
    assert.deepEqual(onHacore, onKeepalived, 'hacore holds what keepalived held');

    // keepalived comes back and preempts: the VIPs move back.
    await lab.restore('r1');
    await lab.waitHolder(VIP_A, 'r1', 10000).catch((e) => assert.fail(e.message + why()));
    await waitFor(async () => (await held(lab, 'r2')).addrs.length === 0, { timeoutMs: 5000, what: 'hacore released the VIPs' });
    await expectMaster(lab, VIP_A, 'r1', { timeoutMs: 5000 });

    // Reload re-reads the keepalived file: r2 now has 200 and preempts keepalived.
    await writeFile(file, conf(200));
    const r = await lab.lab.exec('r2', process.execPath, [HACORE_CLI, 'reload', ...hacoreArgs], { cwd: ROOT });
    assert.ok(r.length >= 0);
    await expectMaster(lab, VIP_A, 'r2', { timeoutMs: 10000 }).catch((e) => assert.fail(e.message + why()));
    await waitFor(async () => (await held(lab, 'r1')).addrs.length === 0, { timeoutMs: 5000, what: 'keepalived released the VIPs' });
    assert.deepEqual((await held(lab, 'r2')).addrs, onKeepalived.addrs);
  } finally {
    await lab.destroy();
  }
});
