import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@hacore/core';
import { DrainSet } from '../src/drain.js';
import { OwnershipStore } from '../src/ownership.js';
import { ReconcileLoop, type ReconcileLoopEvents } from '../src/reconcile-loop.js';
import { MemoryDataplane } from '../src/reconcile-memory-dataplane.js';
import { spec } from './vs-fixture.js';

/** The loop alone on the memory data plane: checks' views in, the kernel's table and the events out. */
function loopOn(dp: MemoryDataplane, owned = new Set<string>()): { loop: ReconcileLoop; events: string[] } {
  const events: string[] = [];
  const sink: ReconcileLoopEvents = {
    realServer: async (vs, c) => void events.push(`rs ${vs.spec.name} ${c.realServer} ${c.up ? 'up' : 'down'} ${c.weight}`),
    quorum: async (vs, up, w) => void events.push(`quorum ${vs.spec.name} ${up ? 'up' : 'down'} ${w}`),
  };
  const loop = new ReconcileLoop(dp, { logger: createLogger({ level: 'silent' }), events: sink, drains: new DrainSet(), ownership: new OwnershipStore(), owned, retryDelayMs: 10 });
  return { loop, events };
}

const weights = async (dp: MemoryDataplane): Promise<string[]> => {
  const out: string[] = [];
  for (const s of await dp.listServices()) for (const d of await dp.listDestinations(s.key)) out.push(`${d.address}:${d.port} w${d.weight}`);
  return out.sort();
};

describe('ReconcileLoop on the memory data plane', () => {
  it('follows the checks, reports after the kernel changed, and removes what it owns at the end', async () => {
    const dp = new MemoryDataplane();
    const { loop, events } = loopOn(dp);
    loop.setServers([spec({}, 2)]);
    loop.setView('c1', { state: 'up', reason: 'fine' });
    loop.setView('c2', { state: 'down', reason: 'refused' });
    await loop.kick();
    assert.deepEqual(await weights(dp), ['198.51.100.21:80 w1']);
    assert.deepEqual(events, ['quorum web up 1'], 'the first pass sets where each real server starts: no change to report but the quorum');
    assert.deepEqual(loop.status().owned, ['tcp:198.51.100.10:80']);

    events.length = 0;
    loop.setView('c2', { state: 'up', reason: 'fine', weight: 5 });
    const calls = dp.calls.length;
    await loop.kick();
    assert.deepEqual(await weights(dp), ['198.51.100.21:80 w1', '198.51.100.22:80 w5']);
    assert.deepEqual(dp.calls.slice(calls), ['addDestination tcp:198.51.100.10:80 198.51.100.22:80'], 'one operation, from the remembered table');
    assert.deepEqual(events, ['rs web 198.51.100.22:80 up 5']);

    await loop.stop();
    assert.equal(loop.isActive, false);
    assert.deepEqual(await loop.removeOwned(), { removed: 1, failed: 0 });
    assert.deepEqual(await dp.listServices(), []);
    assert.equal(loop.status().passes, 3);
  });

  it('a pass the data plane refuses is recorded and retried by itself after retryDelayMs', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const dp = new MemoryDataplane();
    let fail = true;
    const list = dp.listServices.bind(dp);
    dp.listServices = async () => {
      if (fail) throw new Error('netlink gone');
      return list();
    };
    const { loop } = loopOn(dp);
    loop.setServers([spec({}, 1)]);
    loop.setView('c1', { state: 'up' });
    await loop.kick();
    assert.match(loop.status().errors[0]?.message ?? '', /reconcile pass failed: netlink gone/);
    fail = false;
    t.mock.timers.tick(9);
    await loop.idle();
    assert.deepEqual(await weights(dp), [], 'not before the delay');
    t.mock.timers.tick(1);
    await loop.idle();
    assert.deepEqual(await weights(dp), ['198.51.100.21:80 w1']);
    await loop.stop();
  });
});
