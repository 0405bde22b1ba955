// The generic-netlink IPVS client against the real kernel, every operation
// checked against the real ipvsadm in the same kernel (runs in the VM:
// node test/vm/run.mjs test/vm/suite/netlink-client.test.mjs).
//
// IPVS tables are per network namespace and ipvsadm drives the VM's root
// namespace, so this file works there: the VM is the throw-away lab machine
// (no network card). What it adds there (an address on lo, the hvsync0/1 veth
// pair) uses documentation addresses and is removed by name at the end.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { IpvsClient, formatDaemons, formatList, formatTimeouts } from '@hacore/ipvs/client';
import { IN_VM, flush, ipvsadm, ipvsadmRestore } from '../lib/ipvsadm.mjs';

const execFileP = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(ROOT, 'node_modules/.bin/hacore-ipvs');

const tcp = (address, port, family = 4) => ({ family, protocol: 'tcp', address, port });
const udp = (address, port, family = 4) => ({ family, protocol: 'udp', address, port });
const sctp = (address, port, family = 4) => ({ family, protocol: 'sctp', address, port });
const fwm = (fwmark, family = 4) => ({ family, fwmark });

/** What the client lists, without the counters that traffic changes. */
function shape(services) {
  return services
    .map((s) => ({
      key: s.key,
      scheduler: s.scheduler,
      flags: s.flags,
      ...(s.persistence !== undefined ? { persistence: s.persistence } : {}),
      ...(s.netmask !== undefined ? { netmask: s.netmask } : {}),
      ...(s.pe !== undefined ? { pe: s.pe } : {}),
      destinations: s.destinations
        .map(({ stats, activeConnections, inactiveConnections, persistentConnections, ...d }) => d)
        .sort((a, b) => `${a.address}:${a.port}`.localeCompare(`${b.address}:${b.port}`)),
    }))
    .sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
}

async function hacoreIpvs(...args) {
  const { stdout } = await execFileP(BIN, args, { maxBuffer: 16 << 20 });
  return stdout;
}

/** Waits for a predicate over ipvsadm output, bounded (the kernel's estimator ticks every 2 s). */
async function until(fn, { tries = 10, delayMs = 500 } = {}) {
  let last;
  for (let i = 0; i < tries; i++) {
    last = await fn();
    if (last.ok) return last;
    await new Promise((r) => setTimeout(r, delayMs));
  }
  return last;
}

let client;

before(async () => {
  assert.ok(IN_VM, 'runs inside the test VM: node test/vm/run.mjs test/vm/suite/netlink-client.test.mjs');
  await flush();
  client = await IpvsClient.open();
});

after(async () => {
  client?.close();
  await flush();
  await ipvsadm('--set', '900', '120', '300');
});

test('the family resolves by name and getInfo matches ipvsadm', async () => {
  assert.equal(client.family.name, 'IPVS');
  assert.ok(client.family.operations >= 16, `operations: ${client.family.operations}`);
  const info = await client.getInfo();
  const first = (await ipvsadm('-Ln')).split('\n')[0];
  assert.equal(first, `IP Virtual Server version ${info.version} (size=${info.connectionTableSize})`);
  assert.equal(info.connectionTableSize, 4096); // conn_tab_bits=12 at boot
});

