import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { FileReading } from '@hacore/checker-file';
import { parseVrrpSection } from '../src/config-schema.js';
import { TrackFileRunners } from '../src/tracking-file.js';
import { fileContribution, TrackingSet, type TrackItemState } from '../src/tracking.js';

const up = { name: 'eth0', up: true };

describe('fileContribution (keepalived track_file for a VRRP instance)', () => {
  const table: [string, FileReading, number, boolean, { fault: boolean; contribution: number }][] = [
    ['weight 0: 0 is fine', { value: 0 }, 0, false, { fault: false, contribution: 0 }],
    ['weight 0: non-zero is Fault', { value: 1 }, 0, false, { fault: true, contribution: 0 }],
    ['weight 0: a negative value is Fault too', { value: -1 }, 0, false, { fault: true, contribution: 0 }],
    ['weight 0 reverse: 0 is Fault', { value: 0 }, 0, true, { fault: true, contribution: 0 }],
    ['weight 0 reverse: non-zero is fine', { value: 3 }, 0, true, { fault: false, contribution: 0 }],
    ['missing reads as 0', { value: 0, missing: true }, 0, false, { fault: false, contribution: 0 }],
    ['value × weight is added', { value: 3 }, 10, false, { fault: false, contribution: 30 }],
    ['reverse negates it', { value: 3 }, 10, true, { fault: false, contribution: -30 }],
    ['a negative value lowers the priority', { value: -2 }, 25, false, { fault: false, contribution: -50 }],
    ['limited to 253 upwards', { value: 100 }, 10, false, { fault: false, contribution: 253 }],
    ['-253 is still a priority change', { value: -253 }, 1, false, { fault: false, contribution: -253 }],
    ['-254 or less is Fault (weight 254 lets a file say -1 for Fault)', { value: -1 }, 254, false, { fault: true, contribution: 0 }],
    ['bad content is Fault whatever the weight', { invalid: 'bad content "x"' }, 10, false, { fault: true, contribution: 0 }],
  ];
  for (const [what, reading, weight, reverse, expected] of table) {
    it(what, () => {
      const r = fileContribution(reading, weight, reverse);
      assert.deepEqual({ fault: r.fault, contribution: r.contribution }, expected);
    });
  }
});

describe('TrackingSet with files', () => {
  it('each instance maps the same reading with its own weight and reverse; only priority or fault changes count', () => {
    const t = new TrackingSet({ interfaces: [], checks: [], scripts: [], files: [{ name: 'prio', weight: 10, reverse: false }, { name: 'maint', weight: 0, reverse: false }] });
    assert.equal(t.evaluate(100, up).effective, 100, 'unknown files count for nothing');
    assert.equal(t.set('file', 'prio', { value: 5 }), true);
    assert.equal(t.evaluate(100, up).effective, 150);
    assert.equal(t.set('file', 'prio', { value: 5 }), false);
    assert.equal(t.set('file', 'prio', { value: -3 }), true);
    assert.equal(t.evaluate(100, up).effective, 70);
    assert.equal(t.set('file', 'maint', { value: 1 }), true);
    assert.deepEqual(t.evaluate(100, up), { effective: 70, fault: true, faultReason: 'file maint down (value 1)' });
    assert.equal(t.set('file', 'maint', { value: 2 }), false, 'still Fault: no change');
    assert.equal(t.set('file', 'maint', { value: 0, missing: true }), true);
    assert.equal(t.evaluate(100, up).fault, false);
    assert.equal(t.set('file', 'prio', { invalid: 'bad content "x"' }), true);
    assert.deepEqual(t.evaluate(100, up), { effective: 100, fault: true, faultReason: 'file prio down (bad content "x")' });
    // A file reading for a name that is not a file item changes nothing.
    assert.equal(t.set('check', 'prio', { value: 1 } as TrackItemState), false);
    assert.equal(t.evaluate(250, up).effective, 250);
  });

  it('clamps the effective priority to 1..254 and leaves an owner at 255', () => {
    const t = new TrackingSet({ interfaces: [], checks: [], scripts: [], files: [{ name: 'p', weight: 100, reverse: false }] });
    t.set('file', 'p', { value: 2 });
    assert.equal(t.evaluate(100, up).effective, 254);
    t.set('file', 'p', { value: -2 });
    assert.equal(t.evaluate(100, up).effective, 1);
    assert.equal(t.evaluate(255, up).effective, 255);
  });
});

const section = (over: Record<string, unknown> = {}, inst: Record<string, unknown> = {}) => ({
  files: { maint: { path: '/run/hacore/maint' }, prio: { path: '/run/hacore/prio', weight: -20, reverse: true } },
  instances: [{ name: 'vi', interface: 'eth0', vrid: 1, virtualAddresses: ['198.51.100.100/24'], ...inst }],
  ...over,
});

