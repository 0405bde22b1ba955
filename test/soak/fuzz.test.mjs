// The packet fuzzer in CI (docs/reliability.md): 100,000 mutated and random packets per
// decoder (VRRP v2 IPv4, v3 IPv4, v3 IPv6, ICMP echo replies, BFD control packets over
// IPv4 and IPv6) through the kernel into a running hacore. 0 crashes or restarts, no error
// logged, no state change, every packet it read counted by reason, and the kernel's share
// (filters, full buffers) accounted for. The full run: npm run soak -- --fuzz 1000000.
import assert from 'node:assert/strict';
import test from 'node:test';
import { skipHacore } from '../lib/vrrp-scenario.mjs';
import { runFuzz } from './fuzz.mjs';

const skip = skipHacore(['ip']);

test('fuzz: 100,000 packets per decoder through the real receive path change nothing and are all counted', { skip, timeout: 170000 }, async () => {
  const report = await runFuzz({ perDecoder: 100000, seed: 7, log: (s) => process.stdout.write(`# ${s}\n`) });
  assert.deepEqual(report.breaches, [], 'replay: node test/soak/run.mjs --fuzz 100000 --seed 7');
  assert.deepEqual(report.decoders.map((d) => d.decoder), ['vrrp-v2-ipv4', 'vrrp-v3-ipv4', 'vrrp-v3-ipv6', 'icmp-echo-reply-ipv4', 'bfd-control-ipv4', 'bfd-control-ipv6']);
  for (const d of report.decoders) {
    assert.equal(d.sent, 100000, d.decoder);
    // Most of them reach hacore's own code (the rest the kernel's filters drop, by design).
    assert.ok(d.readByHacore > 0.7 * d.sent, `${d.decoder}: read ${d.readByHacore}`);
    // Every class of mutation was sent.
    assert.ok(Object.values(d.classes).every((n) => n > 1000), `${d.decoder}: ${JSON.stringify(d.classes)}`);
  }
  // BFD: the TTL rule and both sessions were reached (the model's counts matched hacore's, or there would be breaches).
  const bfd = report.decoders.find((d) => d.decoder === 'bfd-control-ipv4');
  assert.ok(bfd.sessions.F_BFD_LIVE.ttl > 1000 && bfd.sessions.F_BFD_ABSENT.ttl > 100, JSON.stringify(bfd.sessions));
  assert.ok(bfd.unknownSession > 10000 && Object.keys(bfd.decodeErrors).length === 8, JSON.stringify(bfd.decodeErrors));
  const bfd6 = report.decoders.find((d) => d.decoder === 'bfd-control-ipv6');
  assert.ok(bfd6.sessions.F_BFD_LIVE6.ttl > 1000 && bfd6.unknownSession > 10000, JSON.stringify(bfd6.sessions));
});
