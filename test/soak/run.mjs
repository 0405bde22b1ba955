#!/usr/bin/env node
// The soak and chaos runner (docs/reliability.md):
//   node test/soak/run.mjs --minutes N --seed S --profile two|three [--servers 50] [--json FILE] [--trace FILE] [--keep]
// --trace: every fault, holder change and client outage, one timestamped line each.
// --kinds: only these VRRP-side faults (comma-separated, names as in faults.mjs).
// --fuzz N: instead of the soak, the fuzzers: N mutated packets per decoder (fuzz.mjs: VRRP,
// ICMP, BFD), N DNS replies read by the checker (fuzz-dns.mjs), N IPVS and N rtnetlink
// messages (fuzz-netlink.mjs). --fuzz-parts packets,dns,netlink runs only some of them.
// Needs root (network namespaces). Prints the seed first: the same seed replays the same
// sequence of faults (kinds, targets, durations, check intervals). Exits 1 on any breach.
import { writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hacoreMissing, labMissing } from '../lib/vrrp-lab.mjs';
import { VRRP_FAULT_WEIGHTS } from './faults.mjs';
import { runSoak } from './scenario.mjs';

const { values: o } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string' },
    profile: { type: 'string', default: 'two' },
    servers: { type: 'string', default: '50' },
    json: { type: 'string' },
    trace: { type: 'string' },
    kinds: { type: 'string' },
    fuzz: { type: 'string' },
    'fuzz-parts': { type: 'string', default: 'packets,dns,netlink' },
    keep: { type: 'boolean', default: false },
  },
});

const why = labMissing(['ip', 'nft']) || hacoreMissing();
if (why) {
  console.error(`soak cannot run: ${why}`);
  process.exit(2);
}
const unknown = (o.kinds?.split(',') ?? []).filter((k) => !(k in VRRP_FAULT_WEIGHTS));
if (unknown.length) {
  console.error(`--kinds: expected some of ${Object.keys(VRRP_FAULT_WEIGHTS).join(',')}, found ${unknown.join(',')}`);
  process.exit(2);
}
if (!['two', 'three'].includes(o.profile)) {
  console.error(`--profile: expected two or three, found ${o.profile}`);
  process.exit(2);
}
const seed = o.seed === undefined ? randomInt(1, 2 ** 31) : Number(o.seed);
if (o.fuzz !== undefined) {
  const parts = o['fuzz-parts'].split(',');
  const bad = parts.filter((p) => !['packets', 'dns', 'netlink'].includes(p));
  if (bad.length) {
    console.error(`--fuzz-parts: expected some of packets,dns,netlink, found ${bad.join(',')}`);
    process.exit(2);
  }
  const n = Number(o.fuzz);
  console.log(`fuzz: seed ${seed}, ${n} per decoder, ${parts.join(',')} (replay: node test/soak/run.mjs --fuzz ${o.fuzz} --seed ${seed} --fuzz-parts ${parts.join(',')})`);
  const t0 = Date.now();
  const report = { seed, perDecoder: n, decoders: [], breaches: [] };
  const add = (r) => {
    report.decoders.push(...r.decoders);
    report.breaches.push(...r.breaches);
  };
  if (parts.includes('packets')) add(await (await import('./fuzz.mjs')).runFuzz({ perDecoder: n, seed }));
  if (parts.includes('dns')) add(await (await import('./fuzz-dns.mjs')).runDnsFuzz({ replies: n, seed }));
  if (parts.includes('netlink')) add(await (await import('./fuzz-netlink.mjs')).runNetlinkFuzz({ messages: n, seed }));
  report.seconds = Math.round((Date.now() - t0) / 1000);
  const text = JSON.stringify(report, null, 2);
  if (o.json) writeFileSync(o.json, text);
  console.log(text);
  console.log(`fuzz: ${report.breaches.length} breach(es), seed ${seed}`);
  process.exit(report.breaches.length === 0 ? 0 : 1);
}
console.log(`soak: seed ${seed}, profile ${o.profile}, ${o.minutes} min (replay: node test/soak/run.mjs --seed ${seed} --profile ${o.profile} --minutes ${o.minutes})`);
const report = await runSoak({ minutes: Number(o.minutes), seed, profile: o.profile, servers: Number(o.servers), keep: o.keep, ...(o.trace ? { trace: o.trace } : {}), ...(o.kinds ? { kinds: o.kinds.split(',') } : {}) });
const text = JSON.stringify(report, null, 2);
if (o.json) writeFileSync(o.json, text);
console.log(text);
console.log(`soak: ${report.breaches.length} breach(es), seed ${seed}`);
process.exit(report.breaches.length === 0 ? 0 : 1);