/** A table covering every kind of service and destination the client supports. */
const SERVICES = [
  { key: tcp('198.51.100.10', 80), scheduler: 'wrr' },
  { key: udp('198.51.100.11', 53), scheduler: 'wlc', flags: { onePacket: true }, persistence: 120, netmask: '255.255.255.0' },
  { key: sctp('198.51.100.12', 3868), scheduler: 'sh', flags: { shFallback: true, shPort: true } },
  { key: tcp('198.51.100.13', 443), scheduler: 'mh', flags: { mhFallback: true, mhPort: true }, persistence: 300, netmask: 24 },
  { key: fwm(7), scheduler: 'rr', persistence: 360 },
  { key: fwm(8, 6), scheduler: 'lc' },
  { key: tcp('2001:db8:0:0:1:0:0:1', 80, 6), scheduler: 'sed', persistence: 60, netmask: 64 },
  { key: tcp('198.51.100.255', 65535), scheduler: 'lblcr' },
  { key: udp('198.51.100.14', 5060), scheduler: 'rr', persistence: 30, pe: 'sip' },
];
const DESTS = [
  // inserted out of order: ipvsadm sorts, so must the CLI
  [tcp('198.51.100.10', 80), { address: '203.0.113.6', port: 8080, forwarding: 'masq', weight: 0, upperThreshold: 100, lowerThreshold: 10 }],
  [tcp('198.51.100.10', 80), { address: '203.0.113.5', port: 8080, forwarding: 'masq', weight: 3 }],
  [tcp('198.51.100.10', 80), { address: '203.0.113.5', port: 80, forwarding: 'masq', weight: 1 }],
  [udp('198.51.100.11', 53), { address: '203.0.113.7', port: 53, forwarding: 'droute', weight: 1 }],
  [tcp('198.51.100.13', 443), { address: '2001:db8::10', port: 443, family: 6, forwarding: 'tunnel', weight: 5 }],
  [tcp('198.51.100.13', 443), { address: '203.0.113.10', port: 443, forwarding: 'tunnel', weight: 1 }],
  [tcp('198.51.100.13', 443), { address: '203.0.113.8', port: 443, forwarding: 'tunnel', weight: 1, tunnelType: 'gue', tunnelPort: 6080, tunnelNoChecksum: true }],
  [tcp('198.51.100.13', 443), { address: '203.0.113.9', port: 443, forwarding: 'tunnel', weight: 1, tunnelType: 'gre', tunnelNoChecksum: false }],
  [tcp('198.51.100.13', 443), { address: '203.0.113.12', port: 443, forwarding: 'tunnel', weight: 2, tunnelType: 'gue', tunnelPort: 5555, tunnelRemoteChecksum: true }],
  [fwm(7), { address: '203.0.113.11', port: 0, forwarding: 'droute', weight: 1 }],
  [fwm(8, 6), { address: '2001:db8::20', port: 0, forwarding: 'droute', weight: 1 }],
  [tcp('2001:db8::1:0:0:1', 80, 6), { address: '2001:db8::1:0:0:2', port: 8080, forwarding: 'masq', weight: 2 }],
];

/** The same table as ipvsadm -R rules. */
const RULES = `-A -t 198.51.100.10:80 -s wrr
-a -t 198.51.100.10:80 -r 203.0.113.6:8080 -m -w 0 -x 100 -y 10
-a -t 198.51.100.10:80 -r 203.0.113.5:8080 -m -w 3
-a -t 198.51.100.10:80 -r 203.0.113.5:80 -m -w 1
-A -u 198.51.100.11:53 -s wlc -o -p 120 -M 255.255.255.0
-a -u 198.51.100.11:53 -r 203.0.113.7:53 -g -w 1
-A --sctp-service 198.51.100.12:3868 -s sh -b sh-fallback,sh-port
-A -t 198.51.100.13:443 -s mh -b mh-fallback,mh-port -p 300 -M 255.255.255.0
-a -t 198.51.100.13:443 -r [2001:db8::10]:443 -i -w 5
-a -t 198.51.100.13:443 -r 203.0.113.10:443 -i -w 1
-a -t 198.51.100.13:443 -r 203.0.113.8:443 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum
-a -t 198.51.100.13:443 -r 203.0.113.9:443 -i -w 1 --tun-type gre --tun-csum
-a -t 198.51.100.13:443 -r 203.0.113.12:443 -i -w 2 --tun-type gue --tun-port 5555 --tun-remcsum
-A -f 7 -s rr -p 360
-a -f 7 -r 203.0.113.11:0 -g -w 1
-A -f 8 -6 -s lc
-a -f 8 -6 -r [2001:db8::20]:0 -g -w 1
-A -t [2001:db8::1:0:0:1]:80 -s sed -p 60 -M 64
-a -t [2001:db8::1:0:0:1]:80 -r [2001:db8::1:0:0:2]:8080 -m -w 2
-A -t 198.51.100.255:65535 -s lblcr
-A -u 198.51.100.14:5060 -s rr -p 30 --pe sip
`;

