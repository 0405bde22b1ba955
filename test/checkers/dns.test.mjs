// DNS checker (DNS_CHECK) in network namespaces against a real NSD serving a
// zone written here: UDP and TCP, every query type, NXDOMAIN, SERVFAIL (a zone
// that failed to load), a server that drops, a truncated answer (TCP fallback),
// wrong ids and a response flood from another source through a middlebox, no
// leaks after 1,000 probes, and config errors through the core.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Hacore } from '@hacore/core';
import { Lab } from '../lib/lab.mjs';
import { repoTempDir } from '../lib/daemon.mjs';
import { probeInNamespace } from '../lib/probe-in-ns.mjs';

const MODULE = fileURLToPath(new URL('../../packages/checker-dns/dist/src/index.js', import.meta.url));
const MIDDLEBOX = fileURLToPath(new URL('../lib/dns-middlebox.mjs', import.meta.url));
const FLOODER = fileURLToPath(new URL('../lib/dns-flooder.mjs', import.meta.url));
const A = { chk: '198.51.100.1', dns: '198.51.100.53', dns6: '2001:db8::53', mbox: '198.51.100.54', flood: '198.51.100.55', drop: '198.51.100.56' };

const dir = repoTempDir('dns');
after(() => rmSync(dir, { recursive: true, force: true }));

function spec(options = {}, common = {}) {
  return {
    name: 'dns', type: 'dns', target: { address: options.address ?? A.dns, port: 53 }, interval: 1000, timeout: 1000, rise: 1, fall: 1, retryDelay: 1000, warmup: 0, alpha: false,
    query: '.', queryType: 'SOA', transport: 'udp', tcpFallback: true, retries: 2, recursion: true, rcode: ['NOERROR'], minAnswers: 0, requireAd: false,
    ...common, ...options,
  };
}

function writeZone() {
  const bigTxt = Array.from({ length: 12 }, (_, i) => `big IN TXT "${String(i).padStart(2, '0')} ${'x'.repeat(60)}"`);
  writeFileSync(path.join(dir, 'example.test.zone'), [
    '$ORIGIN example.test.', '$TTL 60',
    '@ IN SOA ns1 hostmaster 2026120601 3600 600 86400 60',
    '@ IN NS ns1', '@ IN MX 10 mail', '@ IN TXT "v=spf1 -all"',
    `ns1 IN A ${A.dns}`, 'www IN A 198.51.100.80', 'www IN A 198.51.100.81', 'www IN AAAA 2001:db8:0:0::80',
    'alias IN CNAME www', 'mail IN A 198.51.100.25', '_dns._udp IN SRV 0 5 53 ns1',
    'wrongid IN A 198.51.100.90', 'late IN A 198.51.100.91', 'flood IN A 198.51.100.92',
    ...bigTxt, '',
  ].join('\n'));
  writeFileSync(path.join(dir, 'rev.zone'), ['$ORIGIN 100.51.198.in-addr.arpa.', '$TTL 60', '@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 60', '@ IN NS ns1.example.test.', '80 IN PTR www.example.test.', ''].join('\n'));
  writeFileSync(path.join(dir, 'nsd.conf'), [
    'server:', `  ip-address: ${A.dns}`, `  ip-address: ${A.dns6}`, '  port: 53', '  username: ""', '  chroot: ""', `  zonesdir: "${dir}"`,
    `  pidfile: "${dir}/nsd.pid"`, '  database: ""', `  zonelistfile: "${dir}/zone.list"`, `  xfrdfile: "${dir}/xfrd.state"`, `  xfrdir: "${dir}"`,
    '  server-count: 1', '  verbosity: 1', '  refuse-any: yes',
    'remote-control:', '  control-enable: no',
    'zone:', '  name: example.test', '  zonefile: example.test.zone',
    'zone:', '  name: 100.51.198.in-addr.arpa', '  zonefile: rev.zone',
    // Configured but its file is missing: NSD answers SERVFAIL for it.
    'zone:', '  name: broken.test', '  zonefile: missing.zone', '',
  ].join('\n'));
}

