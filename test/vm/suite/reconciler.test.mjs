// The reconciler against the REAL kernel IPVS of the test VM, through the
// generic-netlink client; every expectation is read back with the real
// ipvsadm. Runs only inside the VM (node test/vm/run.mjs test/vm/suite/reconciler.test.mjs).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Hacore } from '@hacore/core';
import { VirtualServer, applyOps, compileVirtualServers, openNetlinkDataplane, planReconcile, readTable, reconcile } from '@hacore/ipvs';

const run = promisify(execFile);
const inVm = process.env.HACORE_VM === '1';

async function ipvsadm(...args) {
  return (await run('ipvsadm', args)).stdout;
}

/**
 * `ipvsadm -Ln` as a map: "TCP 198.51.100.10:80 wrr" -> ["198.51.100.21:80 Masq 1", ...],
 * service flags (persistent ...) kept on the service line.
 */
async function table() {
  const out = {};
  let cur;
  for (const line of (await ipvsadm('-Ln')).split('\n')) {
    const svc = /^(TCP|UDP|SCTP|FWM)\s+(\S+)\s+(\S+)(.*)$/.exec(line);
    if (svc) {
      cur = `${svc[1]} ${svc[2]} ${svc[3]}${svc[4].trim() ? ` ${svc[4].trim().replace(/\s+/g, ' ')}` : ''}`;
      out[cur] = [];
      continue;
    }
    const d = /^\s+->\s+(\S+)\s+(\S+)\s+(\d+)/.exec(line);
    if (d && cur && d[1] !== 'RemoteAddress:Port') out[cur].push(`${d[1]} ${d[2]} ${d[3]}`);
  }
  for (const k of Object.keys(out)) out[k].sort();
  return out;
}

/** Counts the dataplane calls that change the table (one by one or in a batch), to prove what was (not) done. */
function spy(dp) {
  const calls = [];
  const wrapped = {
    listServices: () => dp.listServices(),
    listDestinations: (key) => dp.listDestinations(key),
    ...(dp.listAll ? { listAll: () => dp.listAll() } : {}),
    ...(dp.applyBatch
      ? {
          applyBatch: (ops) => {
            calls.push(...ops.map((o) => o.op));
            return dp.applyBatch(ops);
          },
        }
      : {}),
  };
  for (const m of ['addService', 'editService', 'deleteService', 'addDestination', 'editDestination', 'deleteDestination']) {
    wrapped[m] = (...args) => {
      calls.push(m);
      return dp[m](...args);
    };
  }
  return { dp: wrapped, calls };
}

const VIP = { family: 4, protocol: 'tcp', address: '198.51.100.10', port: 80 };
const DNS = { family: 4, protocol: 'udp', address: '198.51.100.10', port: 53 };
const V6 = { family: 6, protocol: 'tcp', address: '2001:db8::10', port: 443 };
const rs = (n, weight = 1, port = 80) => ({ address: `198.51.100.${20 + n}`, port, forwarding: 'masq', weight });
const web = (weights, scheduler = 'wrr') => ({ service: { key: VIP, scheduler }, destinations: weights.map((w, i) => rs(i + 1, w)) });
const dns = { service: { key: DNS, scheduler: 'rr' }, destinations: [rs(1, 1, 53)] };
const v6 = {
  service: { key: V6, scheduler: 'sh', persistence: 300, flags: { shPort: true } },
  destinations: [{ address: '2001:db8::21', port: 443, forwarding: 'droute', weight: 2 }],
};

