import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Hacore, schema as s, type GenericEvent } from '@hacore/core';
import { BfdChecker, BfdStateBook, type BfdCheckSpec } from '../src/bfd-check.js';
import { bfdSectionSchema } from '../src/config-schema.js';
import { sessionOptions } from '../src/runtime.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const PLUGIN = path.resolve(here, '../src/index.js');

const ev = (instance: string, to: string, diagText = 'no diagnostic'): GenericEvent => ({ kind: 'bfd-state', time: Date.now(), origin: 'bfd', instance, neighbor: '198.51.100.2', local: '198.51.100.1', from: 'Down', to, diag: 0, diagText });

describe('bfd section schema', () => {
  it('fills keepalived defaults and turns ms into the session µs', () => {
    const r = s.validate(bfdSectionSchema, { instances: [{ name: 'b1', neighbor: '198.51.100.2' }] }, 'bfd');
    assert.deepEqual(r.issues, []);
    const i = r.value!.instances[0]!;
    assert.deepEqual([i.minRx, i.minTx, i.idleTx, i.multiplier, i.passive, i.multihop, i.ttl], [10, 10, 1000, 5, false, false, 255]);
    const o = sessionOptions({ ...i, minRx: 3.312, minTx: 50 }, 7);
    assert.deepEqual([o.requiredMinRx, o.desiredMinTx, o.idleTx, o.detectMult, o.minTtl], [3312, 50_000, 1_000_000, 5, 255]);
    assert.equal(sessionOptions({ ...i, multihop: true }, 7).minTtl, 254);
    assert.equal(sessionOptions({ ...i, maxHops: 255 }, 7).minTtl, 0);
  });

  it('refuses duplicate names, a source of the other family, the same peer twice, and an idle tx below 1 s', () => {
    const r = s.validate(
      bfdSectionSchema,
      {
        instances: [
          { name: 'b1', neighbor: '198.51.100.2', source: '2001:db8::1' },
          { name: 'b1', neighbor: '198.51.100.3' },
          { name: 'b3', neighbor: '198.51.100.3' },
        ],
      },
      'bfd',
    );
    const paths = r.issues.map((x) => x.path).sort();
    assert.deepEqual(paths, ['bfd.instances[0].source', 'bfd.instances[1].name', 'bfd.instances[2].neighbor'].sort());
    const idle = s.validate(bfdSectionSchema, { instances: [{ name: 'b4', neighbor: '198.51.100.4', idleTx: '500ms' }] }, 'bfd');
    assert.deepEqual(idle.issues.map((x) => x.path), ['bfd.instances[0].idleTx']);
  });
});

describe('type: bfd follows the state book', () => {
  const spec = { name: 'c', type: 'bfd', session: 'b1', timeout: 200 } as unknown as BfdCheckSpec;

  it('answers at once on a change, waits for the next change otherwise, and gives up waiting at 80 % of the timeout', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const book = new BfdStateBook();
    const c = new BfdChecker(spec, book);
    const ctl = new AbortController();
    let r = await c.probe(ctl.signal);
    assert.equal(r.ok, false);
    assert.match(r.reason, /no state from the bfd process yet/);
    book.observe(ev('b1', 'Up'));
    r = await c.probe(ctl.signal);
    assert.deepEqual([r.ok, r.reason], [true, 'bfd Up']);
    // Unchanged: the probe waits; a Down arriving 30 ms later answers it at once.
    let settled = false;
    const waiting = c.probe(ctl.signal).finally(() => (settled = true));
    t.mock.timers.tick(30);
    await Promise.resolve();
    assert.equal(settled, false, 'still waiting for a change');
    assert.equal(book.waiting(), 1);
    book.observe(ev('b1', 'Down', 'control detection time expired'));
    r = await waiting;
    assert.deepEqual([r.ok, r.reason], [false, 'bfd Down (control detection time expired)']);
    // Nothing changes: back after 0.8 × 200 ms with the same state, not before.
    settled = false;
    const unchanged = c.probe(ctl.signal).finally(() => (settled = true));
    t.mock.timers.tick(159);
    await new Promise((res) => setImmediate(res));
    assert.equal(settled, false, 'waits for a change up to 160 ms');
    t.mock.timers.tick(1);
    r = await unchanged;
    assert.equal(r.ok, false);
    assert.equal(book.waiting(), 0);
  });

  it('an abort ends a waiting probe and leaves no waiter', async () => {
    const book = new BfdStateBook();
    book.observe(ev('b1', 'Up'));
    const c = new BfdChecker({ ...spec, timeout: 60_000 } as BfdCheckSpec, book);
    const ctl = new AbortController();
    await c.probe(ctl.signal);
    const p = c.probe(ctl.signal);
    assert.equal(book.waiting(), 1);
    ctl.abort();
    assert.equal((await p).ok, true);
    assert.equal(book.waiting(), 0);
  });
});