/** What listAll must return for that table (canonical addresses, defaults left out). */
function expectedShape() {
  const svcs = SERVICES.map((s) => {
    const persistent = (s.persistence ?? 0) > 0;
    const flags = { hashed: true, ...(persistent ? { persistent: true } : {}), ...(s.flags ?? {}) };
    let netmask = s.netmask;
    if (netmask === 24) netmask = '255.255.255.0';
    const key = s.key.address === '2001:db8:0:0:1:0:0:1' ? tcp('2001:db8::1:0:0:1', 80, 6) : s.key;
    return {
      key,
      scheduler: s.scheduler,
      flags,
      ...(persistent ? { persistence: s.persistence } : {}),
      ...(persistent && netmask !== undefined ? { netmask } : {}),
      ...(s.pe ? { pe: s.pe } : {}),
      destinations: DESTS.filter(([k]) => JSON.stringify(k) === JSON.stringify(key)).map(([, d]) => {
        const e = { ...d, family: d.family ?? (d.address.includes(':') ? 6 : 4) };
        if (e.forwarding === 'tunnel') {
          e.tunnelType = d.tunnelType ?? 'ipip';
          if (d.tunnelRemoteChecksum) e.tunnelNoChecksum = false;
        }
        return e;
      }),
    };
  });
  return shape(svcs);
}

describe('a table written by the client', () => {
  before(async () => {
    await flush();
    for (const s of SERVICES) await client.addService(s);
    for (const [k, d] of DESTS) {
      const key = k.address === '2001:db8::1:0:0:1' ? tcp('2001:db8:0:0:1:0:0:1', 80, 6) : k;
      await client.addDestination(key, d);
    }
  });

  test('reads back through the client as written', async () => {
    assert.deepEqual(shape(await client.listAll()), expectedShape());
  });

  test('equals the table ipvsadm -R makes from the same rules (ipvsadm -Sn)', async () => {
    const ours = await ipvsadm('-Sn');
    await flush();
    await ipvsadmRestore(RULES);
    const theirs = await ipvsadm('-Sn');
    assert.equal(ours, theirs);
    // and the client reads ipvsadm's table the same way
    assert.deepEqual(shape(await client.listAll()), expectedShape());
  });

  test('every ipvsadm -Ln view equals the client-formatted view', async () => {
    const info = await client.getInfo();
    const all = await client.listAll();
    for (const [view, args] of [
      ['default', []],
      ['thresholds', ['--thresholds']],
      ['persistent-conn', ['--persistent-conn']],
      ['tun-info', ['--tun-info']],
      ['stats', ['--stats']],
      ['rate', ['--rate']],
    ]) {
      assert.equal(formatList(info, all, { view }), await ipvsadm('-Ln', ...args), `view ${view}`);
    }
    assert.equal(formatList(info, all, { view: 'stats', exact: true }), await ipvsadm('-Ln', '--stats', '--exact'));
  });

  test('hacore-ipvs list prints exactly what ipvsadm -Ln prints, and --json the same table', async () => {
    assert.equal(await hacoreIpvs('list'), await ipvsadm('-Ln'));
    // one service, as `ipvsadm -Ln -t ...` prints it (no version line)
    assert.equal(await hacoreIpvs('list', '-t', '198.51.100.13:443', '--tun-info'), await ipvsadm('-Ln', '-t', '198.51.100.13:443', '--tun-info'));
    const doc = JSON.parse(await hacoreIpvs('list', '--json'));
    assert.deepEqual(shape(doc.services), expectedShape());
    assert.equal(doc.info.connectionTableSize, 4096);
    assert.deepEqual(doc.timeouts, await client.getTimeouts());
  });

  test('a larger table in shuffled order lists exactly as ipvsadm -Ln (sort order of services and destinations)', async () => {
    // A seeded shuffle: every run inserts in the same scrambled order.
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const shuffle = (xs) => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [xs[i], xs[j]] = [xs[j], xs[i]];
      }
      return xs;
    };
    const keys = [];
    for (let i = 0; i < 40; i++) {
      keys.push(tcp(`198.51.100.${100 + (i % 20)}`, 80 + Math.floor(i / 20) * 1000));
      keys.push(udp(`198.51.100.${100 + (i % 20)}`, 53 + i));
      keys.push(tcp(`2001:db8::${(i * 37).toString(16)}`, 443, 6));
      keys.push(fwm(100 + i, i % 2 ? 6 : 4));
    }
    const ops = shuffle(keys.map((key) => ({ op: 'addService', service: { key, scheduler: ['rr', 'wlc', 'sh', 'mh'][keys.indexOf(key) % 4] } })));
    for (const key of keys) {
      const v6 = key.family === 6;
      for (let j = 0; j < 4; j++) {
        const address = v6 ? `2001:db8:1::${(j * 300 + 7).toString(16)}` : `203.0.113.${[200, 3, 30, 100][j]}`;
        ops.push({ op: 'addDestination', key, destination: { address, port: key.fwmark === undefined ? [8080, 80, 443, 8080][j] : 0, forwarding: 'droute', weight: j } });
      }
    }
    const tail = shuffle(ops.splice(keys.length));
    const res = await client.applyBatch([...ops, ...tail]);
    assert.ok(res.every((r) => r.ok), JSON.stringify(res.find((r) => !r.ok)?.error?.message));
    assert.equal(formatList(await client.getInfo(), await client.listAll()), await ipvsadm('-Ln'));
    for (const key of keys) await client.deleteService(key);
  });

  test('getService finds one service and reports a missing one as undefined', async () => {
    const s = await client.getService(udp('198.51.100.11', 53));
    assert.equal(s?.scheduler, 'wlc');
    assert.equal(s?.flags?.onePacket, true);
    assert.equal(await client.getService(udp('198.51.100.11', 54)), undefined);
  });
});

