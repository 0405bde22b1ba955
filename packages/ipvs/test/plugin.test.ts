import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Hacore, type HacoreEvent } from '@hacore/core';
import { MemoryDataplane } from '../src/reconcile-memory-dataplane.js';
import { readTable } from '../src/reconcile-apply.js';
import { serviceKeyId } from '../src/reconcile-keys.js';
import type { IpvsPlugin, IpvsStatus } from '../src/plugin.js';

/**
 * The plugin inside a real single-process core, with an in-memory table and a
 * `fake` check type whose results the test sets: the real scheduler, rise/fall
 * and hooks drive it.
 */
const g = globalThis as unknown as { __ipvsTestDp?: MemoryDataplane; __ipvsFake?: Map<string, { ok: boolean; weight?: number }> };
let dir: string;

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hacore-ipvs-plugin-'));
  const ipvs = new URL('../src/index.js', import.meta.url).href;
  const core = import.meta.resolve('@hacore/core');
  writeFileSync(
    path.join(dir, 'ipvs.mjs'),
    `import { IpvsPlugin } from ${JSON.stringify(ipvs)};\nexport default class TestIpvsPlugin extends IpvsPlugin { constructor() { super({ dataplane: () => globalThis.__ipvsTestDp, retryDelayMs: 20 }); } }\n`,
  );
  writeFileSync(
    path.join(dir, 'fake.mjs'),
    `import { defineCheckType, schema as s } from ${JSON.stringify(core)};
export default {
  name: 'fake-check', hacore: '^1.0.0',
  apply(core) {
    defineCheckType(core, 'fake-check', 'fake', s.object({ key: s.string(), port: s.optional(s.port()) }), (spec) => ({
      async probe() {
        const r = globalThis.__ipvsFake.get(spec.key) ?? { ok: true };
        return { ok: r.ok, latencyMs: 0, reason: r.ok ? 'fine' : 'broken', ...(r.weight !== undefined ? { weight: r.weight } : {}) };
      },
    }));
  },
};\n`,
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

function fakeCheck(key: string): Record<string, unknown> {
  return { type: 'fake', key, warmup: 0, retryDelay: '10ms' };
}

function writeConfig(over: { weights?: number[]; scheduler?: string; ipvs?: object; extra?: object; quorum?: number } = {}): string {
  const weights = over.weights ?? [1, 1, 1];
  const cfg = {
    plugins: ['./ipvs.mjs', './fake.mjs'],
    stateDir: path.join(dir, 'state'),
    ...(over.ipvs ? { ipvs: over.ipvs } : {}),
    virtualServers: [
      {
        name: 'web',
        address: '198.51.100.10',
        port: 80,
        scheduler: over.scheduler ?? 'wrr',
        delayLoop: '20ms',
        quorum: over.quorum ?? 1,
        sorryServer: { address: '198.51.100.50' },
        realServers: weights.map((w, i) => ({ address: `198.51.100.${21 + i}`, weight: w, checks: [fakeCheck(`rs${i + 1}`)] })),
      },
      { address: '198.51.100.10', port: 53, protocol: 'udp', scheduler: 'rr', realServers: [{ address: '198.51.100.21' }] },
    ],
    ...over.extra,
  };
  const file = path.join(dir, 'hacore.config.json');
  writeFileSync(file, JSON.stringify(cfg, null, 2));
  return file;
}

async function boot(file: string): Promise<{ core: Hacore; plugin: IpvsPlugin; events: HacoreEvent[]; waitEvent: (p: (e: HacoreEvent) => boolean, from?: number) => Promise<HacoreEvent> }> {
  const core = await Hacore.load({ configFile: file, role: 'single' });
  const plugin = core.plugins.find((p) => p.plugin.name === '@hacore/ipvs')!.plugin as unknown as IpvsPlugin;
  const events: HacoreEvent[] = [];
  const waiters: { p: (e: HacoreEvent) => boolean; resolve: (e: HacoreEvent) => void }[] = [];
  core.hooks.event.tap('test', (e) => {
    const known = e as HacoreEvent;
    events.push(known);
    for (const w of [...waiters]) if (w.p(known)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(known);
    }
  });
  // `from`: only events at or after this index of `events` count.
  const waitEvent = (p: (e: HacoreEvent) => boolean, from = 0) => {
    const seen = events.slice(from).find(p);
    if (seen) return Promise.resolve(seen);
    return new Promise<HacoreEvent>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('event not seen within 5 s')), 5000);
      waiters.push({ p, resolve: (e) => (clearTimeout(t), resolve(e)) });
    });
  };
  return { core, plugin, events, waitEvent };
}

