// VIPs and virtual routes over rtnetlink (@hacore/vrrp netlink.ts), and the
// netlink reflector's view of them, in one network namespace: what `ip -j`
// reports after each step is the judge.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Lab } from '../lib/lab.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const INDEX = path.join(ROOT, 'packages/vrrp/dist/src/index.js');

function missing() {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  if (!existsSync(INDEX)) return '@hacore/vrrp is not built';
  return '';
}

// Runs inside the namespace: adds everything twice (idempotent), dumps, deletes
// everything twice, dumps again; prints one JSON document.
const SCRIPT = `
import { NetlinkClient, NetlinkReflector, parseVrrpSection } from ${JSON.stringify(pathToFileURL(INDEX).href)};
import { execFileSync } from 'node:child_process';
const ipj = (...a) => JSON.parse(execFileSync('ip', ['-j', ...a]).toString());
const sec = parseVrrpSection({ instances: [
  { name: 'v4', interface: 'eth0', vrid: 1,
    virtualAddresses: [{ address: '198.51.100.200/24', label: 'eth0:vip' }, { address: '198.51.100.201/32', scope: 'host' }],
    virtualRoutes: [{ to: '203.0.113.0/24', via: '198.51.100.254' }, { to: '203.0.113.128/25', table: 100 }, { to: '198.51.100.128/25', metric: 50 }] },
  { name: 'v6', interface: 'eth0', vrid: 1,
    virtualAddresses: ['2001:db8::200/64', { address: '2001:db8::201/64', preferredLifetime: 'forever' }],
    virtualRoutes: [{ to: '2001:db8:1::/48', via: '2001:db8::254' }] } ] });
if (!sec.value) throw new Error(JSON.stringify(sec.issues));
const r = new NetlinkReflector();
await r.start();
const idx = r.link('eth0').index;
const nl = new NetlinkClient();
const events = [];
r.on('address', (a) => events.push('+' + a.address));
r.on('addressRemoved', (a) => events.push('-' + a.address));
const all = sec.value.instances;
for (let k = 0; k < 2; k++) for (const i of all) { for (const v of i.virtualAddresses) await nl.addAddress(idx, v); for (const rt of i.virtualRoutes) await nl.addRoute(idx, rt); }
const settle = () => new Promise((res) => setTimeout(res, 100));
await settle();
const added = { addrs: ipj('addr', 'show', 'dev', 'eth0'), routes4: ipj('-4', 'route', 'show', 'table', 'all'), routes6: ipj('-6', 'route', 'show'),
  primary: r.primaryIpv4(idx, new Set(['198.51.100.200', '198.51.100.201'])), linkLocal: r.linkLocal6(idx), has: r.hasAddress(idx, 6, '2001:db8::200') };
for (let k = 0; k < 2; k++) for (const i of all) { for (const rt of i.virtualRoutes) await nl.deleteRoute(idx, rt); for (const v of i.virtualAddresses) await nl.deleteAddress(idx, v); }
await settle();
const removed = { addrs: ipj('addr', 'show', 'dev', 'eth0'), routes4: ipj('-4', 'route', 'show', 'table', 'all'), routes6: ipj('-6', 'route', 'show'), has: r.hasAddress(idx, 6, '2001:db8::200') };
r.stop(); nl.close();
console.log(JSON.stringify({ added, removed, events }));
`;

test('netlink: VIPs (label, scope, IPv6 nodad + preferred 0) and virtual routes are added and removed idempotently; the reflector sees it all', { skip: missing() || false, timeout: 30_000 }, async () => {
  const lab = await Lab.create('vnl', ['a'], { dad: false, addresses: { a: ['198.51.100.1/24', '2001:db8::1/64'] } });
  try {
    const out = JSON.parse(await lab.exec('a', process.execPath, ['--input-type=module', '-e', SCRIPT]));
    const info = (doc) => doc.addrs[0].addr_info;
    const find = (doc, a) => info(doc).find((x) => x.local === a);

    const v200 = find(out.added, '198.51.100.200');
    assert.equal(v200.prefixlen, 24);
    assert.equal(v200.label, 'eth0:vip');
    assert.equal(v200.scope, 'global');
    assert.equal(find(out.added, '198.51.100.201').scope, 'host');
    const v6 = find(out.added, '2001:db8::200');
    assert.equal(v6.prefixlen, 64);
    assert.equal(v6.nodad, true, 'IPv6 VIPs without DAD');
    assert.equal(v6.preferred_life_time, 0, 'preferred lifetime 0 by default');
    assert.equal(v6.deprecated, true);
    const v6f = find(out.added, '2001:db8::201');
    assert.equal(v6f.nodad, true);
    assert.notEqual(v6f.preferred_life_time, 0, 'preferredLifetime: forever');

    const r4 = out.added.routes4;
    assert.ok(r4.some((r) => r.dst === '203.0.113.0/24' && r.gateway === '198.51.100.254' && r.dev === 'eth0'), JSON.stringify(r4));
    assert.ok(r4.some((r) => r.dst === '203.0.113.128/25' && r.table === '100' && r.scope === 'link'));
    assert.ok(r4.some((r) => r.dst === '198.51.100.128/25' && r.metric === 50));
    assert.ok(out.added.routes6.some((r) => r.dst === '2001:db8:1::/48' && r.gateway === '2001:db8::254'));

    assert.equal(out.added.primary, '198.51.100.1', 'a VIP is never taken as the primary address');
    assert.match(out.added.linkLocal, /^fe80:/);
    assert.equal(out.added.has, true);

    for (const a of ['198.51.100.200', '198.51.100.201', '2001:db8::200', '2001:db8::201']) assert.equal(find(out.removed, a), undefined, `${a} removed`);
    assert.ok(find(out.removed, '198.51.100.1'), 'the router address stays');
    assert.equal(out.removed.routes4.filter((r) => /^203\.0\.113|198\.51\.100\.128/.test(r.dst)).length, 0);
    assert.equal(out.removed.routes6.filter((r) => r.dst === '2001:db8:1::/48').length, 0);
    assert.equal(out.removed.has, false);
    assert.deepEqual(
      out.events.sort(),
      ['+198.51.100.200', '+198.51.100.201', '+2001:db8::200', '+2001:db8::201', '-198.51.100.200', '-198.51.100.201', '-2001:db8::200', '-2001:db8::201'].sort(),
      'one notification per address added and removed',
    );
  } finally {
    await lab.destroy();
  }
});
