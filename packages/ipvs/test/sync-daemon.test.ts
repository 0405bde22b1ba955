import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HacoreConfig } from '@hacore/core';
import { MemoryDataplane } from '../src/reconcile-memory-dataplane.js';
import { SyncDaemonController, daemonConfig } from '../src/sync-daemon.js';
import { syncDaemonIssues } from '../src/sync-daemon-config.js';

const quiet = { info() {}, warn() {} };
const opts = { interface: 'eth1', syncId: 7, vrrpInstance: 'VI_1' };
const defaults = { maxLength: 1472, multicastGroup: '224.0.0.81', multicastPort: 8848, multicastTtl: 1 };

describe('SyncDaemonController', () => {
  it('starts as backup, becomes master alone and back, and stops what it runs', async () => {
    const dp = new MemoryDataplane();
    const c = new SyncDaemonController(dp, opts, quiet);
    await c.start();
    assert.deepEqual(dp.daemons, [{ ...defaults, state: 'backup', interface: 'eth1', syncId: 7 }]);
    await c.setRole('master');
    assert.deepEqual(dp.daemons, [{ ...defaults, state: 'master', interface: 'eth1', syncId: 7 }], 'the backup is stopped: never both');
    assert.equal(c.status().lastSwitch?.to, 'master');
    await c.setRole('backup');
    assert.deepEqual(dp.daemons.map((d) => d.state), ['backup']);
    const before = dp.calls.length;
    await c.setRole('backup');
    assert.equal(dp.calls.length, before, 'no change, no command');
    await c.stop();
    assert.deepEqual(dp.daemons, []);
  });

  it('the last of quick role changes wins, in order', async () => {
    const dp = new MemoryDataplane();
    const c = new SyncDaemonController(dp, opts, quiet);
    void c.start();
    void c.setRole('master');
    void c.setRole('backup');
    await c.setRole('master');
    await c.settled();
    assert.deepEqual(dp.daemons.map((d) => d.state), ['master']);
  });

  it('restarts a daemon whose options differ (a reload, or one left behind with another sync id)', async () => {
    const dp = new MemoryDataplane();
    await dp.startSyncDaemon({ state: 'backup', interface: 'eth1', syncId: 3 });
    const c = new SyncDaemonController(dp, opts, quiet);
    await c.start();
    assert.deepEqual(dp.daemons, [{ ...defaults, state: 'backup', interface: 'eth1', syncId: 7 }]);
    await c.update({ ...opts, maxLength: 1000, port: 8848 });
    assert.deepEqual(dp.daemons, [{ ...defaults, ...daemonConfig({ ...opts, maxLength: 1000, port: 8848 }, 'backup') }]);
    await c.update({ ...opts, maxLength: 1400, port: 8850 });
    assert.deepEqual(dp.daemons, [{ ...defaults, ...daemonConfig({ ...opts, maxLength: 1400, port: 8850 }, 'backup') }]);
  });

  it('a refusal is kept in the status, not thrown', async () => {
    const dp = new MemoryDataplane();
    dp.startSyncDaemon = async () => {
      throw Object.assign(new Error('startSyncDaemon: ENODEV'), { errno: 'ENODEV' });
    };
    const c = new SyncDaemonController(dp, opts, quiet);
    await c.start();
    assert.match(c.status().lastError ?? '', /ENODEV/);
  });
});

describe('syncDaemonIssues', () => {
  const cfg = (vrrp: unknown) => ({ ipvs: { syncDaemon: opts }, ...(vrrp ? { vrrp } : {}) }) as unknown as HacoreConfig;
  it('accepts an instance of the vrrp section and refuses another name', () => {
    assert.deepEqual(syncDaemonIssues(cfg({ instances: [{ name: 'VI_1' }] })), []);
    const [issue] = syncDaemonIssues(cfg({ instances: [{ name: 'VI_2' }] }));
    assert.equal(issue?.path, 'ipvs.syncDaemon.vrrpInstance');
    assert.match(issue?.expected ?? '', /VI_2/);
    assert.match(syncDaemonIssues(cfg(undefined))[0]?.expected ?? '', /no vrrp instances/);
  });
});
