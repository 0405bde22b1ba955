// The receive path's source and TTL rules and the kernel filter, through real
// sockets (issue 18): crafted frames from the client namespace reach the routers'
// VRRP sockets, each is dropped and counted by its reason, and the Master stays
// Master and the Backup keeps following it. Sources the kernel itself refuses
// (multicast, broadcast, loopback, a local address over IPv4) never reach the
// socket at all: the socket's own count proves it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VIP4, VIP6, VrrpLab, expectMaster, injectFrames, skipHacore, startCluster, watchHolders } from '../lib/vrrp-scenario.mjs';

const skip = skipHacore();
const N = 10;

async function status(lab, d) {
  const s = (await lab.hacoreStatus(d)).vrrp.vrrp;
  return { inst: s.instances[0], sock: s.sockets.find((x) => x.interface === 'eth0') };
}

const dropTotal = (drops) => Object.values(drops).reduce((a, b) => a + b, 0);

test('IPv4: a 0.0.0.0 source and TTL 64 are dropped by reason; martian sources never reach the socket; nothing moves', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('hvrf4', { routers: 2 });
  try {
    const d = await startCluster(lab, { r1: 150, r2: 120 });
    await expectMaster(lab, VIP4, 'r1');
    const before = await status(lab, d.r1);
    const watch = watchHolders(lab, VIP4);
    const common = { family: 4, vrid: 51, prio: 255, vips: VIP4, interval: 100, count: N, every: 20 };
    await Promise.all([
      injectFrames(lab, { ...common, src: '0.0.0.0' }),
      injectFrames(lab, { ...common, src: lab.addr4(lab.client), ttl: 64 }),
      injectFrames(lab, { ...common, src: '127.0.0.1' }),
      injectFrames(lab, { ...common, src: '224.0.0.5' }),
      injectFrames(lab, { ...common, src: '255.255.255.255' }),
      injectFrames(lab, { ...common, src: lab.addr4('r1') }),
    ]);
    // Three of r2's Master_Down_Intervals (about 340 ms) after the last frame.
    await new Promise((r) => setTimeout(r, 1000));
    const holders = await watch.stop();
    assert.deepEqual([...new Set(holders)], ['r1'], 'r1 alone held the VIP all along');
    const a = await status(lab, d.r1);
    const b = await status(lab, d.r2);
    assert.equal(a.inst.state, 'MASTER');
    assert.equal(a.inst.counters.transitions, before.inst.counters.transitions, 'r1 did not move');
    assert.equal(a.inst.counters.advertsReceived, before.inst.counters.advertsReceived, 'r1 accepted none');
    assert.equal(a.inst.counters.drops.source - before.inst.counters.drops.source, N, JSON.stringify(a.inst.counters.drops));
    assert.equal(a.inst.counters.drops.ttl - before.inst.counters.drops.ttl, N);
    assert.equal(dropTotal(a.inst.counters.drops) - dropTotal(before.inst.counters.drops), 2 * N, 'no other drop');
    assert.equal(a.sock.received - before.sock.received, 2 * N, 'the kernel refused the martian sources before the socket');
    assert.equal(b.inst.state, 'BACKUP');
    assert.equal(b.inst.master, lab.addr4('r1'), 'r2 still follows r1');
    assert.equal(b.inst.counters.drops.source, N);
    assert.equal(b.inst.counters.drops.ttl, N);
  } finally {
    await lab.destroy();
  }
});

test('IPv6: global, unspecified and own sources and hop limit 64 dropped by reason; a flood of another VRID stops in the kernel filter', { skip, timeout: 30000 }, async () => {
  const lab = await VrrpLab.create('hvrf6', { routers: 2 });
  try {
    const d = await startCluster(lab, { r1: 150, r2: 120 }, { vips: [VIP6] });
    await expectMaster(lab, VIP6, 'r1');
    const r1ll = await lab.link6('r1');
    const cll = await lab.link6(lab.client);
    const before = await status(lab, d.r1);
    const watch = watchHolders(lab, VIP6);
    const common = { family: 6, vrid: 51, prio: 255, vips: VIP6, interval: 100, count: N, every: 20 };
    const FLOOD = 640;
    await Promise.all([
      injectFrames(lab, { ...common, src: lab.addr6(lab.client) }),
      injectFrames(lab, { ...common, src: '::' }),
      injectFrames(lab, { ...common, src: cll, ttl: 64 }),
      injectFrames(lab, { ...common, src: r1ll }),
      injectFrames(lab, { ...common, src: 'ff02::1' }),
      injectFrames(lab, { ...common, src: cll, vrid: 77, count: FLOOD, every: 0 }),
    ]);
    await new Promise((r) => setTimeout(r, 1000));
    const holders = await watch.stop();
    assert.deepEqual([...new Set(holders)], ['r1'], 'r1 alone held the VIP all along');
    const a = await status(lab, d.r1);
    const b = await status(lab, d.r2);
    const delta = (k) => a.inst.counters.drops[k] - before.inst.counters.drops[k];
    assert.equal(a.inst.state, 'MASTER');
    assert.equal(a.inst.counters.transitions, before.inst.counters.transitions, 'r1 did not move');
    assert.equal(a.inst.counters.advertsReceived, before.inst.counters.advertsReceived, 'r1 accepted none');
    assert.deepEqual({ sourceScope: delta('sourceScope'), source: delta('source'), ttl: delta('ttl'), loop: delta('loop') }, { sourceScope: N, source: N, ttl: N, loop: N });
    assert.equal(dropTotal(a.inst.counters.drops) - dropTotal(before.inst.counters.drops), 4 * N, 'no other drop at the instance');
    // The kernel filter: of FLOOD adverts of VRID 77, one in 64 (random) reaches the process.
    const sampled = a.sock.drops.unknownVrid - before.sock.drops.unknownVrid;
    assert.ok(sampled > 0 && sampled < FLOOD / 4, `sampled ${sampled} of ${FLOOD}`);
    assert.equal(a.sock.filteredEstimate - before.sock.filteredEstimate, sampled * 63);
    assert.equal(a.sock.received - before.sock.received, 4 * N + sampled, 'the multicast source and the filtered flood never reached the socket');
    // The global source is a peer configured unlike the RFC (keepalived's mcast_src_ip): logged once, shown in status.
    const m = a.inst.misconfigurations.find((e) => e.peer === lab.addr6(lab.client));
    assert.deepEqual(m && [m.reason, m.count], ['sourceScope', N]);
    const lines = d.r1.output.split('\n').filter((l) => l.includes('disagrees with our configuration') && l.includes('sourceScope'));
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.equal(b.inst.state, 'BACKUP');
    assert.equal(b.inst.master, r1ll, 'r2 still follows r1');
    assert.deepEqual({ sourceScope: b.inst.counters.drops.sourceScope, source: b.inst.counters.drops.source, ttl: b.inst.counters.drops.ttl }, { sourceScope: N, source: N, ttl: N });
  } finally {
    await lab.destroy();
  }
});
