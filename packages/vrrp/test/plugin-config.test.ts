import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Hacore, createHooks, type HacoreCore } from '@hacore/core';
import { parseVrrpSection } from '../src/config-schema.js';
import { VrrpPlugin, crossCheck } from '../src/plugin.js';

const inst = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'VI_1',
  interface: 'eth0',
  vrid: 51,
  virtualAddresses: ['198.51.100.200/24'],
  ...over,
});

function issuesOf(section: unknown): { path: string; expected: string; hint?: string }[] {
  const r = parseVrrpSection(section);
  assert.equal(r.value, undefined, 'expected the section to be invalid');
  return r.issues;
}

function pathsOf(section: unknown): string[] {
  return issuesOf(section).map((i) => i.path);
}

describe('vrrp config schema: defaults', () => {
  it('fills keepalived defaults for an IPv4 instance', () => {
    const r = parseVrrpSection({ instances: [inst()] });
    assert.deepEqual(r.issues, []);
    const i = r.value!.instances[0]!;
    assert.equal(i.version, 2);
    assert.equal(i.family, 4);
    assert.equal(i.priority, 100);
    assert.equal(i.advertInterval, 1000);
    assert.equal(i.preempt, true);
    assert.equal(i.preemptDelay, 0);
    assert.equal(i.state, 'BACKUP');
    assert.equal(i.garpRepeat, 5);
    assert.equal(i.garpMasterDelay, 5000);
    assert.equal(i.garpInterval, 0);
    assert.equal(i.garpRefresh, undefined);
    assert.equal(i.vipRemoved, 'backup');
    assert.equal(i.accept, true);
    assert.deepEqual(i.unicastPeers, []);
    assert.deepEqual(i.virtualAddresses, [{ address: '198.51.100.200', prefix: 24, family: 4, scope: 'global', preferredLifetime: 0 }]);
    assert.deepEqual(i.track, { interfaces: [], checks: [], scripts: [], files: [] });
    assert.deepEqual(r.value!.syncGroups, []);
  });

  it('defaults IPv6 instances to version 3 and keeps object VIPs', () => {
    const r = parseVrrpSection({
      instances: [inst({ advertInterval: '100ms', virtualAddresses: ['2001:db8::200/64', { address: '2001:db8::201', dev: 'eth1', scope: 'link', preferredLifetime: 'forever' }] })],
    });
    assert.deepEqual(r.issues, []);
    const i = r.value!.instances[0]!;
    assert.equal(i.version, 3);
    assert.equal(i.family, 6);
    assert.equal(i.advertInterval, 100);
    assert.deepEqual(i.virtualAddresses[1], { address: '2001:db8::201', prefix: 128, family: 6, scope: 'link', preferredLifetime: 'forever', dev: 'eth1' });
  });

  it('reads nopreempt, tracked items with weights, and a script weight taken from vrrp.scripts', () => {
    const r = parseVrrpSection({
      instances: [inst({ nopreempt: true, track: { interfaces: ['eth1', { name: 'eth2', weight: -30 }], checks: 'web', scripts: ['chk'] } })],
      scripts: { chk: { command: ['/bin/true'], weight: 20 } },
    });
    assert.deepEqual(r.issues, []);
    const i = r.value!.instances[0]!;
    assert.equal(i.preempt, false);
    assert.deepEqual(i.track.interfaces, [
      { name: 'eth1', weight: 0 },
      { name: 'eth2', weight: -30 },
    ]);
    assert.deepEqual(i.track.checks, [{ name: 'web', weight: 0 }]);
    assert.deepEqual(i.track.scripts, [{ name: 'chk', weight: 20 }]);
    assert.equal(r.value!.scripts['chk']!.interval, 1000);
  });

  it('accepts the same VRID on one interface for IPv4 and IPv6 (two virtual routers)', () => {
    const r = parseVrrpSection({ instances: [inst(), inst({ name: 'VI_6', virtualAddresses: ['2001:db8::200/64'] })] });
    assert.deepEqual(r.issues, []);
  });
});