describe('vrrp.files and track.files in the config', () => {
  it('a reference takes the file\'s weight and reverse unless it sets its own (an explicit 0 included)', () => {
    const r = parseVrrpSection(section({}, { track: { files: ['maint', 'prio'] } }));
    assert.deepEqual(r.issues, []);
    assert.deepEqual(r.value!.instances[0]!.track.files, [{ name: 'maint', weight: 1, reverse: false }, { name: 'prio', weight: -20, reverse: true }]);
    const o = parseVrrpSection(section({}, { track: { files: [{ name: 'maint', weight: 0 }, { name: 'prio', reverse: false }] } }));
    assert.deepEqual(o.value!.instances[0]!.track.files, [{ name: 'maint', weight: 0, reverse: false }, { name: 'prio', weight: -20, reverse: false }]);
    assert.deepEqual(o.value!.files!.maint, { path: '/run/hacore/maint', weight: 1, reverse: false, watch: true, pollInterval: 1000, settle: 50 });
  });

  it('bad values name their path', () => {
    const cases: [unknown, string, RegExp][] = [
      [section({}, { track: { files: ['mant'] } }), 'vrrp.instances[0].track.files[0]', /a file under vrrp.files/],
      [section({}, { track: { files: ['maint', 'maint'] } }), 'vrrp.instances[0].track.files[1]', /tracked once/],
      [section({}, { track: { files: [{ name: 'maint', weight: 300 }] } }), 'vrrp.instances[0].track.files[0].weight', /-254 to 254/],
      [section({}, { priority: 255, track: { files: ['maint'] } }), 'vrrp.instances[0].track.files[0]', /weight 0 for an address owner/],
      [section({ files: { maint: { path: 'maint' } } }), 'vrrp.files.maint.path', /absolute path/],
      [section({ files: { maint: { path: '/x', weight: -255 } } }), 'vrrp.files.maint.weight', /-254/],
      [section({ files: { maint: { path: '/x', pollInterval: 'often' } } }), 'vrrp.files.maint.pollInterval', /duration/],
      [section({ files: { maint: { file: '/x' } } }), 'vrrp.files.maint.file', /known key/],
    ];
    for (const [raw, where, expected] of cases) {
      const { issues } = parseVrrpSection(raw);
      const hit = issues.find((i) => i.path === where);
      assert.ok(hit, `no issue at ${where}: ${JSON.stringify(issues)}`);
      assert.match(hit.expected, expected);
    }
    assert.equal(parseVrrpSection(section({}, { track: { files: ['mant'] } })).issues[0]?.hint, 'did you mean "maint"?');
  });

  it('an address owner may track a file with weight 0 (Fault)', () => {
    assert.deepEqual(parseVrrpSection(section({}, { priority: 255, track: { files: [{ name: 'prio', weight: 0 }] } })).issues, []);
  });
});

describe('TrackFileRunners', () => {
  it('hands every reading to every instance, hands the known one to instances of a reload, and stops what is no longer tracked', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-vrrp-file-'));
    try {
      const f = path.join(dir, 'prio');
      await writeFile(f, '2\n');
      const seen: { who: string; name: string; state: TrackItemState }[] = [];
      let waiter: (() => void) | undefined;
      const inst = (who: string) => ({ setTracked: (_k: string, name: string, state: TrackItemState) => { seen.push({ who, name, state }); waiter?.(); } });
      let instances = [inst('a'), inst('b')];
      const runners = new TrackFileRunners(() => instances);
      const next = (n: number) => new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`saw ${JSON.stringify(seen)}`)), 3000);
        waiter = () => { if (seen.length >= n) { clearTimeout(t); waiter = undefined; resolve(); } };
        waiter();
      });
      const raw = parseVrrpSection({ files: { prio: { path: f, settle: '10ms' } }, instances: [{ name: 'vi', interface: 'eth0', vrid: 1, virtualAddresses: ['198.51.100.100/24'], track: { files: ['prio'] } }] });
      assert.deepEqual(raw.issues, []);
      runners.sync(raw.value!);
      await next(2);
      assert.deepEqual(seen.splice(0), [{ who: 'a', name: 'prio', state: { value: 2 } }, { who: 'b', name: 'prio', state: { value: 2 } }]);
      await writeFile(`${f}.new`, '-1\n');
      await rename(`${f}.new`, f);
      await next(2);
      assert.deepEqual(seen.splice(0).map((x) => x.state), [{ value: -1 }, { value: -1 }]);
      instances = [inst('c')];
      runners.sync(raw.value!);
      assert.deepEqual(seen.splice(0), [{ who: 'c', name: 'prio', state: { value: -1 } }]);
      assert.equal(runners.status()[0]!.watching, true);
      runners.sync({ ...raw.value!, instances: [] });
      assert.deepEqual(runners.status(), []);
      runners.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
