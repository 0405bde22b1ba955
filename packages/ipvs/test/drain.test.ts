import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DrainSet } from '../src/drain.js';
import { VirtualServer, type CheckView } from '../src/virtual-server.js';
import type { VirtualServerSpec } from '../src/virtual-server-spec.js';
import { spec as fixtureSpec } from './vs-fixture.js';

const spec = (name: string): VirtualServerSpec => fixtureSpec({ name, port: name === 'web' ? 80 : 443 }, 2, 5);

const allUp = (): CheckView => ({ state: 'up', reason: 'connected' });
const dir = (): string => mkdtempSync(path.join(tmpdir(), 'hacore-drain-'));

describe('drain', () => {
  it('a drained real server stays in the table with weight 0 and carries no quorum weight', () => {
    const vs = new VirtualServer(spec('web'));
    vs.evaluate(allUp);
    const ev = vs.evaluate(allUp, (rs) => rs === '198.51.100.22:80');
    assert.deepEqual(ev.desired[0]!.destinations.map((d) => [d.address, d.weight]), [['198.51.100.21', 5], ['198.51.100.22', 0]]);
    assert.equal(ev.liveWeight, 5);
    assert.equal(ev.realServers[1]!.drained, true);
    assert.deepEqual(ev.changes, [{ realServer: '198.51.100.22:80', up: true, weight: 0, reason: 'weight 5 -> 0 (drained)' }]);
  });

  it('drains by id or by address, in one virtual server or in all, and persists across a reopen', () => {
    const d = dir();
    const specs = [spec('web'), spec('tls')];
    const set = new DrainSet();
    assert.equal(set.open(d), undefined);
    assert.deepEqual(set.apply(specs, { realServer: '198.51.100.21' }, true, 1000), [
      { virtualServer: 'web', realServer: '198.51.100.21:80' },
      { virtualServer: 'tls', realServer: '198.51.100.21:80' },
    ]);
    assert.deepEqual(set.apply(specs, { realServer: '198.51.100.21:80', virtualServer: 'tls' }, false), [{ virtualServer: 'tls', realServer: '198.51.100.21:80' }]);
    assert.deepEqual(set.apply(specs, { realServer: '198.51.100.21:80', virtualServer: 'web' }, true), [], 'already drained: nothing changes');
    const again = new DrainSet();
    again.open(d);
    assert.equal(again.has('web', '198.51.100.21:80'), true);
    assert.equal(again.has('tls', '198.51.100.21:80'), false);
    assert.equal(again.since('web', '198.51.100.21:80'), 1000);
  });

  it('refuses what no virtual server has, and changes nothing', () => {
    const d = dir();
    const set = new DrainSet();
    set.open(d);
    assert.throws(() => set.apply([spec('web')], { realServer: '198.51.100.99:80' }, true), /no real server 198\.51\.100\.99:80/);
    assert.throws(() => set.apply([spec('web')], { realServer: '198.51.100.21:80', virtualServer: 'nope' }, true), /no virtual server "nope"/);
    assert.throws(() => set.apply([spec('web')], {}, true), /which real server/);
    assert.deepEqual(set.list(), []);
  });

  it('a corrupt state file is reported and read as nothing drained', () => {
    const d = dir();
    writeFileSync(path.join(d, 'ipvs-drained.json'), '{"drained": [tr');
    const set = new DrainSet();
    assert.match(set.open(d) ?? '', /not a state file hacore wrote/);
    assert.deepEqual(set.list(), []);
    set.apply([spec('web')], { realServer: '198.51.100.22:80' }, true);
    assert.equal(JSON.parse(readFileSync(path.join(d, 'ipvs-drained.json'), 'utf8')).drained.length, 1);
  });
});