describe('vrrp config schema: errors name the path', () => {
  const cases: [string, unknown, string, RegExp?][] = [
    ['v2 with IPv6', { instances: [inst({ version: 2, virtualAddresses: ['2001:db8::1/64'] })] }, 'vrrp.instances[0].version', /IPv6/],
    ['fractional v2 interval', { instances: [inst({ advertInterval: '1500ms' })] }, 'vrrp.instances[0].advertInterval', /whole seconds/],
    ['v3 interval not a multiple of 10ms', { instances: [inst({ version: 3, advertInterval: '15ms' })] }, 'vrrp.instances[0].advertInterval', /multiple of 10ms/],
    ['v3 interval above 40.95s', { instances: [inst({ version: 3, advertInterval: '41s' })] }, 'vrrp.instances[0].advertInterval'],
    ['mixed families', { instances: [inst({ virtualAddresses: ['198.51.100.200/24', '2001:db8::1/64'] })] }, 'vrrp.instances[0].virtualAddresses[1]', /one family/],
    ['authentication with v3', { instances: [inst({ version: 3, authentication: { type: 'PASS', password: 'secret' } })] }, 'vrrp.instances[0].authentication'],
    ['password too long', { instances: [inst({ authentication: { type: 'PASS', password: '123456789' } })] }, 'vrrp.instances[0].authentication.password'],
    ['AH authentication', { instances: [inst({ authentication: { type: 'AH', password: 'x' } })] }, 'vrrp.instances[0].authentication.type'],
    ['priority 0', { instances: [inst({ priority: 0 })] }, 'vrrp.instances[0].priority'],
    ['vrid 256', { instances: [inst({ vrid: 256 })] }, 'vrrp.instances[0].vrid'],
    ['label on IPv6', { instances: [inst({ virtualAddresses: [{ address: '2001:db8::1/64', label: 'eth0:x' }] })] }, 'vrrp.instances[0].virtualAddresses[0].label'],
    ['unicast peer of the other family', { instances: [inst({ unicastPeers: ['2001:db8::2'] })] }, 'vrrp.instances[0].unicastPeers[0]'],
    ['unicast source of the other family', { instances: [inst({ unicastSource: '2001:db8::2' })] }, 'vrrp.instances[0].unicastSource'],
    ['preempt and nopreempt disagree', { instances: [inst({ preempt: true, nopreempt: true })] }, 'vrrp.instances[0].nopreempt'],
    ['unknown script', { instances: [inst({ track: { scripts: ['chk_x'] } })], scripts: { chk_a: { command: ['/bin/true'] } } }, 'vrrp.instances[0].track.scripts[0]'],
    ['no VIP', { instances: [inst({ virtualAddresses: [] })] }, 'vrrp.instances[0].virtualAddresses'],
    ['VIP without address', { instances: [inst({ virtualAddresses: ['not-an-ip'] })] }, 'vrrp.instances[0].virtualAddresses[0]'],
    ['empty script command', { instances: [inst()], scripts: { chk: { command: [] } } }, 'vrrp.scripts.chk.command'],
  ];
  for (const [what, section, path, expected] of cases) {
    it(what, () => {
      const issues = issuesOf(section);
      const hit = issues.find((i) => i.path === path);
      assert.ok(hit, `no issue at ${path}; got ${JSON.stringify(issues)}`);
      if (expected) assert.match(hit.expected, expected);
    });
  }

  it('suggests the closest key for a typo', () => {
    const issues = issuesOf({ instances: [inst({ advertIntervl: '1s' })] });
    const hit = issues.find((i) => i.path === 'vrrp.instances[0].advertIntervl');
    assert.ok(hit);
    assert.equal(hit.hint, 'did you mean "advertInterval"?');
  });

  it('refuses duplicate names and a VRID reused on one interface and family', () => {
    assert.deepEqual(pathsOf({ instances: [inst(), inst({ virtualAddresses: ['198.51.100.201/24'] })] }).sort(), ['vrrp.instances[1].name', 'vrrp.instances[1].vrid']);
    assert.deepEqual(pathsOf({ instances: [inst(), inst({ name: 'VI_2', virtualAddresses: ['198.51.100.201/24'] })] }), ['vrrp.instances[1].vrid']);
    // Same VRID on another interface is a different virtual router.
    assert.deepEqual(parseVrrpSection({ instances: [inst(), inst({ name: 'VI_2', interface: 'eth1' })] }).issues, []);
  });

  it('refuses one VIP in two instances on the same device, allows it on another device', () => {
    const a = issuesOf({ instances: [inst(), inst({ name: 'VI_2', vrid: 52, virtualAddresses: ['198.51.100.201/24', '198.51.100.200/32'] })] });
    assert.deepEqual(a.map((i) => i.path), ['vrrp.instances[1].virtualAddresses']);
    assert.match(a[0]!.expected, /instances\[0\] has 198\.51\.100\.200/);
    // IPv6 compared as addresses, not text
    const b = issuesOf({
      instances: [inst({ virtualAddresses: ['2001:db8::200/64'] }), inst({ name: 'VI_2', vrid: 52, virtualAddressesExcluded: ['2001:db8:0::0200/64'], virtualAddresses: ['2001:db8::201/64'] })],
    });
    assert.deepEqual(b.map((i) => i.path), ['vrrp.instances[1].virtualAddresses']);
    assert.deepEqual(parseVrrpSection({ instances: [inst(), inst({ name: 'VI_2', interface: 'eth1' })] }).issues, []);
    assert.deepEqual(parseVrrpSection({ instances: [inst(), inst({ name: 'VI_2', vrid: 52, virtualAddresses: [{ address: '198.51.100.200/24', dev: 'eth1' }] })] }).issues, []);
  });

  it('checks sync groups: known members (with a hint), one group per instance', () => {
    const a = issuesOf({ instances: [inst(), inst({ name: 'VI_2', vrid: 52, virtualAddresses: ['198.51.100.201/24'] })], syncGroups: [{ name: 'G', instances: ['VI_1', 'VI_3'] }] });
    assert.deepEqual(a.map((i) => [i.path, i.hint]), [['vrrp.syncGroups[0].instances[1]', 'did you mean "VI_1"?']]);
    const b = issuesOf({
      instances: [inst(), inst({ name: 'VI_2', vrid: 52, virtualAddresses: ['198.51.100.201/24'] })],
      syncGroups: [
        { name: 'G1', instances: ['VI_1', 'VI_2'] },
        { name: 'G2', instances: ['VI_2'] },
      ],
    });
    assert.deepEqual(b.map((i) => i.path), ['vrrp.syncGroups[1].instances[0]']);
  });
});

