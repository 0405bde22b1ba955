// Runs inside the test VM (started by bench/ipvs/run.mjs): programs 1,000
// services x 10 destinations from an empty table, then changes 10% of the
// weights, with hacore's netlink client and with `ipvsadm -R`, side by side in
// the same kernel, several rounds alternating; prints one JSON line.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { IpvsClient } from '@hacore/ipvs/client';

const execFileP = promisify(execFile);
const SERVICES = Number(process.env.HACORE_BENCH_SERVICES || 1000);
const DESTS = Number(process.env.HACORE_BENCH_DESTS || 10);
const ROUNDS = Number(process.env.HACORE_BENCH_ROUNDS || 3);

/** Service i: 198.51.100.(10 + i % 200):(1000 + i / 200); destination j: 203.0.113.(1 + j):(8000 + i % 50). */
function table() {
  const services = [];
  for (let i = 0; i < SERVICES; i++) {
    const key = { family: 4, protocol: 'tcp', address: `198.51.100.${10 + (i % 200)}`, port: 1000 + Math.floor(i / 200) };
    const dests = [];
    for (let j = 0; j < DESTS; j++) dests.push({ address: `203.0.113.${1 + j}`, port: 8000 + (i % 50), forwarding: 'masq', weight: 1 + ((i + j) % 5) });
    services.push({ service: { key, scheduler: 'wrr' }, dests });
  }
  return services;
}

/** Every tenth destination (10%) gets a new weight. */
function changes(t) {
  const out = [];
  let n = 0;
  for (const s of t) {
    for (const d of s.dests) {
      if (n++ % 10 === 0) out.push({ key: s.service.key, dest: { ...d, weight: d.weight + 10 } });
    }
  }
  return out;
}

const ep = (k) => `${k.address}:${k.port}`;

function rulesOf(t) {
  const lines = [];
  for (const s of t) {
    lines.push(`-A -t ${ep(s.service.key)} -s wrr`);
    for (const d of s.dests) lines.push(`-a -t ${ep(s.service.key)} -r ${d.address}:${d.port} -m -w ${d.weight}`);
  }
  return `${lines.join('\n')}\n`;
}

function editRulesOf(ch) {
  return `${ch.map((c) => `-e -t ${ep(c.key)} -r ${c.dest.address}:${c.dest.port} -m -w ${c.dest.weight}`).join('\n')}\n`;
}

async function ipvsadmR(rules) {
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const p = spawn('ipvsadm', ['-R'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ipvsadm -R exited ${code}: ${err}`))));
    p.stdin.end(rules);
  });
  return performance.now() - t0;
}

async function save() {
  const { stdout } = await execFileP('ipvsadm', ['-Sn'], { maxBuffer: 64 << 20 });
  return stdout;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const t = table();
const ch = changes(t);
const addOps = t.flatMap((s) => [
  { op: 'addService', service: s.service },
  ...s.dests.map((d) => ({ op: 'addDestination', key: s.service.key, destination: d })),
]);
const editOps = ch.map((c) => ({ op: 'editDestination', key: c.key, destination: c.dest }));
const rules = rulesOf(t);
const editRules = editRulesOf(ch);

const client = await IpvsClient.open();
const r = { hacore: { apply: [], reweight: [] }, hacoreSequential: { apply: [], reweight: [] }, ipvsadm: { apply: [], reweight: [] } };
let expected;

for (let round = 0; round < ROUNDS; round++) {
  // ipvsadm -R: one process reading the rules from stdin (as keepalived users script it).
  await client.flush();
  r.ipvsadm.apply.push(await ipvsadmR(rules));
  r.ipvsadm.reweight.push(await ipvsadmR(editRules));
  expected ??= await save();

  // hacore: the client's pipelined batch (several commands per datagram).
  await client.flush();
  let t0 = performance.now();
  let res = await client.applyBatch(addOps);
  r.hacore.apply.push(performance.now() - t0);
  assert.ok(res.every((x) => x.ok), 'every add accepted');
  t0 = performance.now();
  res = await client.applyBatch(editOps);
  r.hacore.reweight.push(performance.now() - t0);
  assert.ok(res.every((x) => x.ok), 'every edit accepted');
  assert.equal(await save(), expected, 'the same table as ipvsadm -R made');

  // hacore, one awaited request per change (the IpvsDataplane methods).
  if (round === 0) {
    await client.flush();
    t0 = performance.now();
    for (const s of t) {
      await client.addService(s.service);
      for (const d of s.dests) await client.addDestination(s.service.key, d);
    }
    r.hacoreSequential.apply.push(performance.now() - t0);
    t0 = performance.now();
    for (const c of ch) await client.editDestination(c.key, c.dest);
    r.hacoreSequential.reweight.push(performance.now() - t0);
    assert.equal(await save(), expected, 'the same table as ipvsadm -R made');
  }
}
await client.flush();
client.close();

const ms = (xs) => Math.round(median(xs));
const out = {
  services: SERVICES,
  destinations: SERVICES * DESTS,
  weightChanges: ch.length,
  rounds: ROUNDS,
  applyMs: { hacore: ms(r.hacore.apply), ipvsadm: ms(r.ipvsadm.apply), hacoreSequential: ms(r.hacoreSequential.apply) },
  reweightMs: { hacore: ms(r.hacore.reweight), ipvsadm: ms(r.ipvsadm.reweight), hacoreSequential: ms(r.hacoreSequential.reweight) },
  raw: r,
};
out.ratio = {
  apply: +(out.applyMs.hacore / out.applyMs.ipvsadm).toFixed(2),
  reweight: +(out.reweightMs.hacore / out.reweightMs.ipvsadm).toFixed(2),
};
console.log(JSON.stringify(out));