describe('the plugin in one process, two sessions over loopback', { timeout: 30_000 }, () => {
  it('both come Up, a type: bfd check follows, the status has the sessions; a reload that removes the peer brings the check down', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hacore-bfd-plugin-'));
    const file = path.join(dir, 'hacore.json');
    const a = { name: 'a', neighbor: '127.0.0.2', source: '127.0.0.1', minRx: '20ms', minTx: '20ms', multiplier: 3 };
    const b = { name: 'b', neighbor: '127.0.0.1', source: '127.0.0.2', minRx: '20ms', minTx: '20ms', multiplier: 3 };
    const write = (instances: unknown[]) =>
      writeFile(file, JSON.stringify({ plugins: [PLUGIN], stateDir: dir, bfd: { instances }, checks: [{ name: 'follow-a', type: 'bfd', session: 'a' }] }));
    await write([a, b]);
    const h = await Hacore.load({ configFile: file, role: 'single', checkOwner: false });
    const seen: GenericEvent[] = [];
    const waitFor = (pred: (e: GenericEvent) => boolean, ms = 10_000): Promise<GenericEvent> =>
      new Promise((resolve, reject) => {
        const hit = seen.find(pred);
        if (hit) return resolve(hit);
        const t = setTimeout(() => reject(new Error(`timed out; saw ${JSON.stringify(seen.map((e) => [e.kind, e.instance ?? e.check, e.to]))}`)), ms);
        h.hooks.event.tap('test', (e) => {
          if (pred(e)) {
            clearTimeout(t);
            resolve(e);
          }
        });
      });
    h.hooks.event.tap('test-log', (e) => void seen.push(e));
    try {
      await h.start();
      await waitFor((e) => e.kind === 'bfd-state' && e.instance === 'a' && e.to === 'Up');
      await waitFor((e) => e.kind === 'bfd-state' && e.instance === 'b' && e.to === 'Up');
      await waitFor((e) => e.kind === 'target-state' && e.check === 'follow-a' && e.to === 'up');
      const st = h.status()['bfd'] as { sessions: { name: string; state: string; counters: { droppedTtl: number } }[] };
      assert.deepEqual(st.sessions.map((x) => x.name), ['a', 'b']);
      assert.ok(st.sessions.every((x) => x.state === 'Up' && x.counters.droppedTtl === 0));
      // The first event of each session is its start (from none).
      assert.equal(seen.find((e) => e.kind === 'bfd-state' && e.instance === 'b')?.from, 'none');
      await write([a]);
      const t0 = Date.now();
      await h.reload();
      const down = await waitFor((e) => e.kind === 'bfd-state' && e.instance === 'a' && e.from === 'Up' && e.to === 'Down');
      // b stopped without a word: a notices after its detection time, slow start not yet over on b's side or 3 × 20 ms.
      assert.equal(down.diag, 1);
      await waitFor((e) => e.kind === 'target-state' && e.check === 'follow-a' && e.to === 'down');
      assert.ok(Date.now() - t0 < 5000);
    } finally {
      await h.stop('test');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