describe('vrrp plugin', () => {
  it('crossCheck names tracked checks missing from checks:', () => {
    const r = parseVrrpSection({ instances: [inst({ track: { checks: ['web', 'db'] } })] });
    const problems = crossCheck(r.value!, { checks: [{ name: 'web' }] as never });
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /vrrp\.instances\[0\]\.track\.checks\[1\].*"db"/);
  });

  it('getHooks gives one frozen hook map per core', () => {
    const core1 = { hooks: createHooks() } as unknown as HacoreCore;
    const core2 = { hooks: createHooks() } as unknown as HacoreCore;
    const h1 = VrrpPlugin.getHooks(core1);
    assert.equal(VrrpPlugin.getHooks(core1), h1);
    assert.notEqual(VrrpPlugin.getHooks(core2), h1);
    assert.ok(Object.isFrozen(h1));
    assert.equal(typeof h1.transition.tapPromise, 'function');
    assert.equal(typeof h1.drop.tap, 'function');
  });

  it('declares the vrrp role and reads name/version from package.json', () => {
    const p = new VrrpPlugin();
    assert.deepEqual([...p.roles], ['vrrp']);
    assert.equal(p.name, '@hacore/vrrp');
    assert.match(p.hacore, /^\^1\./);
  });

  it('a bad vrrp section stops Hacore.load with the file and path, before anything starts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-vrrp-cfg-'));
    try {
      const plugin = fileURLToPath(new URL('../src/index.js', import.meta.url));
      const file = path.join(dir, 'hacore.json');
      await writeFile(file, JSON.stringify({ plugins: [plugin], vrrp: { instances: [inst({ priority: 300 })] } }));
      await assert.rejects(Hacore.load({ configFile: file, role: 'single' }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
        assert.match(err.message, /vrrp\.instances\[0\]\.priority/);
        assert.match(err.message, /hacore\.json/);
        return true;
      });
      // A good section loads (validation only: nothing is opened before start()).
      await writeFile(file, JSON.stringify({ plugins: [plugin], vrrp: { instances: [inst()] } }));
      const core = await Hacore.load({ configFile: file, role: 'single' });
      const section = core.config['vrrp'] as { instances: { name: string }[] };
      assert.equal(section.instances[0]!.name, 'VI_1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a tracked check that does not exist is refused at validation, in every role, before anything starts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-vrrp-cfg-'));
    try {
      const plugin = fileURLToPath(new URL('../src/index.js', import.meta.url));
      const file = path.join(dir, 'hacore.json');
      await writeFile(file, JSON.stringify({ plugins: [plugin], vrrp: { instances: [inst({ track: { checks: ['nope'] } })] } }));
      for (const role of ['single', 'check', 'vrrp'] as const) {
        await assert.rejects(Hacore.load({ configFile: file, role }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'HACORE_ERR_CONFIG_INVALID');
          assert.match(err.message, /hacore\.json:1: vrrp\.instances\[0\]\.track\.checks\[0\]: expected the name of a check under checks: \(none defined\), found "nope"/);
          return true;
        });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('accept mode (nftables ruleset)', () => {
  it('collects the VIPs of accept: false instances, except the address owner', async () => {
    const { noAcceptVips, acceptModeRuleset } = await import('../src/plugin-accept-mode.js');
    const r = parseVrrpSection({
      instances: [
        inst({ accept: false, virtualAddressesExcluded: ['198.51.100.201/24'] }),
        inst({ name: 'VI_6', accept: false, virtualAddresses: ['2001:db8::200/64'] }),
        inst({ name: 'VI_2', vrid: 52, virtualAddresses: ['198.51.100.202/24'] }),
        inst({ name: 'VI_O', vrid: 53, priority: 255, accept: false, virtualAddresses: ['198.51.100.203/24'] }),
      ],
    });
    assert.deepEqual(r.issues, []);
    const vips = noAcceptVips(r.value!.instances);
    assert.deepEqual(vips, { v4: ['198.51.100.200', '198.51.100.201'], v6: ['2001:db8::200'] });
    const rules = acceptModeRuleset(vips);
    assert.match(rules, /^add table inet hacore_vrrp\ndelete table inet hacore_vrrp\ntable inet hacore_vrrp \{/);
    assert.match(rules, /ip daddr \{ 198\.51\.100\.200, 198\.51\.100\.201 \} counter drop/);
    // ND to the VIP is accepted before the drop, or clients' NUD for the gateway fails.
    assert.ok(rules.indexOf('nd-neighbor-solicit') < rules.indexOf('ip6 daddr { 2001:db8::200 } counter drop'));
    assert.equal(acceptModeRuleset({ v4: [], v6: [] }), 'add table inet hacore_vrrp\ndelete table inet hacore_vrrp\n');
  });
});

describe('vrrp section scheduling options', () => {
  it('reads nice and realtimePriority, and bounds them', () => {
    const r = parseVrrpSection({ instances: [inst()], nice: -5, realtimePriority: 20 });
    assert.deepEqual(r.issues, []);
    assert.equal(r.value!.nice, -5);
    assert.equal(r.value!.realtimePriority, 20);
    assert.equal(parseVrrpSection({ instances: [inst()] }).value!.realtimePriority, undefined);
    assert.deepEqual(pathsOf({ instances: [inst()], nice: -21 }), ['vrrp.nice']);
    assert.deepEqual(pathsOf({ instances: [inst()], realtimePriority: 100 }), ['vrrp.realtimePriority']);
    assert.deepEqual(pathsOf({ instances: [inst()], realtimePriority: -1 }), ['vrrp.realtimePriority']);
    // 0: SCHED_OTHER, the way to turn the real-time default off.
    assert.equal(parseVrrpSection({ instances: [inst()], realtimePriority: 0 }).value!.realtimePriority, 0);
  });
});

describe('vmac options', () => {
  it('names the vmac vrrp.VRID by default, or vmacName', () => {
    const r = parseVrrpSection({ instances: [inst({ vmac: true }), inst({ name: 'VI_2', vrid: 52, vmac: true, vmacName: 'vip52' })] });
    assert.deepEqual(r.issues, []);
    assert.equal(r.value!.instances[0]!.vmac, 'vrrp.51');
    assert.equal(r.value!.instances[1]!.vmac, 'vip52');
    assert.equal(parseVrrpSection({ instances: [inst()] }).value!.instances[0]!.vmac, undefined);
  });

  it('refuses vmac with IPv6, with unicast peers, a vmacName without vmac, and one name twice', () => {
    assert.deepEqual(pathsOf({ instances: [inst({ vmac: true, virtualAddresses: ['2001:db8::1/64'] })] }), ['vrrp.instances[0].vmac']);
    assert.deepEqual(pathsOf({ instances: [inst({ vmac: true, unicastPeers: ['198.51.100.2'] })] }), ['vrrp.instances[0].vmac']);
    assert.deepEqual(pathsOf({ instances: [inst({ vmacName: 'x' })] }), ['vrrp.instances[0].vmacName']);
    assert.deepEqual(pathsOf({ instances: [inst({ vmac: true, vmacName: 'v' }), inst({ name: 'VI_2', interface: 'eth1', vmac: true, vmacName: 'v', virtualAddresses: ['198.51.100.201/24'] })] }), ['vrrp.instances[1].vmacName']);
  });
});
