// UDP checker (UDP_CHECK) in network namespaces: socat as a UDP echo service,
// NSD answering a DNS query sent as a hex payload, a closed port (ICMP port
// unreachable fails the probe at once), an ICMP host unreachable, a host that
// drops, no leaks after 1,000 probes, and config errors through the core.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Hacore } from '@hacore/core';
import { Lab } from '../lib/lab.mjs';
import { repoTempDir } from '../lib/daemon.mjs';
import { probeInNamespace } from '../lib/probe-in-ns.mjs';

const MODULE = fileURLToPath(new URL('../../packages/checker-udp/dist/src/index.js', import.meta.url));
const A = { chk: '198.51.100.1', srv: '198.51.100.7', srv6: '2001:db8::7', drop: '198.51.100.8' };
const dir = repoTempDir('udp');
after(() => rmSync(dir, { recursive: true, force: true }));

function spec(options = {}) {
  return {
    name: 'udp', type: 'udp', target: { address: options.address ?? A.srv, port: options.port ?? 7 }, interval: 1000, timeout: 1000, rise: 1, fall: 1, retryDelay: 1000, warmup: 0, alpha: false,
    minReplyLength: 0, maxReplyLength: 255, ...options,
  };
}

// A DNS query for example.test SOA, id 0x1234, RD, as keepalived's hex string.
const DNS_QUERY = '1234 0100 0001 0000 0000 0000 07 6578616d706c65 04 74657374 00 0006 0001';

describe('UDP checker in a namespace lab', () => {
  let lab;
  const probeAll = (specs, timeoutMs = 1000) =>
    probeInNamespace(lab.ns('chk'), { module: MODULE, className: 'UdpChecker', mode: 'probe', specs, probes: specs.map((_, i) => ({ spec: i, timeoutMs })) });

  before(async () => {
    lab = await Lab.create('udp', ['chk', 'srv', 'drop'], { addresses: { chk: [`${A.chk}/24`, '2001:db8::1/64'], srv: [`${A.srv}/24`, `${A.srv6}/64`], drop: [`${A.drop}/24`] } });
    writeFileSync(path.join(dir, 'nsd.conf'), [
      'server:', `  ip-address: ${A.srv}`, `  ip-address: ${A.srv6}`, '  port: 53', '  username: ""', '  chroot: ""', `  zonesdir: "${dir}"`, `  pidfile: "${dir}/nsd.pid"`, '  database: ""',
      `  zonelistfile: "${dir}/zone.list"`, `  xfrdfile: "${dir}/xfrd.state"`, `  xfrdir: "${dir}"`, '  server-count: 1',
      'remote-control:', '  control-enable: no', 'zone:', '  name: example.test', '  zonefile: z.zone', '',
    ].join('\n'));
    writeFileSync(path.join(dir, 'z.zone'), ['$ORIGIN example.test.', '$TTL 60', '@ IN SOA ns1 hostmaster 1 3600 600 86400 60', '@ IN NS ns1', `ns1 IN A ${A.srv}`, ''].join('\n'));
    for (const rule of [
      ['add', 'table', 'inet', 'hacoretest'],
      ['add', 'chain', 'inet', 'hacoretest', 'input', '{ type filter hook input priority 0; policy accept; }'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'udp', 'dport', '9998', 'reject', 'with', 'icmp', 'type', 'admin-prohibited'],
    ]) await lab.exec('srv', 'nft', rule);
    // No ICMP rate limit on the server, so that every probe to a closed port gets its unreachable.
    await lab.exec('srv', 'sysctl', ['-q', '-w', 'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0']);
    for (const rule of [
      ['add', 'table', 'inet', 'hacoretest'],
      ['add', 'chain', 'inet', 'hacoretest', 'input', '{ type filter hook input priority 0; policy accept; }'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'udp', 'dport', '7', 'drop'],
    ]) await lab.exec('drop', 'nft', rule);
    const ready = (child, re) => new Promise((resolve, reject) => {
      let out = '';
      child.stderr.on('data', (d) => ((out += d), re.test(out) && resolve()));
      child.once('exit', (c) => reject(new Error(`exited ${c}: ${out}`)));
    });
    // socat -d -d says "receiving on" once bound; PIPE echoes each datagram back.
    const echo4 = lab.spawn('srv', 'socat', ['-d', '-d', `UDP4-RECVFROM:7,bind=${A.srv},fork`, 'PIPE']);
    const echo6 = lab.spawn('srv', 'socat', ['-d', '-d', `UDP6-RECVFROM:7,bind=[${A.srv6}],fork`, 'PIPE']);
    await Promise.all([ready(echo4, /receiving on/), ready(echo6, /receiving on/), ready(lab.spawn('srv', 'nsd', ['-d', '-c', path.join(dir, 'nsd.conf')]), /nsd started/)]);
  });
  after(async () => {
    await lab?.destroy();
  });

  test('replies from socat and NSD pass or fail on content, X nibbles and length', async () => {
    const r = await probeAll([
      spec({ payload: 'deadbeef 01', requireReply: 'dead XXef' }),
      spec({ payload: 'deadbeef 01', requireReply: 'dead bXef 02' }),
      spec({ payload: 'deadbeef 01', requireReply: true, minReplyLength: 6 }),
      spec({ payload: 'deadbeef 01', requireReply: true, maxReplyLength: 4 }),
      spec({ address: A.srv6, payload: 'c0ffee', requireReply: 'c0ffee' }),
      spec({ requireReply: true, minReplyLength: 16, maxReplyLength: 16 }),
      // A real DNS server: id echoed, QR set, any opcode/flags nibbles, rcode NOERROR, one question.
      spec({ port: 53, payload: DNS_QUERY, requireReply: '1234 8XX0 0001', minReplyLength: 12 }),
    ]);
    assert.deepEqual(r.results.map((x) => [x.ok, x.reason]), [
      [true, 'reply matched'], [false, 'reply not matched'], [false, 'reply of 5 octets (at least 6)'], [false, 'reply of 5 octets (at most 4)'],
      [true, 'reply matched'], [true, 'reply'], [true, 'reply matched'],
    ]);
    assert.equal(r.fdsAfter, r.fdsBefore);
  });

  test('ICMP port unreachable and administratively prohibited fail the probe at once (< 100 ms), with or without requireReply', async () => {
    const r = await probeAll([
      spec({ port: 9999, payload: '00' }),
      spec({ port: 9999, requireReply: true }),
      spec({ port: 9998, payload: '00' }),
      spec({ address: A.srv6, port: 9999 }),
    ], 2000);
    assert.deepEqual(r.results.map((x) => [x.ok, x.reason]), [[false, 'ECONNREFUSED'], [false, 'ECONNREFUSED'], [false, 'EHOSTUNREACH'], [false, 'ECONNREFUSED']]);
    for (const x of r.results) assert.ok(x.latencyMs < 100, `${x.reason} after ${x.latencyMs} ms`);
  });

  test('a host that drops: no reply fails with requireReply; silence passes without it (keepalived)', async () => {
    const r = await probeAll([spec({ address: A.drop, requireReply: true, replyTimeout: 300 }), spec({ address: A.drop, replyTimeout: 300 }), spec({ address: A.drop, timeout: 400 })], 500);
    assert.deepEqual(r.results.map((x) => [x.ok, x.reason]), [[false, 'no reply'], [true, 'no reply, no ICMP error'], [true, 'no reply, no ICMP error']]);
    assert.ok(r.results[0].latencyMs >= 295, JSON.stringify(r.results[0]));
  });

  test('1,000 probes (replies, refusals, timeouts, aborts) leave no socket, timer or descriptor behind', async () => {
    // NSD rather than socat here: socat forks per datagram and loses some when 50 arrive at once.
    const specs = [spec({ port: 53, payload: DNS_QUERY, requireReply: '1234 8X' }), spec({ port: 9999, requireReply: true }), spec({ address: A.drop, requireReply: true, replyTimeout: 100 }), spec({ address: A.srv6, port: 53, payload: DNS_QUERY, requireReply: true })].map((x) => ({ ...x, timeout: 1000 }));
    const r = await probeInNamespace(lab.ns('chk'), { module: MODULE, className: 'UdpChecker', mode: 'leak', specs, probes: 1000, timeoutMs: 1000, abortEvery: 7, abortAfterMs: 1 });
    assert.equal(r.ok + r.fail, 1000);
    assert.ok(r.reasons['reply matched'] > 150 && r.reasons.reply > 150 && r.reasons.ECONNREFUSED > 150 && r.reasons['no reply'] > 150 && r.reasons.timeout >= 50, JSON.stringify(r.reasons));
    assert.equal(r.fdsAfter, r.fdsBefore, JSON.stringify(r));
    assert.deepEqual(r.resAfter, r.resBefore);
  });
});