/** Starts a process in a lab host and resolves once it prints `ready` on its output. */
function started(child, ready) {
  return new Promise((resolve, reject) => {
    let out = '';
    const on = (d) => {
      out += d;
      if (ready.test(out)) resolve(child);
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.once('exit', (c) => reject(new Error(`exited ${c} before ready: ${out}`)));
  });
}

describe('DNS checker against NSD in a namespace lab', () => {
  let lab;
  let flooder;
  const run = (job, host = 'chk') => probeInNamespace(lab.ns(host), { module: MODULE, className: 'DnsChecker', ...job });
  /** One probe per spec, all at once. */
  const probeAll = (specs, timeoutMs = 1500) => run({ mode: 'probe', specs, probes: specs.map((_, i) => ({ spec: i, timeoutMs })) });

  before(async () => {
    writeZone();
    lab = await Lab.create('dns', ['chk', 'dns', 'mbox', 'fl', 'drop'], {
      addresses: { chk: [`${A.chk}/24`, '2001:db8::1/64'], dns: [`${A.dns}/24`, `${A.dns6}/64`], mbox: [`${A.mbox}/24`], fl: [`${A.flood}/24`], drop: [`${A.drop}/24`] },
    });
    for (const rule of [
      ['add', 'table', 'inet', 'hacoretest'],
      ['add', 'chain', 'inet', 'hacoretest', 'input', '{ type filter hook input priority 0; policy accept; }'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'udp', 'dport', '53', 'drop'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'tcp', 'dport', '53', 'drop'],
    ]) await lab.exec('drop', 'nft', rule);
    // Counts the forged answers that reach the checker's host.
    for (const rule of [
      ['add', 'table', 'inet', 'hacoretest'],
      ['add', 'chain', 'inet', 'hacoretest', 'input', '{ type filter hook input priority 0; policy accept; }'],
      ['add', 'rule', 'inet', 'hacoretest', 'input', 'ip', 'saddr', A.flood, 'udp', 'sport', '53', 'counter'],
    ]) await lab.exec('chk', 'nft', rule);
    await Promise.all([
      started(lab.spawn('dns', 'nsd', ['-d', '-c', path.join(dir, 'nsd.conf')]), /nsd started/),
      started(lab.spawn('mbox', process.execPath, [MIDDLEBOX, A.mbox, A.dns, A.flood]), /ready/),
      started((flooder = lab.spawn('fl', process.execPath, [FLOODER, A.flood])), /ready/),
    ]);
  });
  after(async () => {
    await lab?.destroy();
  });

  test('every query type over UDP, IPv4 and IPv6, with expected answers', async () => {
    const specs = [
      spec({}), // SOA of "."? NSD is not authoritative for the root: REFUSED
      spec({ query: 'example.test', queryType: 'SOA', minAnswers: 1, expectAnswer: '/^ns1\\.example\\.test\\. hostmaster\\.example\\.test\\. 2026120601 /' }),
      spec({ query: 'www.example.test', queryType: 'A', minAnswers: 2, expectAnswer: '198.51.100.81' }),
      spec({ query: 'WWW.Example.Test.', queryType: 'AAAA', expectAnswer: '2001:db8::0:80', address: A.dns6 }),
      spec({ query: 'example.test', queryType: 'NS', expectAnswer: 'NS1.example.test' }),
      spec({ query: 'alias.example.test', queryType: 'CNAME', expectAnswer: 'www.example.test.' }),
      spec({ query: 'example.test', queryType: 'MX', expectAnswer: '10 mail.example.test.' }),
      spec({ query: 'example.test', queryType: 'TXT', expectAnswer: '/spf1/' }),
      spec({ query: '_dns._udp.example.test', queryType: 'SRV', expectAnswer: '0 5 53 ns1.example.test.' }),
      spec({ query: '80.100.51.198.in-addr.arpa', queryType: 'PTR', expectAnswer: 'www.example.test.' }),
      spec({ query: 'www.example.test', queryType: 'A', expectAnswer: '198.51.100.99' }),
      spec({ query: 'www.example.test', queryType: 'A', minAnswers: 3 }),
      spec({ query: 'www.example.test', queryType: 'A', requireAd: true }),
      spec({ query: 'www.example.test', queryType: 'A', transport: 'tcp', expectAnswer: '198.51.100.80' }),
    ];
    const r = await probeAll(specs);
    assert.deepEqual(r.results.map((x) => [x.ok, x.reason]), [
      [false, 'rcode REFUSED'],
      [true, 'answer'], [true, 'answer'], [true, 'answer'], [true, 'answer'], [true, 'answer'], [true, 'answer'], [true, 'answer'], [true, 'answer'], [true, 'answer'],
      [false, 'answer not matched'],
      [false, '2 answers (at least 3 expected)'],
      [false, 'ad flag not set'],
      [true, 'answer over tcp'],
    ]);
    assert.equal(r.fdsAfter, r.fdsBefore);
    assert.deepEqual(r.resAfter, r.resBefore);
  });

  test('NXDOMAIN and SERVFAIL fail unless accepted; a truncated answer is asked again over TCP', async () => {
    const r = await probeAll([
      spec({ query: 'nosuch.example.test', queryType: 'A' }),
      spec({ query: 'nosuch.example.test', queryType: 'A', rcode: ['NOERROR', 'NXDOMAIN'] }),
      spec({ query: 'www.broken.test', queryType: 'A' }),
      spec({ query: 'big.example.test', queryType: 'TXT', minAnswers: 12 }),
      spec({ query: 'big.example.test', queryType: 'TXT', tcpFallback: false }),
      spec({ query: 'big.example.test', queryType: 'TXT', minAnswers: 12, ednsUdpSize: 4096 }),
    ]);
    assert.deepEqual(r.results.map((x) => [x.ok, x.reason]), [
      [false, 'rcode NXDOMAIN'], [true, 'answer'], [false, 'rcode SERVFAIL'],
      [true, 'answer over tcp'], [false, 'truncated'], [true, 'answer'],
    ]);
    assert.equal(r.stats[3].tcpFallbacks, 1);
    assert.equal(r.stats[5].tcpFallbacks, 0, 'with EDNS 4096 the answer fits in UDP');
  });

  test('a server that drops: timeout after every retry was sent, each from a new socket', async () => {
    const r = await probeAll([spec({ address: A.drop, retries: 2, retryInterval: 150 }), spec({ address: A.drop, transport: 'tcp' })], 600);
    assert.deepEqual(r.results.map((x) => [x.ok, x.reason]), [[false, 'timeout'], [false, 'timeout']]);
    assert.equal(r.stats[0].queries, 3);
    assert.ok(r.results[0].latencyMs >= 590, JSON.stringify(r.results[0]));
    assert.equal(r.fdsAfter, r.fdsBefore);
  });

  test('wrong ids are set aside: only wrong ones time out, a right one after a wrong one passes', async () => {
    const r = await probeAll([
      spec({ address: A.mbox, query: 'wrongid.example.test', queryType: 'A', retries: 0 }),
      spec({ address: A.mbox, query: 'late.example.test', queryType: 'A', retries: 0, expectAnswer: '198.51.100.91' }),
    ], 800);
    assert.deepEqual(r.results.map((x) => [x.ok, x.reason]), [[false, 'timeout'], [true, 'answer']]);
    assert.equal(r.stats[0].wrongId, 3);
    assert.equal(r.stats[1].wrongId, 1);
  });

  test('a flood of forged NXDOMAIN answers with the right id and port, from another source, is not taken', async () => {
    const flooded = new Promise((resolve) => flooder.stdout.on('data', (d) => /flooded (\d+)/.test(d) && resolve(Number(/flooded (\d+)/.exec(d)[1]))));
    const r = await probeAll([spec({ address: A.mbox, query: 'flood.example.test', queryType: 'A', retries: 0, expectAnswer: '198.51.100.92' })], 2000);
    assert.deepEqual([r.results[0].ok, r.results[0].reason], [true, 'answer'], JSON.stringify(r));
    assert.equal(await flooded, 2000);
    const ruleset = await lab.exec('chk', 'nft', ['list', 'table', 'inet', 'hacoretest']);
    const seen = Number(/counter packets (\d+)/.exec(ruleset)[1]);
    // Most of the flood reached the checker's host during the probe (the rest after it closed).
    assert.ok(seen > 100, ruleset);
    assert.equal(r.stats[0].wrongId + r.stats[0].wrongQuestion, 0, 'the kernel dropped them at the connected socket');
  });

  test('1,000 probes (answers, timeouts, aborts, TCP) leave no socket, timer or descriptor behind', async () => {
    const specs = [
      spec({ query: 'www.example.test', queryType: 'A' }),
      spec({ query: 'www.example.test', queryType: 'A', transport: 'tcp' }),
      spec({ query: 'nosuch.example.test', queryType: 'A' }),
      spec({ address: A.drop, retries: 1, retryInterval: 50 }),
      spec({ query: 'big.example.test', queryType: 'TXT' }),
    ];
    const r = await run({ mode: 'leak', specs, probes: 1000, timeoutMs: 500, abortEvery: 7, abortAfterMs: 1 });
    assert.equal(r.ok + r.fail, 1000);
    assert.ok(r.reasons.answer > 100 && r.reasons['answer over tcp'] > 100, JSON.stringify(r.reasons));
    assert.ok(r.reasons['rcode NXDOMAIN'] > 100 && r.reasons.timeout >= 200, JSON.stringify(r.reasons));
    assert.equal(r.fdsAfter, r.fdsBefore, JSON.stringify(r));
    assert.deepEqual(r.resAfter, r.resBefore);
  });
});

test('config errors name the file, the path and the reason', async () => {
  const file = path.join(dir, 'bad.yaml');
  writeFileSync(file, [
    'plugins: ["@hacore/checker-dns"]', `controlSocket: ${path.join(dir, 'bad.sock')}`, `pidFile: ${path.join(dir, 'bad.pid')}`,
    'checks:',
    '  - { name: d1, type: dns, address: 198.51.100.53, query: "a..b", queryType: AAA, rcode: [NOERROR, NXDOMIAN] }',
    '  - { name: d2, type: dns, address: not-an-ip, expectAnswer: "/([/", retries: 11, ednsUdpSize: 100 }',
    '',
  ].join('\n'));
  await assert.rejects(Hacore.load({ configFile: file, role: 'single' }), (err) => {
    assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
    assert.ok(err.message.includes(file), err.message);
    const byPath = Object.fromEntries(err.issues.map((i) => [i.path, i]));
    assert.deepEqual(Object.keys(byPath).sort(), ['checks[0].query', 'checks[0].queryType', 'checks[0].rcode[1]', 'checks[1].address', 'checks[1].ednsUdpSize', 'checks[1].expectAnswer', 'checks[1].retries'].sort(), err.message);
    assert.match(byPath['checks[0].rcode[1]'].hint, /NXDOMAIN/);
    assert.match(byPath['checks[1].expectAnswer'].expected, /regular expression/);
    return true;
  });
});
