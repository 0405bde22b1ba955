import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeConfigChanges, formatReloadReport } from '../src/daemon/config-changes.js';
import type { HacoreConfig } from '../src/types.js';

const base = (extra: Record<string, unknown> = {}): HacoreConfig =>
  ({
    plugins: ['@hacore/vrrp'],
    logLevel: 'info',
    controlSocket: '/run/hacore/hacore.sock',
    stateDir: '/var/lib/hacore',
    pidFile: '/run/hacore/hacore.pid',
    checks: [
      { name: 'web1', type: 'tcp', interval: 1000, target: { host: '198.51.100.10', port: 80 } },
      { name: 'gone', type: 'tcp', interval: 1000, target: { host: '198.51.100.11', port: 80 } },
    ],
    vrrp: { instances: [{ name: 'VI_1', priority: 150, vips: ['203.0.113.10/24'] }, { name: 'VI_2', priority: 100 }] },
    ...extra,
  }) as unknown as HacoreConfig;

describe('describeConfigChanges', () => {
  it('names added, changed and removed checks and each changed value by instance name', () => {
    const prev = base();
    const next = base();
    next.checks = [
      { name: 'web1', type: 'tcp', interval: 2000, target: { host: '198.51.100.10', port: 80 } },
      { name: 'web2', type: 'tcp', interval: 1000, target: { host: '198.51.100.12', port: 80 } },
    ] as unknown as HacoreConfig['checks'];
    next.vrrp = { instances: [{ name: 'VI_1', priority: 140, vips: ['203.0.113.10/24'] }, { name: 'VI_3', priority: 90 }] };
    const r = describeConfigChanges(prev, next);
    assert.deepEqual(r.checks, { added: ['web2'], removed: ['gone'], changed: ['web1'] });
    assert.deepEqual(r.sections, ['vrrp']);
    assert.deepEqual(r.changes, ['check web1: interval 1000 -> 2000', 'vrrp: instances VI_1 priority 150 -> 140', 'vrrp: instances VI_3 added', 'vrrp: instances VI_2 removed']);
    assert.equal(
      formatReloadReport(r),
      'reload applied: added web2; changed web1; removed gone; sections vrrp\n  check web1: interval 1000 -> 2000\n  vrrp: instances VI_1 priority 150 -> 140\n  vrrp: instances VI_3 added\n  vrrp: instances VI_2 removed',
    );
  });

  it('says nothing changed for the same config, and shows new and unset keys', () => {
    assert.equal(formatReloadReport(describeConfigChanges(base(), base())), 'reload applied: nothing changed');
    const r = describeConfigChanges(base(), base({ metrics: { listen: '127.0.0.1:9100' } }));
    assert.deepEqual(r.changes, ['metrics: (unset) -> {"listen":"127.0.0.1:9100"}']);
  });

  it('compares arrays without unique names as values, and caps the lines', () => {
    const prev = base({ list: [1, 2] });
    const next = base({ list: [1, 3] });
    assert.deepEqual(describeConfigChanges(prev, next).changes, ['list: [1,2] -> [1,3]']);
    const many = (n: number) => base({ big: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, n])) });
    const lines = describeConfigChanges(many(1), many(2)).changes;
    assert.equal(lines.length, 41);
    assert.equal(lines.at(-1), '... 10 more');
  });
});