test('config errors name the file, the path and the reason', async () => {
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, [
    'plugins: ["@hacore/checker-udp"]', `controlSocket: ${path.join(dir, 'bad.sock')}`, `pidFile: ${path.join(dir, 'bad.pid')}`,
    'checks:',
    '  - { name: u1, type: udp, address: 198.51.100.7, port: 7, payload: "12 zz", requireReply: "12 3Y" }',
    '  - { name: u2, type: udp, address: 198.51.100.7, port: 7, minReplyLength: 10, maxReplyLength: 5, timeout: 1s, replyTimeout: 2s }',
    '  - { name: u3, type: udp, address: 198.51.100.7, payload: "" }',
    '',
  ].join('\n'));
  await assert.rejects(Hacore.load({ configFile: file, role: 'single' }), (err) => {
    assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID', err.message);
    assert.ok(err.message.includes(`${file}:5: checks[0].payload`), err.message);
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i]));
    assert.match(byPath['checks[0].payload'].expected, /"z" in "zz" is not a hex digit/);
    assert.match(byPath['checks[0].requireReply'].expected, /hex/);
    assert.ok(byPath['checks[2].port'] && byPath['checks[2].payload'], err.message);
    return true;
  });
  const file2 = path.join(dir, 'bad2.yaml');
  writeFileSync(file2, ['plugins: ["@hacore/checker-udp"]', `controlSocket: ${path.join(dir, 'bad2.sock')}`, `pidFile: ${path.join(dir, 'bad2.pid')}`, 'checks:',
    '  - { name: u2, type: udp, address: 198.51.100.7, port: 7, minReplyLength: 10, maxReplyLength: 5, timeout: 1s, replyTimeout: 2s }', ''].join('\n'));
  await assert.rejects(Hacore.load({ configFile: file2, role: 'single' }), (err) => {
    assert.deepEqual(err.issues.map((i) => i.path).sort(), ['checks[0].minReplyLength', 'checks[0].replyTimeout'], err.message);
    assert.ok(err.message.includes(file2), err.message);
    return true;
  });
});
