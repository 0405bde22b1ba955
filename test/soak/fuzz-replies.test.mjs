// The reply fuzzers in CI (docs/reliability.md): 50,000 mutated and random DNS replies read
// by the DNS checker through its real UDP and TCP sockets, and 100,000 IPVS generic-netlink
// and 100,000 rtnetlink messages through hacore's netlink clients (on the `netlink`
// package's real socket layer, with a stand-in for the kernel). No crash, no uncaught
// error, no untyped error, no pass without the real answer, every reply read counted.
// The full runs: npm run soak -- --fuzz 1000000.
import assert from 'node:assert/strict';
import test from 'node:test';
import { skipHacore } from '../lib/vrrp-scenario.mjs';
import { runDnsFuzz } from './fuzz-dns.mjs';
import { runNetlinkFuzz } from './fuzz-netlink.mjs';

const log = (s) => process.stdout.write(`# ${s}\n`);

test('fuzz: 50,000 DNS replies through the checker: no pass without the real answer, every one counted', { skip: skipHacore(['ip']), timeout: 120000 }, async () => {
  const report = await runDnsFuzz({ replies: 50000, seed: 7, log });
  assert.deepEqual(report.breaches, [], 'replay: node test/soak/run.mjs --fuzz 50000 --seed 7 --fuzz-parts dns');
  const [d] = report.decoders;
  assert.ok(d.readByChecker >= 50000, `read ${d.readByChecker}`);
  // Each kind of outcome was reached: passes on the real answer, TCP fallbacks, decode failures.
  assert.ok(d.byPlan.good.ok > 0 && d.counted.tcpFallbacks > 0 && d.counted.malformed > 1000 && d.counted.wrongQuestion > 1000, JSON.stringify(d.counted));
  assert.ok(Object.values(d.classes.udp).every((n) => n > 100), JSON.stringify(d.classes.udp));
});

test('fuzz: 100,000 IPVS and 100,000 rtnetlink messages: typed errors only, well-formed values only', { timeout: 120000 }, async () => {
  const report = await runNetlinkFuzz({ messages: 100000, seed: 7, log });
  assert.deepEqual(report.breaches, [], 'replay: node test/soak/run.mjs --fuzz 100000 --seed 7 --fuzz-parts netlink');
  const [ipvs, rt] = report.decoders;
  assert.ok(ipvs.sent >= 100000 && ipvs.resolved > 10000 && ipvs.rejected.IpvsError > 100 && ipvs.rejected.IpvsProtocolError > 100, JSON.stringify(ipvs));
  assert.ok(rt.sent >= 100000 && rt.events > 1000, JSON.stringify(rt));
});