async function table(dp: MemoryDataplane): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const c of await readTable(dp)) out[serviceKeyId(c.service.key)] = Object.fromEntries(c.destinations.map((d) => [`${d.address}:${d.port}`, d.weight]));
  return out;
}

const WEB = 'tcp:198.51.100.10:80';
const DNS = 'udp:198.51.100.10:53';
const FOREIGN = 'tcp:198.51.100.99:443';

describe('IpvsPlugin in a running core', () => {
  it('programs the table at start, follows the checks, reloads in place and cleans up at stop, leaving foreign services', async () => {
    const dp = new MemoryDataplane();
    await dp.addService({ key: { family: 4, protocol: 'tcp', address: '198.51.100.99', port: 443 }, scheduler: 'rr' });
    g.__ipvsTestDp = dp;
    g.__ipvsFake = new Map();
    const { core, plugin, events, waitEvent } = await boot(writeConfig());
    // Validation and apply() touch nothing.
    assert.deepEqual(dp.calls, ['addService ' + FOREIGN]);
    await core.start();
    try {
      assert.deepEqual(await table(dp), {
        [FOREIGN]: {},
        [WEB]: { '198.51.100.21:80': 1, '198.51.100.22:80': 1, '198.51.100.23:80': 1 },
        [DNS]: { '198.51.100.21:53': 1 },
      });
      assert.deepEqual(
        core.config.checks.map((c) => c.name),
        ['web@198.51.100.21:80-0', 'web@198.51.100.22:80-0', 'web@198.51.100.23:80-0'],
      );
      assert.equal(core.config.checks[0]!.interval, 20);

      g.__ipvsFake.set('rs2', { ok: false });
      const down = await waitEvent((e) => e.kind === 'real-server' && e.realServer === '198.51.100.22:80' && !e.up);
      assert.equal(down.kind === 'real-server' && down.virtualServer, 'web');
      await plugin.idle();
      assert.deepEqual((await table(dp))[WEB], { '198.51.100.21:80': 1, '198.51.100.23:80': 1 });

      // A dynamic weight reported by the checker goes into the kernel.
      g.__ipvsFake.set('rs1', { ok: true, weight: 5 });
      await waitEvent((e) => e.kind === 'real-server' && e.realServer === '198.51.100.21:80' && e.weight === 5);
      await plugin.idle();
      assert.equal((await table(dp))[WEB]!['198.51.100.21:80'], 5);
      g.__ipvsFake.set('rs1', { ok: true });

      // All down: quorum lost, the sorry server alone.
      g.__ipvsFake.set('rs1', { ok: false });
      g.__ipvsFake.set('rs3', { ok: false });
      const q = await waitEvent((e) => e.kind === 'quorum' && !e.up);
      assert.equal(q.kind === 'quorum' && q.liveWeight, 0);
      await plugin.idle();
      assert.deepEqual((await table(dp))[WEB], { '198.51.100.50:80': 1 });
      const mark = events.length;
      g.__ipvsFake.clear();
      await waitEvent((e) => e.kind === 'quorum' && e.up, mark);
      for (const rs of ['198.51.100.21:80', '198.51.100.22:80', '198.51.100.23:80']) {
        await waitEvent((e) => e.kind === 'real-server' && e.up && e.realServer === rs, mark);
      }
      await plugin.idle();
      assert.deepEqual(Object.keys((await table(dp))[WEB]!).sort(), ['198.51.100.21:80', '198.51.100.22:80', '198.51.100.23:80']);

      // Reload: new weights and scheduler are edits, the DNS service is dropped, the foreign one stays.
      dp.calls.length = 0;
      writeConfig({ weights: [2, 1, 3], scheduler: 'wlc' });
      const cfg = JSON.parse((await import('node:fs')).readFileSync(path.join(dir, 'hacore.config.json'), 'utf8'));
      cfg.virtualServers.pop();
      writeFileSync(path.join(dir, 'hacore.config.json'), JSON.stringify(cfg));
      await core.reload();
      await plugin.idle();
      assert.deepEqual((await table(dp))[WEB], { '198.51.100.21:80': 2, '198.51.100.22:80': 1, '198.51.100.23:80': 3 });
      assert.equal((await table(dp))[DNS], undefined);
      assert.ok(!dp.calls.some((c) => c.startsWith('addService')), dp.calls.join('\n'));

      const st = core.status().ipvs as IpvsStatus;
      assert.deepEqual(st.owned, [WEB]);
      assert.equal(st.virtualServers[0]!.quorum.up, true);
      assert.ok(st.opsApplied > 0);
    } finally {
      await core.stop();
    }
    assert.deepEqual(await table(dp), { [FOREIGN]: {} });
  });

  it('leaves its services at stop with ipvs.leaveOnStop, and the next start adopts them without a flush', async () => {
    const dp = new MemoryDataplane();
    g.__ipvsTestDp = dp;
    g.__ipvsFake = new Map();
    const file = writeConfig({ ipvs: { leaveOnStop: true } });
    const first = await boot(file);
    await first.core.start();
    await first.core.stop();
    const kept = await table(dp);
    assert.deepEqual(Object.keys(kept).sort(), [WEB, DNS].sort());
    dp.calls.length = 0;
    const second = await boot(file);
    await second.core.start();
    await second.core.stop();
    assert.deepEqual(dp.calls, [], 'an identical table is adopted with no operation');
  });

  it('persists what it owns: a service removed from the config while stopped is removed at the next start, a foreign one is not', async () => {
    const dp = new MemoryDataplane();
    await dp.addService({ key: { family: 4, protocol: 'tcp', address: '198.51.100.99', port: 443 }, scheduler: 'rr' });
    g.__ipvsTestDp = dp;
    g.__ipvsFake = new Map();
    const stateDir = path.join(dir, 'owned-state');
    const ownedFile = path.join(stateDir, 'ipvs-owned.json');
    const file = writeConfig({ ipvs: { leaveOnStop: true }, extra: { stateDir } });
    const first = await boot(file);
    await first.core.start();
    await first.core.stop();
    const fs = await import('node:fs');
    assert.deepEqual(JSON.parse(fs.readFileSync(ownedFile, 'utf8')), { version: 1, services: [WEB, DNS] });
    // While stopped: the DNS service leaves the config.
    const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
    cfg.virtualServers.pop();
    fs.writeFileSync(file, JSON.stringify(cfg));
    const second = await boot(file);
    await second.core.start();
    assert.deepEqual(Object.keys(await table(dp)).sort(), [FOREIGN, WEB].sort(), 'ours removed, the foreign one kept');
    await second.core.stop();
    assert.deepEqual(JSON.parse(fs.readFileSync(ownedFile, 'utf8')).services, [WEB]);

    // A truncated file: logged, nothing owned, so nothing the config does not name is deleted.
    await dp.addService({ key: { family: 4, protocol: 'udp', address: '198.51.100.10', port: 53 }, scheduler: 'rr' });
    fs.writeFileSync(ownedFile, '{"version": 1, "services": ["udp:198.51.100.10:53", "tcp:198.51');
    const third = await boot(file);
    await third.core.start();
    assert.deepEqual(Object.keys(await table(dp)).sort(), [FOREIGN, DNS, WEB].sort(), 'the unowned DNS service is left alone');
    const errors = (third.core.status().ipvs as IpvsStatus).errors.map((e) => e.message);
    assert.ok(errors.some((m) => /ipvs-owned\.json: not a state file hacore wrote/.test(m)), errors.join('\n'));
    await third.core.stop();
    // The next write replaces the corrupt file with what we own now.
    assert.deepEqual(JSON.parse(fs.readFileSync(ownedFile, 'utf8')).services, [WEB]);
  });

  it('a pass that cannot read the table is reported and retried', async () => {
    const dp = new MemoryDataplane();
    let failures = 2;
    let retried!: () => void;
    const recovered = new Promise<void>((r) => (retried = r));
    const list = dp.listServices.bind(dp);
    dp.listServices = async () => {
      if (failures > 0) {
        failures--;
        throw Object.assign(new Error('IPVS listServices failed: EPERM'), { errno: 'EPERM' });
      }
      retried();
      return list();
    };
    g.__ipvsTestDp = dp;
    g.__ipvsFake = new Map();
    const { core, plugin, events } = await boot(writeConfig());
    await core.start();
    try {
      const st = core.status().ipvs as IpvsStatus;
      assert.equal(st.passes, 0);
      // The quorum is reported although the kernel could not be read yet.
      assert.ok(events.some((e) => e.kind === 'quorum' && e.up), JSON.stringify(events));
      assert.match(st.errors[0]!.message, /reconcile pass failed: .*EPERM/);
      await recovered;
      await plugin.idle();
      assert.deepEqual(Object.keys(await table(dp)).sort(), [WEB, DNS].sort());
      assert.equal((core.status().ipvs as IpvsStatus).passes, 1);
    } finally {
      await core.stop();
    }
  });

  it('repairs a table changed behind its back: at the next change, and on the periodic resync', async () => {
    const dp = new MemoryDataplane();
    g.__ipvsTestDp = dp;
    g.__ipvsFake = new Map();
    const { core, plugin, events, waitEvent } = await boot(writeConfig({ ipvs: { resyncInterval: 0 } }));
    await core.start();
    try {
      // Someone deletes our service; the plugin still trusts its last read-back...
      await dp.deleteService({ family: 4, protocol: 'tcp', address: '198.51.100.10', port: 80 });
      // ...until a change needs the service: the refused op sends it back to a full read at once.
      const mark = events.length;
      g.__ipvsFake.set('rs2', { ok: false });
      await waitEvent((e) => e.kind === 'real-server' && !e.up, mark);
      await plugin.idle();
      assert.deepEqual((await table(dp))[WEB], { '198.51.100.21:80': 1, '198.51.100.23:80': 1 });
      const st = core.status().ipvs as IpvsStatus;
      assert.equal(st.errors.length, 1, JSON.stringify(st.errors));
      assert.equal(st.errors[0]!.errno, 'ESRCH');
      assert.deepEqual(st.lastPass!.remaining, []);
    } finally {
      await core.stop();
    }

    // With a resync interval, no change is needed.
    const { core: core2, plugin: plugin2 } = await boot(writeConfig({ ipvs: { resyncInterval: '30ms' } }));
    await core2.start();
    let resynced!: () => void;
    const healed = new Promise<void>((r) => (resynced = r));
    const add = dp.addService.bind(dp);
    dp.addService = async (svc) => {
      await add(svc);
      if (serviceKeyId(svc.key) === DNS) resynced();
    };
    try {
      await dp.deleteService({ family: 4, protocol: 'udp', address: '198.51.100.10', port: 53 });
      await healed;
      await plugin2.idle();
      assert.deepEqual((await table(dp))[DNS], { '198.51.100.21:53': 1 });
    } finally {
      await core2.stop();
    }
  });

  it('a data plane that cannot be opened fails the start with HACORE_ERR_IPVS_UNAVAILABLE', async () => {
    const file = writeConfig();
    const { core } = await boot(file);
    Object.defineProperty(g, '__ipvsTestDp', { configurable: true, get: () => { throw new Error('no generic netlink here'); } });
    try {
      await assert.rejects(core.start(), (err: { code?: string; message: string }) => {
        assert.equal(err.code, 'HACORE_ERR_IPVS_UNAVAILABLE');
        assert.match(err.message, /cannot open the data plane .*no generic netlink here/);
        return true;
      });
    } finally {
      Object.defineProperty(g, '__ipvsTestDp', { configurable: true, writable: true, value: undefined });
      await core.stop();
    }
  });

  it('refuses a bad inline check before any side effect, naming its path', async () => {
    const dp = new MemoryDataplane();
    g.__ipvsTestDp = dp;
    const file = writeConfig({
      extra: {
        virtualServers: [
          { address: '198.51.100.10', port: 80, realServers: [{ address: '198.51.100.21', checks: [{ type: 'fake', key: 'x', intervall: '1s' }, { type: 'nope' }] }] },
          { address: '198.51.100.10', port: 80, realServers: [{ address: '2001:db8::1' }] },
        ],
      },
    });
    await assert.rejects(Hacore.load({ configFile: file, role: 'single' }), (err: { code?: string; issues?: { path: string; hint?: string }[] }) => {
      assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
      const paths = err.issues!.map((i) => i.path);
      assert.ok(paths.includes('virtualServers[0].realServers[0].checks[0].intervall'), paths.join(' '));
      assert.equal(err.issues!.find((i) => i.path.endsWith('.intervall'))!.hint, 'did you mean "interval"?');
      assert.ok(paths.includes('virtualServers[0].realServers[0].checks[1].type'), paths.join(' '));
      assert.ok(paths.includes('virtualServers[1].realServers[0].address'), paths.join(' '));
      return true;
    });
    // Cross-section problems are refused too.
    const dup = writeConfig({
      extra: {
        virtualServers: [
          { address: '198.51.100.10', port: 80 },
          { name: 'again', address: '198.51.100.10', port: 80 },
          { name: 'grouped', group: 'nope', port: 80 },
        ],
      },
    });
    await assert.rejects(Hacore.load({ configFile: dup, role: 'single' }), (err: { code?: string; message: string; issues?: { path: string; line?: number }[] }) => {
      assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
      assert.deepEqual(err.issues!.map((i) => i.path).sort(), ['virtualServers[1]', 'virtualServers[2].group']);
      // Reported like any schema error: with the file and the line.
      assert.ok(err.issues!.every((i) => typeof i.line === 'number'), JSON.stringify(err.issues));
      assert.ok(err.message.includes(dup), err.message);
      return true;
    });
    assert.deepEqual(dp.calls, []);
  });
});