describe('edits and deletions', () => {
  const key = tcp('198.51.100.20', 80);
  before(async () => {
    await flush();
    await client.addService({ key, scheduler: 'rr' });
    await client.addDestination(key, { address: '203.0.113.1', port: 80, forwarding: 'masq', weight: 1 });
    await client.addDestination(key, { address: '203.0.113.2', port: 80, forwarding: 'masq', weight: 1 });
  });

  test('editService changes scheduler, persistence and flags in place', async () => {
    await client.editService({ key, scheduler: 'wlc', persistence: 600, netmask: '255.255.0.0' });
    assert.match(await ipvsadm('-Ln'), /^TCP  198\.51\.100\.20:80 wlc persistent 600 mask 255\.255\.0\.0$/m);
    await client.editService({ key, scheduler: 'sh', flags: { shPort: true } });
    assert.match(await ipvsadm('-Ln'), /^TCP  198\.51\.100\.20:80 sh \(sh-port\)$/m);
    // the destinations survive an edit
    assert.equal((await client.listDestinations(key)).length, 2);
  });

  test('editDestination changes weight, forwarding and thresholds', async () => {
    await client.editDestination(key, { address: '203.0.113.2', port: 80, forwarding: 'droute', weight: 7, upperThreshold: 50, lowerThreshold: 5 });
    const out = await ipvsadm('-Ln', '--thresholds');
    assert.match(out, /^ {2}-> 203\.0\.113\.2:80 +50 +5 +0 +0 *$/m);
    assert.match(await ipvsadm('-Ln'), /^ {2}-> 203\.0\.113\.2:80 +Route +7 +0 +0 *$/m);
    const d = (await client.listDestinations(key)).find((x) => x.address === '203.0.113.2');
    assert.deepEqual([d.forwarding, d.weight, d.upperThreshold, d.lowerThreshold], ['droute', 7, 50, 5]);
  });

  test('deleteDestination and deleteService remove exactly that', async () => {
    await client.deleteDestination(key, { address: '203.0.113.1', port: 80 });
    let out = await ipvsadm('-Ln');
    assert.doesNotMatch(out, /203\.0\.113\.1:80/);
    assert.match(out, /203\.0\.113\.2:80/);
    await client.addService({ key: tcp('198.51.100.21', 80), scheduler: 'rr' });
    await client.deleteService(key);
    out = await ipvsadm('-Ln');
    assert.doesNotMatch(out, /198\.51\.100\.20:80/);
    assert.match(out, /198\.51\.100\.21:80/);
  });

  test('flush empties the table', async () => {
    await client.flush();
    assert.deepEqual(await client.listServices(), []);
    assert.equal((await ipvsadm('-Ln')).split('\n').length, 4); // three header lines + ''
  });
});

