import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { FakeClock } from './fake-clock.js';
import { resolveCheckWorkers } from '../src/daemon/check-workers.js';
import { Hacore } from '../src/daemon/hacore.js';
import type { ProbeRecord } from '../src/daemon/ipc.js';
import { assignChecks, checksOf } from '../src/daemon/shard-assign.js';
import { mergeWorkerStatus } from '../src/daemon/status-merge.js';
import type { StatusReport } from '../src/types.js';
import { TempDir } from './fixtures.js';

const CORE_INDEX = new URL('../src/index.js', import.meta.url).href;

test('assignChecks: round robin from nothing; across a reload a check keeps its worker and a new one goes to the least loaded', () => {
  const first = assignChecks(['a', 'b', 'c', 'd', 'e'], 2);
  assert.deepEqual([...first], [['a', 0], ['b', 1], ['c', 0], ['d', 1], ['e', 0]]);
  // a and c leave worker 0 (now e alone), f g h arrive: worker 0 catches up first, a tie goes to the lower index.
  const next = assignChecks(['b', 'd', 'e', 'f', 'g', 'h'], 2, first);
  assert.deepEqual([checksOf(next, 0), checksOf(next, 1)], [['e', 'f', 'g'], ['b', 'd', 'h']]);
  for (const n of ['b', 'd', 'e']) assert.equal(next.get(n), first.get(n), `${n} stays where it runs`);
  // A worker index beyond the count (fewer workers) is assigned again.
  assert.deepEqual(Object.fromEntries(assignChecks(['x', 'y'], 1, new Map([['x', 3], ['y', 0]]))), { x: 0, y: 0 });
});

test('resolveCheckWorkers: the number of cores, at most 4, unless checkWorkers says', () => {
  assert.equal(resolveCheckWorkers({}, 2), 2);
  assert.equal(resolveCheckWorkers({}, 1), 1);
  assert.equal(resolveCheckWorkers({}, 16), 4);
  assert.equal(resolveCheckWorkers({ checkWorkers: 1 }, 16), 1);
  assert.equal(resolveCheckWorkers({ checkWorkers: 8 }, 2), 8);
});

test("mergeWorkerStatus: the workers' plugin sections replace the check process's own, numbers added up; targets stay the check process's", () => {
  const base = { pid: 1, targets: [{ check: 'a' }], pluginErrors: { x: 1 }, icmp: { sockets: { ipv4: { refs: 1, sent: 0 } } }, probes: { a: 3 } } as unknown as StatusReport;
  const w0 = { pid: 2, targets: [{ check: 'a' }], pluginErrors: { x: 2 }, icmp: { sockets: { ipv4: { refs: 2, sent: 10, family: 'ipv4' } } } } as unknown as StatusReport;
  const w1 = { pid: 3, targets: [], pluginErrors: {}, icmp: { sockets: { ipv4: { refs: 1, sent: 5, family: 'ipv4' }, ipv6: { refs: 2, sent: 7 } } } } as unknown as StatusReport;
  const m = mergeWorkerStatus(base, [w0, undefined, w1]);
  assert.deepEqual(m['icmp'], { sockets: { ipv4: { refs: 3, sent: 15, family: 'ipv4' }, ipv6: { refs: 2, sent: 7 } } });
  assert.deepEqual(m['pluginErrors'], { x: 3 });
  assert.deepEqual([m.pid, m.targets, m['probes']], [1, [{ check: 'a' }], { a: 3 }]);
});


const tmp = new TempDir();
after(() => tmp.remove());

// A checker plugin and a plugin of the check role that only follows checks (as IPVS
// does): in a worker the first runs, the second counts for validation only.
tmp.write(
  'checker.mjs',
  `import { schema as s, defineCheckType } from ${JSON.stringify(CORE_INDEX)};
export default { name: 'flaky-checker', hacore: '^1.0.0', apply(core) {
  defineCheckType(core, 'flaky-checker', 'flaky', s.object({ address: s.ip(), failFrom: s.optional(s.integer({ min: 0 }), 1000) }),
    (spec) => { let n = 0; return { probe: async () => { n++; return { ok: n < spec.failFrom, latencyMs: 1, reason: n < spec.failFrom ? 'fine' : 'bad' }; } }; });
  core.hooks.start.tap('flaky-checker', () => { globalThis.__checkerStarted = (globalThis.__checkerStarted ?? 0) + 1; });
} };
`,
);
tmp.write(
  'follower.mjs',
  `import { schema as s } from ${JSON.stringify(CORE_INDEX)};
export default { name: 'follower', hacore: '^1.0.0', apply(core) {
  core.registerSection('follow', s.object({ extra: s.optional(s.boolean(), false) }));
  core.hooks.collectChecks.tap('follower', (checks, config) => config.follow?.extra
    ? [...checks, core.parseCheck({ name: 'derived', type: 'flaky', address: '198.51.100.9', interval: '1s', warmup: 0 }, { issues: [] }, 'follow')]
    : checks);
  for (const h of ['start', 'checkResult', 'targetState']) core.hooks[h].tap('follower', () => { globalThis.__followerRan = (globalThis.__followerRan ?? 0) + 1; });
} };
`,
);

test('a check worker runs only the checker plugins, its share of the checks, and hands every result and state change over in order', async () => {
  const file = tmp.write(
    'worker.yaml',
    [
      'plugins: ["./checker.mjs", "./follower.mjs"]',
      'follow: { extra: true }',
      'checks:',
      '  - { name: a, type: flaky, address: 198.51.100.1, interval: 1s, warmup: 0ms, rise: 1, fall: 2, failFrom: 3 }',
      '  - { name: b, type: flaky, address: 198.51.100.2, interval: 1s, warmup: 0ms }',
      '',
    ].join('\n'),
  );
  const g = globalThis as { __checkerStarted?: number; __followerRan?: number };
  g.__checkerStarted = 0;
  g.__followerRan = 0;
  const batches: ProbeRecord[][] = [];
  const clock = new FakeClock(1000, 0);
  const core = await Hacore.load({
    configFile: file,
    role: 'check',
    clock,
    worker: { handOver: { index: 1, checks: ['a', 'derived'], resume: { derived: { state: 'up', since: 5 } } }, send: (b) => batches.push(b) },
  });
  assert.deepEqual(core.config.checks.map((c) => c.name), ['a', 'b', 'derived'], "the follower's collectChecks still counts: the worker validates the whole file");
  await core.start();
  assert.equal(g.__checkerStarted, 1);
  await clock.advance(2500);
  core.flushProbes();
  assert.equal(batches.length, 0, 'nothing is probed before the check process says go');
  core.releaseChecks();
  await clock.advance(2500);
  core.flushProbes();
  assert.equal(g.__followerRan, 0, "the follower's start, checkResult and targetState taps never ran in the worker");
  assert.deepEqual(core.targets().map((t) => t.check), ['a', 'derived'], 'only its share');
  const a = batches.flat().filter((r) => r.c === 'a');
  // a: ok (unknown -> up), ok, then its third probe fails: results and the change in the order they happened.
  assert.deepEqual(
    a.map((r) => ('r' in r ? `r:${r.r.reason}@${r.at}` : `s:${r.s.from}->${r.s.to}`)),
    ['r:fine@3500', 's:unknown->up', 'r:fine@4500', 'r:bad@5500'].slice(0, a.length),
  );
  assert.ok(a.length >= 3);
  const derived = batches.flat().filter((r) => r.c === 'derived');
  assert.ok(derived.length > 0 && derived.every((r) => 'r' in r), 'derived resumed from up: its successes change nothing');
  await core.stop();
});