describe('reconciler against the kernel', () => {
  let kernel;
  before(async () => {
    assert.ok(inVm, 'this file runs inside the test VM: node test/vm/run.mjs test/vm/suite/reconciler.test.mjs');
    kernel = await openNetlinkDataplane();
  });
  after(async () => {
    await kernel?.close?.();
    if (inVm) await ipvsadm('-C');
  });
  beforeEach(async () => {
    await ipvsadm('-C');
  });

  it('from empty: programs services and destinations (IPv4, IPv6, UDP, persistence, flags); a second pass does nothing', async () => {
    const r = await reconcile(kernel, [web([1, 2, 3]), dns, v6], new Set());
    assert.deepEqual(r.failed, []);
    assert.deepEqual(r.remaining, []);
    assert.equal(r.applied.length, 8);
    const t = await table();
    assert.deepEqual(t['TCP 198.51.100.10:80 wrr'], ['198.51.100.21:80 Masq 1', '198.51.100.22:80 Masq 2', '198.51.100.23:80 Masq 3']);
    assert.deepEqual(t['UDP 198.51.100.10:53 rr'], ['198.51.100.21:53 Masq 1']);
    const v6line = Object.keys(t).find((k) => k.startsWith('TCP [2001:db8::10]:443 sh'));
    assert.ok(v6line, Object.keys(t).join('\n'));
    assert.match(v6line, /sh-port/);
    assert.match(v6line, /persistent 300/);
    assert.deepEqual(t[v6line], ['[2001:db8::21]:443 Route 2']);
    const again = planReconcile([web([1, 2, 3]), dns, v6], await readTable(kernel), new Set(r.owned));
    assert.deepEqual(again.ops, [], JSON.stringify(again.ops));
  });

  it('leaves foreign services untouched, also when removing all of its own', async () => {
    await ipvsadm('-A', '-t', '198.51.100.99:443', '-s', 'lc');
    await ipvsadm('-a', '-t', '198.51.100.99:443', '-r', '198.51.100.40:443', '-g', '-w', '7');
    await ipvsadm('-A', '-f', '9', '-s', 'rr');
    const foreign = await table();
    const first = await reconcile(kernel, [web([1, 1])], new Set());
    assert.deepEqual(first.foreign.sort(), ['fwmark4:9', 'tcp:198.51.100.99:443']);
    const t = await table();
    for (const [k, v] of Object.entries(foreign)) assert.deepEqual(t[k], v, `foreign ${k} kept`);
    const gone = await reconcile(kernel, [], new Set(first.owned));
    assert.deepEqual(gone.applied.map((o) => o.op), ['delete-service']);
    assert.deepEqual(await table(), foreign);
  });

  it('after a restart adopts the existing table without a flush: only the differences are written', async () => {
    await reconcile(kernel, [web([1, 1, 1]), dns], new Set());
    // The spy proves that nothing is deleted and re-created.
    const { dp, calls } = spy(kernel);
    // A new process owns nothing; the config now has other weights and one real server less.
    const r = await reconcile(dp, [web([5, 1]), dns], new Set());
    assert.deepEqual(r.adopted.sort(), ['tcp:198.51.100.10:80', 'udp:198.51.100.10:53']);
    assert.deepEqual(calls.sort(), ['deleteDestination', 'editDestination']);
    assert.deepEqual((await table())['TCP 198.51.100.10:80 wrr'], ['198.51.100.21:80 Masq 5', '198.51.100.22:80 Masq 1']);
  });

  it('a reload that changes weights and the scheduler edits in place', async () => {
    const first = await reconcile(kernel, [web([1, 1, 1], 'rr'), dns], new Set());
    const { dp, calls } = spy(kernel);
    const r = await reconcile(dp, [web([3, 1, 2], 'wlc')], new Set(first.owned));
    assert.deepEqual(calls, ['deleteService', 'editService', 'editDestination', 'editDestination']);
    assert.deepEqual(r.remaining, []);
    const t = await table();
    assert.deepEqual(Object.keys(t), ['TCP 198.51.100.10:80 wlc']);
    assert.deepEqual(t['TCP 198.51.100.10:80 wlc'], ['198.51.100.21:80 Masq 3', '198.51.100.22:80 Masq 1', '198.51.100.23:80 Masq 2']);
  });

  it('kernel refusals (unknown scheduler, duplicate service, family mismatch) are reported with op and errno; the rest is applied', async (ctx) => {
    await ipvsadm('-A', '-t', '198.51.100.10:8080', '-s', 'rr');
    const ops = [
      { op: 'add-service', service: { key: { ...VIP, port: 81 }, scheduler: 'nosuchsched' } },
      { op: 'add-service', service: { key: { ...VIP, port: 8080 }, scheduler: 'rr' } },
      { op: 'add-service', service: { key: VIP, scheduler: 'rr' } },
      { op: 'add-destination', key: VIP, destination: { address: '2001:db8::21', port: 80, forwarding: 'masq', weight: 1 } },
      { op: 'add-destination', key: VIP, destination: rs(1) },
      { op: 'add-destination', key: { ...VIP, port: 81 }, destination: rs(2) },
    ];
    const r = await applyOps(kernel, ops);
    const failed = Object.fromEntries(r.failed.map((f) => [f.description.split(' (')[0], f.errno]));
    assert.equal(failed['add-service tcp:198.51.100.10:81'], 'ENOENT', JSON.stringify(r.failed));
    assert.equal(failed['add-service tcp:198.51.100.10:8080'], 'EEXIST', JSON.stringify(r.failed));
    ctx.diagnostic(r.failed.map((f) => `${f.description}: ${f.errno}`).join('; '));
    const fam = r.failed.find((f) => f.op.op === 'add-destination');
    assert.ok(fam && fam.errno === 'EINVAL' && fam.description.includes('[2001:db8::21]:80'), JSON.stringify(r.failed));
    assert.equal(r.skipped.length, 1, 'the destination of the refused service is not tried');
    assert.deepEqual(r.applied.map((o) => o.op), ['add-service', 'add-destination']);
    const t = await table();
    assert.deepEqual(t['TCP 198.51.100.10:80 rr'], ['198.51.100.21:80 Masq 1']);
    assert.deepEqual(t['TCP 198.51.100.10:8080 rr'], []);
  });

  it('inhibitOnFailure, sorry server in and out, and quorum with hysteresis across a flap', async () => {
    const cfg = {
      name: 'web', address: '198.51.100.10', port: 80, protocol: 'tcp', scheduler: 'wrr', forwarding: 'masq',
      onePacket: false, schedulerFlags: [], quorum: 3, hysteresis: 1, alpha: false, omega: false, inhibitOnFailure: false,
      sorryServer: { address: '198.51.100.50', port: 8080, weight: 1 }, sorryServerInhibit: true,
      realServers: [1, 2, 3, 4].map((n) => ({ address: `198.51.100.${20 + n}`, port: 80, weight: 1, inhibitOnFailure: n === 4, checks: [{ name: `c${n}` }] })),
    };
    const { specs, issues } = compileVirtualServers([cfg], {});
    assert.deepEqual(issues, []);
    const vs = new VirtualServer(specs[0]);
    let owned = new Set();
    const step = async (states) => {
      const ev = vs.evaluate((name) => ({ state: states[name] ?? 'up', reason: 'test' }));
      const r = await reconcile(kernel, ev.desired, owned);
      assert.deepEqual(r.failed, []);
      assert.deepEqual(r.remaining, []);
      owned = new Set(r.owned);
      return { ev, dests: (await table())['TCP 198.51.100.10:80 wrr'] };
    };
    const s0 = await step({});
    assert.equal(s0.ev.quorumChange.up, true);
    assert.deepEqual(s0.dests, ['198.51.100.21:80 Masq 1', '198.51.100.22:80 Masq 1', '198.51.100.23:80 Masq 1', '198.51.100.24:80 Masq 1', '198.51.100.50:8080 Masq 0']);
    // rs4 fails: inhibited (weight 0), rs3 fails: removed. Live weight 2 = quorum - hysteresis: still up.
    const s1 = await step({ c3: 'down', c4: 'down' });
    assert.equal(s1.ev.quorumChange, undefined);
    assert.deepEqual(s1.dests, ['198.51.100.21:80 Masq 1', '198.51.100.22:80 Masq 1', '198.51.100.24:80 Masq 0', '198.51.100.50:8080 Masq 0']);
    // Live weight 1: quorum down, the sorry server takes over alone.
    const s2 = await step({ c2: 'down', c3: 'down', c4: 'down' });
    assert.deepEqual(s2.ev.quorumChange, { up: false, liveWeight: 1 });
    assert.deepEqual(s2.dests, ['198.51.100.24:80 Masq 0', '198.51.100.50:8080 Masq 1']);
    // Back to 3 = quorum but below quorum + hysteresis: stays down.
    const s3 = await step({ c4: 'down' });
    assert.equal(s3.ev.quorumChange, undefined);
    assert.deepEqual(s3.dests, ['198.51.100.24:80 Masq 0', '198.51.100.50:8080 Masq 1']);
    // 4: up again, the sorry server back to weight 0.
    const s4 = await step({});
    assert.deepEqual(s4.ev.quorumChange, { up: true, liveWeight: 4 });
    assert.deepEqual(s4.dests, s0.dests);
  });

  it('a virtual server group programs one service per member (addresses and a fwmark) with shared real servers', async () => {
    const base = {
      name: 'grp', port: 80, protocol: 'tcp', group: 'web', scheduler: 'rr', forwarding: 'droute', onePacket: false, schedulerFlags: [],
      quorum: 1, hysteresis: 0, alpha: false, omega: false, inhibitOnFailure: false, sorryServerInhibit: false,
      realServers: [1, 2].map((n) => ({ address: `198.51.100.${20 + n}`, port: 80, weight: n, checks: [{ name: `g${n}` }] })),
    };
    const { specs, issues } = compileVirtualServers([base], { web: [{ address: '198.51.100.10' }, { address: '198.51.100.11', port: 8080 }, { fwmark: 7 }] });
    assert.deepEqual(issues, []);
    const vs = new VirtualServer(specs[0]);
    const r1 = await reconcile(kernel, vs.evaluate(() => ({ state: 'up' })).desired, new Set());
    assert.deepEqual(r1.failed, []);
    const both = ['198.51.100.21:80 Route 1', '198.51.100.22:80 Route 2'];
    assert.deepEqual(await table(), { 'TCP 198.51.100.10:80 rr': both, 'TCP 198.51.100.11:8080 rr': both, 'FWM 7 rr': both });
    // One real server down: it leaves every member at once.
    const r2 = await reconcile(kernel, vs.evaluate((n) => ({ state: n === 'g2' ? 'down' : 'up' })).desired, new Set(r1.owned), { current: r1.table });
    assert.deepEqual(r2.applied.map((o) => o.op), ['delete-destination', 'delete-destination', 'delete-destination']);
    const one = ['198.51.100.21:80 Route 1'];
    assert.deepEqual(await table(), { 'TCP 198.51.100.10:80 rr': one, 'TCP 198.51.100.11:8080 rr': one, 'FWM 7 rr': one });
  });

  it('the plugin in a running core programs the kernel, follows check states and removes its services at stop', async () => {
    await ipvsadm('-A', '-u', '198.51.100.99:53', '-s', 'rr');
    const dir = mkdtempSync(path.join(tmpdir(), 'hacore-ipvs-vm-'));
    try {
      const core = import.meta.resolve('@hacore/core');
      const ipvs = import.meta.resolve('@hacore/ipvs');
      writeFileSync(
        path.join(dir, 'fake.mjs'),
        `import { defineCheckType, schema as s } from ${JSON.stringify(core)};
export default { name: 'fake-check', hacore: '^1.0.0', apply(core) {
  defineCheckType(core, 'fake-check', 'fake', s.object({ key: s.string(), port: s.optional(s.port()) }), (spec) => ({
    async probe() { const ok = !globalThis.__vmFakeDown.has(spec.key); return { ok, latencyMs: 0, reason: ok ? 'fine' : 'broken' }; } }));
} };\n`,
      );
      globalThis.__vmFakeDown = new Set();
      const check = (key) => ({ type: 'fake', key, warmup: 0 });
      const writeConfig = (scheduler, weights) =>
        writeFileSync(
          path.join(dir, 'hacore.config.json'),
          JSON.stringify({
            plugins: [ipvs.replace('file://', ''), './fake.mjs'],
            virtualServers: [
              {
                name: 'web', address: '198.51.100.10', port: 80, scheduler, delayLoop: '50ms', sorryServer: { address: '198.51.100.50' },
                realServers: [
                  { address: '198.51.100.21', weight: weights[0], checks: [check('a')] },
                  { address: '198.51.100.22', weight: weights[1], inhibitOnFailure: true, checks: [check('b')] },
                ],
              },
            ],
          }),
        );
      writeConfig('rr', [1, 1]);
      const hc = await Hacore.load({ configFile: path.join(dir, 'hacore.config.json'), role: 'single' });
      const plugin = hc.plugins.find((p) => p.plugin.name === '@hacore/ipvs').plugin;
      const seen = [];
      let wake;
      hc.hooks.event.tap('test', (e) => {
        seen.push(e);
        wake?.();
      });
      const waitEvent = async (pred) => {
        const end = Date.now() + 20000;
        while (!seen.some(pred)) {
          if (Date.now() > end) throw new Error('event not seen');
          await new Promise((r) => {
            wake = r;
            setTimeout(r, 1000);
          });
        }
      };
      await hc.start();
      try {
        assert.deepEqual((await table())['TCP 198.51.100.10:80 rr'], ['198.51.100.21:80 Masq 1', '198.51.100.22:80 Masq 1']);
        globalThis.__vmFakeDown.add('b');
        await waitEvent((e) => e.kind === 'real-server' && e.realServer === '198.51.100.22:80' && !e.up);
        await plugin.idle();
        assert.deepEqual((await table())['TCP 198.51.100.10:80 rr'], ['198.51.100.21:80 Masq 1', '198.51.100.22:80 Masq 0']);
        globalThis.__vmFakeDown.add('a');
        await waitEvent((e) => e.kind === 'quorum' && !e.up);
        await plugin.idle();
        assert.deepEqual((await table())['TCP 198.51.100.10:80 rr'], ['198.51.100.22:80 Masq 0', '198.51.100.50:80 Masq 1']);
        globalThis.__vmFakeDown.clear();
        await waitEvent((e) => e.kind === 'quorum' && e.up && seen.some((x) => x.kind === 'quorum' && !x.up));
        await waitEvent((e) => e.kind === 'real-server' && e.up && e.realServer === '198.51.100.22:80');
        await waitEvent((e) => e.kind === 'real-server' && e.up && e.realServer === '198.51.100.21:80');
        await plugin.idle();
        assert.deepEqual((await table())['TCP 198.51.100.10:80 rr'], ['198.51.100.21:80 Masq 1', '198.51.100.22:80 Masq 1']);
        // A reload with another scheduler and weights edits the service in place.
        writeConfig('wrr', [3, 2]);
        await hc.reload();
        await plugin.idle();
        assert.deepEqual((await table())['TCP 198.51.100.10:80 wrr'], ['198.51.100.21:80 Masq 3', '198.51.100.22:80 Masq 2']);
        assert.deepEqual(plugin.status().lastPass.applied.map((d) => d.split(' ')[0]), ['edit-service', 'edit-destination', 'edit-destination']);
      } finally {
        await hc.stop();
      }
      assert.deepEqual(await table(), { 'UDP 198.51.100.99:53 rr': [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ownership survives a restart: a service removed from the config while stopped is removed, a foreign one is not; a truncated state file owns nothing', async () => {
    await ipvsadm('-A', '-t', '198.51.100.99:443', '-s', 'rr');
    const dir = mkdtempSync(path.join(tmpdir(), 'hacore-ipvs-own-'));
    const stateDir = path.join(dir, 'state');
    const file = path.join(dir, 'hacore.config.json');
    const ipvs = import.meta.resolve('@hacore/ipvs').replace('file://', '');
    const vs = (port) => ({ name: `p${port}`, address: '198.51.100.10', port, scheduler: 'rr', realServers: [{ address: '198.51.100.21' }] });
    const writeConfig = (ports) => writeFileSync(file, JSON.stringify({ plugins: [ipvs], stateDir, ipvs: { leaveOnStop: true }, virtualServers: ports.map(vs) }));
    const runOnce = async () => {
      const hc = await Hacore.load({ configFile: file, role: 'single' });
      await hc.start();
      const status = hc.status().ipvs;
      await hc.stop();
      return status;
    };
    const services = async () => Object.keys(await table()).sort();
    try {
      writeConfig([80, 81]);
      await runOnce();
      assert.deepEqual(await services(), ['TCP 198.51.100.10:80 rr', 'TCP 198.51.100.10:81 rr', 'TCP 198.51.100.99:443 rr']);
      // Stopped (services left in the kernel): 81 leaves the config.
      writeConfig([80]);
      const st = await runOnce();
      assert.deepEqual(st.owned, ['tcp:198.51.100.10:80']);
      assert.deepEqual(await services(), ['TCP 198.51.100.10:80 rr', 'TCP 198.51.100.99:443 rr'], 'ours removed, the foreign service untouched');
      // A truncated state file: logged, owns nothing, so 81 (back in the kernel) is left alone.
      await ipvsadm('-A', '-t', '198.51.100.10:81', '-s', 'rr');
      writeFileSync(path.join(stateDir, 'ipvs-owned.json'), '{"version":1,"services":["tcp:198.51.100.10:81","tcp:198.');
      const st2 = await runOnce();
      assert.ok(st2.errors.some((e) => /ipvs-owned\.json: not a state file hacore wrote/.test(e.message)), JSON.stringify(st2.errors));
      assert.deepEqual(await services(), ['TCP 198.51.100.10:80 rr', 'TCP 198.51.100.10:81 rr', 'TCP 198.51.100.99:443 rr']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