describe('kernel refusals come back as IpvsError with the operation and errno', () => {
  const key = tcp('198.51.100.30', 80);
  before(async () => {
    await flush();
    await client.addService({ key, scheduler: 'rr' });
    await client.addDestination(key, { address: '203.0.113.1', port: 80, forwarding: 'masq', weight: 1 });
  });

  const refused = (op, errno) => (err) => {
    assert.equal(err.code, 'HACORE_ERR_IPVS');
    assert.equal(err.name, 'IpvsError');
    assert.equal(err.op, op);
    assert.equal(err.errno, errno);
    assert.match(err.message, new RegExp(`${op}.*${errno}`));
    return true;
  };

  test('duplicate service: EEXIST from addService', async () => {
    await assert.rejects(client.addService({ key, scheduler: 'wrr' }), refused('addService', 'EEXIST'));
  });

  test('unknown scheduler: ENOENT from addService, and nothing added', async () => {
    await assert.rejects(client.addService({ key: tcp('198.51.100.31', 80), scheduler: 'nosuch' }), refused('addService', 'ENOENT'));
    assert.doesNotMatch(await ipvsadm('-Ln'), /198\.51\.100\.31/);
  });

  test('address family mismatch: EINVAL from addDestination (IPv6 masq into IPv4)', async () => {
    await assert.rejects(
      client.addDestination(key, { address: '2001:db8::5', port: 80, forwarding: 'masq', weight: 1 }),
      refused('addDestination', 'EINVAL'),
    );
  });

  test('missing service and destination: ESRCH and ENOENT', async () => {
    await assert.rejects(client.editService({ key: tcp('198.51.100.32', 80), scheduler: 'rr' }), refused('editService', 'ESRCH'));
    await assert.rejects(client.deleteService(tcp('198.51.100.32', 80)), refused('deleteService', 'ESRCH'));
    await assert.rejects(client.listDestinations(tcp('198.51.100.32', 80)), refused('listDestinations', 'ESRCH'));
    await assert.rejects(
      client.addDestination(tcp('198.51.100.32', 80), { address: '203.0.113.1', port: 80, forwarding: 'masq', weight: 1 }),
      refused('addDestination', 'ESRCH'),
    );
    await assert.rejects(client.deleteDestination(key, { address: '203.0.113.99', port: 80 }), refused('deleteDestination', 'ENOENT'));
    await assert.rejects(
      client.editDestination(key, { address: '203.0.113.99', port: 80, forwarding: 'masq', weight: 1 }),
      refused('editDestination', 'ENOENT'),
    );
    await assert.rejects(client.editService({ key, scheduler: 'nosuch' }), refused('editService', 'ENOENT'));
    assert.match(await ipvsadm('-Ln'), /^TCP  198\.51\.100\.30:80 rr$/m); // unchanged
    await assert.rejects(client.addDestination(key, { address: '203.0.113.1', port: 80, forwarding: 'masq', weight: 1 }), refused('addDestination', 'EEXIST'));
  });

  test('bad input is refused before the kernel with HACORE_ERR_IPVS_INPUT', async () => {
    await assert.rejects(client.addService({ key: tcp('not-an-ip', 80), scheduler: 'rr' }), { code: 'HACORE_ERR_IPVS_INPUT' });
    await assert.rejects(client.addService({ key: tcp('198.51.100.33', 70000), scheduler: 'rr' }), { code: 'HACORE_ERR_IPVS_INPUT' });
    await assert.rejects(client.addService({ key: tcp('2001:db8::1', 80, 4), scheduler: 'rr' }), { code: 'HACORE_ERR_IPVS_INPUT' });
  });

  test('a batch with refusals applies every other op and reports each refusal', async () => {
    const res = await client.applyBatch([
      { op: 'addService', service: { key: tcp('198.51.100.40', 80), scheduler: 'rr' } },
      { op: 'addService', service: { key: tcp('198.51.100.41', 80), scheduler: 'nosuch' } },
      { op: 'addService', service: { key, scheduler: 'rr' } },
      { op: 'addDestination', key: tcp('198.51.100.40', 80), destination: { address: '203.0.113.2', port: 80, forwarding: 'masq', weight: 4 } },
      { op: 'addDestination', key, destination: { address: '2001:db8::5', port: 80, forwarding: 'masq', weight: 1 } },
      { op: 'addDestination', key: tcp('198.51.100.40', 80), destination: { address: 'bad', port: 80, forwarding: 'masq', weight: 1 } },
      { op: 'editDestination', key, destination: { address: '203.0.113.1', port: 80, forwarding: 'masq', weight: 9 } },
    ]);
    assert.deepEqual(
      res.map((r) => (r.ok ? 'ok' : `${r.error.op ?? r.error.code}:${r.error.errno ?? ''}`)),
      ['ok', 'addService:ENOENT', 'addService:EEXIST', 'ok', 'addDestination:EINVAL', 'HACORE_ERR_IPVS_INPUT:', 'ok'],
    );
    const out = await ipvsadm('-Ln');
    assert.match(out, /^TCP  198\.51\.100\.40:80 rr$/m);
    assert.match(out, /^ {2}-> 203\.0\.113\.2:80 +Masq +4 /m);
    assert.match(out, /^ {2}-> 203\.0\.113\.1:80 +Masq +9 /m);
    assert.doesNotMatch(out, /198\.51\.100\.41/);
  });

  test('a batch refused as a whole reports every refusal (no error lost to a full socket buffer)', async () => {
    const ops = [];
    for (let i = 0; i < 1500; i++) ops.push({ op: 'addService', service: { key: tcp('198.51.100.42', 2000 + i), scheduler: 'rr' } });
    assert.ok((await client.applyBatch(ops)).every((r) => r.ok));
    const again = await client.applyBatch(ops);
    assert.equal(again.filter((r) => !r.ok && r.error.errno === 'EEXIST').length, ops.length);
    const del = await client.applyBatch(ops.map((o) => ({ op: 'deleteService', key: o.service.key })));
    assert.ok(del.every((r) => r.ok));
    assert.doesNotMatch(await ipvsadm('-Ln'), /198\.51\.100\.42/);
  });
});

