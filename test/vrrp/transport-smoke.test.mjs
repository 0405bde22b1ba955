// Smoke test of the VRRP transport (@hacore/vrrp transport.ts) between two
// network namespaces: real sockets on both ends, one tcpdump capture on the
// receiver, tshark's VRRP dissector as the judge of what we put on the wire.
//
// a sends: VRRPv2 with a password, VRRPv3 IPv4, VRRPv3 IPv6 (from its link-local
// address), then three bad packets (truncated, bad checksum, TTL 1). b receives
// through the same transport class and validates each packet; every bad one must
// be dropped with its reason, and the receiver must keep running.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Lab, sh } from '../lib/lab.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(ROOT, 'packages/vrrp/dist/src');
const NATIVE = path.join(ROOT, 'packages/native/build/Release/hacore_native.node');
const url = (f) => pathToFileURL(path.join(DIST, f)).href;

function missing() {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  if (!existsSync(path.join(DIST, 'transport.js'))) return '@hacore/vrrp is not built';
  if (!existsSync(NATIVE)) return 'the @hacore/native addon is not built';
  for (const t of ['ip', 'tcpdump', 'tshark']) {
    if (!['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(path.join(d, t)))) return `${t} is not installed`;
  }
  return '';
}

// The receiver: one transport per family, validates with the package's own
// validator, prints one JSON line per packet, exits after `want` packets.
const RECEIVER = `
import { InterfaceTransport } from ${JSON.stringify(url('transport.js'))};
import { validateIpv4Packet, validateIpv6Packet } from ${JSON.stringify(url('validate.js'))};
import { readFileSync } from 'node:fs';
const want = Number(process.argv[1]);
const ifindex = Number(readFileSync('/sys/class/net/eth0/ifindex', 'utf8'));
const exp = (family, version, auth) => ({ vrid: 51, version, family, advertIntervalMs: 1000, vips: [family === 4 ? '198.51.100.200' : '2001:db8::200'], ...(auth ? { auth } : {}) });
let seen = 0;
const ts = [];
const done = () => { for (const t of ts) t.close(); process.exit(0); };
for (const family of [4, 6]) {
  const t = new InterfaceTransport('eth0', ifindex, family, (err) => console.log(JSON.stringify({ error: String(err) })));
  ts.push(t);
  t.addReceiver(51, { onPacket(p) {
    let r;
    if (family === 4) {
      const version = p.bytes.length > 20 ? p.bytes[20] >> 4 : 0;
      r = validateIpv4Packet(p.bytes, exp(4, version === 2 ? 2 : 3, version === 2 ? { type: 'pass', password: 'hacore' } : undefined));
    } else {
      r = validateIpv6Packet(p.bytes, { src: p.src, dst: p.dst, hopLimit: p.hopLimit }, exp(6, 3));
    }
    console.log(JSON.stringify({ family, src: p.src, dst: p.dst, hopLimit: p.hopLimit, ok: r.ok, reason: r.ok ? undefined : r.reason, priority: r.ok ? r.advert.priority : undefined, version: r.ok ? r.packet.message.version : undefined }));
    if (++seen >= want) done();
  } });
}
console.log(JSON.stringify({ ready: true }));
setTimeout(() => { console.log(JSON.stringify({ timeout: true, seen })); done(); }, 8000);
`;

// The sender: three valid adverts, then three bad ones (IPv4).
const SENDER = `
import { InterfaceTransport } from ${JSON.stringify(url('transport.js'))};
import { encodeIpv4VrrpPacket, encodeVrrp, simplePasswordAuthData } from ${JSON.stringify(url('codec.js'))};
import { Ipv4IdCounter } from ${JSON.stringify(url('ip-header.js'))};
import { readFileSync } from 'node:fs';
const [src4, src6] = process.argv.slice(1);
const ifindex = Number(readFileSync('/sys/class/net/eth0/ifindex', 'utf8'));
const t4 = new InterfaceTransport('eth0', ifindex, 4, (e) => { throw e; });
const t6 = new InterfaceTransport('eth0', ifindex, 6, (e) => { throw e; });
const ids = new Ipv4IdCounter();
const G4 = '224.0.0.18';
const v2 = { version: 2, vrid: 51, priority: 150, adverInt: 1, addresses: ['198.51.100.200'], authType: 1, authData: simplePasswordAuthData('hacore') };
const v3 = { version: 3, vrid: 51, priority: 120, adverInt: 100, addresses: ['198.51.100.200'] };
const v36 = { version: 3, vrid: 51, priority: 110, adverInt: 100, addresses: ['2001:db8::200'] };
const gap = () => new Promise((r) => setTimeout(r, 30));
await t4.send4(encodeIpv4VrrpPacket({ src: src4, dst: G4, id: ids.next() }, v2), G4); await gap();
await t4.send4(encodeIpv4VrrpPacket({ src: src4, dst: G4, id: ids.next() }, v3), G4); await gap();
t6.send6(encodeVrrp(v36, { family: 6, src: src6, dst: 'ff02::12' }), 'ff02::12', src6); await gap();
const good = encodeIpv4VrrpPacket({ src: src4, dst: G4, id: ids.next() }, v3);
// truncated: a consistent IP header (total length 24) with only 4 bytes of VRRP
const trunc = good.slice(0, 24);
trunc[2] = 0; trunc[3] = 24;
await t4.send4(trunc, G4); await gap();
const badsum = good.slice(); badsum[26] ^= 0xff;
await t4.send4(badsum, G4); await gap();
await t4.send4(encodeIpv4VrrpPacket({ src: src4, dst: G4, id: ids.next(), ttl: 1 }, v3), G4); await gap();
t4.close(); t6.close();
console.log(JSON.stringify({ sent: 6, counters4: t4.counters, counters6: t6.counters }));
`;

function lines(child) {
  const out = [];
  let buf = '';
  const waiters = [];
  child.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!l.trim()) continue;
      const v = JSON.parse(l);
      out.push(v);
      for (const w of waiters.splice(0)) w();
    }
  });
  const until = async (pred, ms, what) => {
    const end = Date.now() + ms;
    while (!out.some(pred)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(out)}`);
      await new Promise((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return { out, until };
}

test('transport: two namespaces exchange v2/v3 adverts; tshark decodes them clean; bad packets are dropped by reason', { skip: missing() || false, timeout: 60_000 }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'hacore-vts-'));
  const lab = await Lab.create('vts', ['a', 'b'], {
    dad: false,
    addresses: { a: ['198.51.100.1/24', '2001:db8::1/64'], b: ['198.51.100.2/24', '2001:db8::2/64'] },
  });
  try {
    const ll = (await lab.ip('a', ['-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'])).match(/fe80::[0-9a-f:]+/)?.[0];
    assert.ok(ll, 'a has a link-local address');
    const pcap = path.join(dir, 'b.pcap');
    const cap = lab.spawn('b', 'tcpdump', ['-U', '--immediate-mode', '-n', '-i', 'eth0', '-w', pcap, 'ip proto 112 or ip6 proto 112']);
    await new Promise((resolve, reject) => {
      let err = '';
      cap.stderr.on('data', (d) => {
        err += d;
        if (err.includes('listening on')) resolve();
      });
      cap.once('exit', (c) => reject(new Error(`tcpdump exited ${c}: ${err}`)));
    });
    const rx = lab.spawn('b', process.execPath, ['--input-type=module', '-e', RECEIVER, '6']);
    const rxl = lines(rx);
    let rxErr = '';
    rx.stderr.on('data', (d) => (rxErr += d));
    await rxl.until((l) => l.ready, 5000, 'receiver ready');
    const tx = lab.spawn('a', process.execPath, ['--input-type=module', '-e', SENDER, '198.51.100.1', ll]);
    const txl = lines(tx);
    let txErr = '';
    tx.stderr.on('data', (d) => (txErr += d));
    const txExit = new Promise((r) => tx.once('exit', r));
    const rxExit = new Promise((r) => rx.once('exit', r));
    assert.equal(await txExit, 0, `sender failed: ${txErr}`);
    assert.equal(await rxExit, 0, `receiver failed: ${rxErr}`);
    await lab.kill(cap);

    const pkts = rxl.out.filter((l) => l.family);
    assert.equal(rxl.out.find((l) => l.timeout), undefined, `receiver saw only ${pkts.length} packets: ${JSON.stringify(rxl.out)}`);
    assert.equal(rxl.out.find((l) => l.error), undefined);
    assert.equal(txl.out[0]?.counters4.sent, 5);
    const ok = pkts.filter((p) => p.ok);
    assert.deepEqual(ok.map((p) => [p.family, p.version, p.priority]), [
      [4, 2, 150],
      [4, 3, 120],
      [6, 3, 110],
    ]);
    const v6 = ok.find((p) => p.family === 6);
    assert.equal(v6.src, ll, 'IPv6 adverts come from the link-local address');
    assert.equal(v6.dst, 'ff02::12');
    assert.equal(v6.hopLimit, 255, 'the received hop limit is known (IPV6_RECVHOPLIMIT)');
    assert.deepEqual(pkts.filter((p) => !p.ok).map((p) => p.reason), ['short', 'checksum', 'ttl']);

    // tshark: the three good adverts decode with good checksums and no expert warnings.
    const fields = await sh('tshark', ['-r', pcap, '-n', '-T', 'fields', '-E', 'separator=|', '-e', 'vrrp.version', '-e', 'vrrp.checksum.status', '-e', 'ip.ttl', '-e', 'ip.dsfield', '-e', 'ip.id', '-e', 'ipv6.hlim', '-e', 'ipv6.tclass', '-e', 'ipv6.src', '-e', '_ws.malformed', '-e', 'vrrp.auth_string']);
    const rows = fields.trim().split('\n').map((l) => l.split('|'));
    assert.equal(rows.length, 6, `capture has 6 VRRP packets: ${fields}`);
    const [r2, r3, r6] = rows;
    assert.deepEqual([r2[0], r2[1], r2[2], r2[3], r2[8], r2[9]], ['2', '1', '255', '0xc0', '', 'hacore'], 'v2: checksum good, TTL 255, TOS 0xc0, password');
    assert.deepEqual([r3[0], r3[1], r3[2], r3[3], r3[8]], ['3', '1', '255', '0xc0', ''], 'v3 IPv4');
    assert.notEqual(r2[4], r3[4], 'the IP id changes per packet');
    assert.notEqual(Number(r2[4]), 0, 'the IP id is not zero');
    assert.deepEqual([r6[0], r6[1], r6[5], Number(r6[6]), r6[7], r6[8]], ['3', '1', '255', 0xc0, ll, ''], 'v3 IPv6: hop limit 255, traffic class 0xc0, link-local source');
    const bad = rows[4];
    assert.equal(bad[1], '0', 'tshark also sees the deliberately bad checksum as bad');
    const expert = await sh('tshark', ['-r', pcap, '-n', '-Y', '(_ws.expert.severity >= warning) && !(ip.ttl == 1) && !(vrrp.checksum.status == 0) && !(ip.len == 24)']);
    assert.equal(expert.trim(), '', 'no expert warnings on the good packets');
  } finally {
    await lab.destroy();
    await rm(dir, { recursive: true, force: true });
  }
});