describe('statistics and zeroing', () => {
  const vip = '198.51.100.80';
  const key = tcp(vip, 80);
  let server;
  let port;

  before(async () => {
    await flush();
    // A local real server: IPVS schedules the VM's own connections (LOCAL_OUT)
    // and forwards them to a destination on a local address.
    await execFileP('ip', ['addr', 'add', `${vip}/32`, 'dev', 'lo']);
    server = createServer((req, res) => res.end('hello from the real server\n'));
    server.listen(0, vip);
    await once(server, 'listening');
    port = server.address().port;
    await client.addService({ key, scheduler: 'rr' });
    await client.addDestination(key, { address: vip, port, forwarding: 'masq', weight: 1 });
  });

  after(async () => {
    server?.close();
    await execFileP('ip', ['addr', 'del', `${vip}/32`, 'dev', 'lo']).catch(() => undefined);
  });

  async function request() {
    const sock = connect(80, vip);
    let data = '';
    sock.setEncoding('utf8');
    sock.on('data', (d) => (data += d));
    await once(sock, 'connect');
    sock.end(`GET / HTTP/1.0\r\nHost: ${vip}\r\n\r\n`);
    await once(sock, 'close');
    return data;
  }

  /** The service's counters once the kernel's estimator has folded them in (every 2 s). */
  async function statsWhen(pred) {
    const r = await until(async () => {
      const [svc] = (await client.listAll()).filter((s) => s.key.address === vip);
      return { ok: pred(svc), svc };
    });
    assert.ok(r.ok, `counters never matched: ${JSON.stringify(r.svc?.stats)}`);
    return r.svc;
  }

  test('counters read by the client equal ipvsadm --stats --exact, then zero clears them', async () => {
    for (let i = 0; i < 5; i++) assert.match(await request(), /hello from the real server/);
    const svc = await statsWhen((s) => s.stats.connections === 5);
    assert.ok(svc.stats.inPackets >= 15 && svc.stats.outPackets > 0, JSON.stringify(svc.stats));
    assert.ok(svc.stats.inBytes > 0 && svc.stats.outBytes > 0);
    assert.equal(svc.destinations[0].stats.connections, 5);
    const info = await client.getInfo();
    // Late FIN packets may still be folded in between two readings: compare until a pair agrees.
    const r = await until(async () => {
      const ours = formatList(info, await client.listAll(), { view: 'stats', exact: true });
      const theirs = await ipvsadm('-Ln', '--stats', '--exact');
      return { ok: ours === theirs, ours, theirs };
    });
    assert.equal(r.ours, r.theirs);
    assert.equal(formatList(info, await client.listAll()), await ipvsadm('-Ln'));

    await client.zero(key);
    const zeroed = (await client.listAll())[0];
    assert.equal(zeroed.stats.connections, 0);
    assert.equal(zeroed.destinations[0].stats.connections, 0);
    assert.match(await ipvsadm('-Ln', '--stats'), new RegExp(`^TCP  ${vip.replace(/\./g, '\\.')}:80 +0 +0 +0 +0 +0$`, 'm'));

    await request();
    await statsWhen((s) => s.stats.connections === 1);
    await client.zero();
    assert.equal((await client.listServices())[0].stats.connections, 0);
  });

  test('rates read by the client equal ipvsadm --rate once the estimator has run', async () => {
    for (let i = 0; i < 5; i++) await request();
    const info = await client.getInfo();
    // Rates move every 2 s: compare pairs of readings until one pair agrees.
    const r = await until(async () => {
      const ours = formatList(info, await client.listAll(), { view: 'rate' });
      const theirs = await ipvsadm('-Ln', '--rate');
      return { ok: ours === theirs, ours, theirs };
    });
    assert.equal(r.ours, r.theirs);
  });
});

describe('timeouts and the connection-sync daemon', () => {
  before(async () => {
    await flush();
  });
  after(async () => {
    for (const state of ['master', 'backup']) await client.stopSyncDaemon(state).catch(() => undefined);
    await execFileP('ip', ['link', 'del', 'hvsync0']).catch(() => undefined);
  });

  test('setTimeouts shows in ipvsadm --timeout, ipvsadm --set shows in getTimeouts', async () => {
    await client.setTimeouts({ tcp: 1000, tcpFin: 0, udp: 200 });
    assert.equal(await ipvsadm('-Ln', '--timeout'), 'Timeout (tcp tcpfin udp): 1000 120 200\n');
    await ipvsadm('--set', '901', '121', '301');
    const t = await client.getTimeouts();
    assert.deepEqual(t, { tcp: 901, tcpFin: 121, udp: 301 });
    assert.equal(formatTimeouts(t), await ipvsadm('-Ln', '--timeout'));
  });

  test('start, list and stop master and backup sync daemons', async () => {
    await execFileP('ip', ['link', 'add', 'hvsync0', 'type', 'veth', 'peer', 'name', 'hvsync1']);
    await execFileP('ip', ['link', 'set', 'hvsync0', 'up']);
    await execFileP('ip', ['addr', 'add', '198.51.100.1/24', 'dev', 'hvsync0']);
    await client.startSyncDaemon({ state: 'master', interface: 'hvsync0', syncId: 5 });
    await client.startSyncDaemon({
      state: 'backup', interface: 'hvsync0', syncId: 6, maxLength: 1400, multicastGroup: '239.1.2.3', multicastPort: 9000, multicastTtl: 2,
    });
    const daemons = await client.listSyncDaemons();
    assert.deepEqual(daemons.map((d) => [d.state, d.interface, d.syncId]), [['master', 'hvsync0', 5], ['backup', 'hvsync0', 6]]);
    const backup = daemons[1];
    assert.deepEqual([backup.maxLength, backup.multicastGroup, backup.multicastPort, backup.multicastTtl], [1400, '239.1.2.3', 9000, 2]);
    const text = await ipvsadm('-Ln', '--daemon');
    assert.match(text, /^master sync daemon \(mcast=hvsync0, syncid=5/m);
    assert.equal(formatDaemons(daemons), text);
    // through the core CLI, which forwards `hacore ipvs ...` to the hacore-ipvs bin
    const { stdout } = await execFileP(join(ROOT, 'node_modules/.bin/hacore'), ['ipvs', 'list', '--daemon']);
    assert.equal(stdout, text);

    await assert.rejects(client.startSyncDaemon({ state: 'master', interface: 'hvsync0', syncId: 7 }), { code: 'HACORE_ERR_IPVS', op: 'startSyncDaemon', errno: 'EEXIST' });
    await client.stopSyncDaemon('master');
    await assert.rejects(client.startSyncDaemon({ state: 'master', interface: 'hvnosuch0', syncId: 7 }), { op: 'startSyncDaemon', errno: 'ENODEV' });
    assert.deepEqual((await client.listSyncDaemons()).map((d) => d.state), ['backup']);
    await client.stopSyncDaemon('backup');
    assert.equal(await ipvsadm('-Ln', '--daemon'), '');
    assert.deepEqual(await client.listSyncDaemons(), []);
  });
});
