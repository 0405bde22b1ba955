// The plugin platform end to end with the real CLI and supervisor: a
// third-party plugin's own event kind delivered by a notifier that does not
// know it, Standard Schema (zod) errors, cross-references refused by
// check-config, and a reload refused in one child that changes nothing anywhere.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { HacoreProcess, hacoreCli, repoTempDir, acceptingServer } from '../lib/daemon.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = repoTempDir('platform');
const FLAP = path.resolve(here, '../../examples/flap-detector/dist/src/index.js');
const REFUSER = path.join(here, 'refusing-plugin.mjs');
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name, text) {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}
const head = (name, plugins) => [`plugins: ${JSON.stringify(plugins)}`, `controlSocket: ${path.join(dir, `${name}.sock`)}`, `pidFile: ${path.join(dir, `${name}.pid`)}`];

describe('validation before anything starts', () => {
  test('a notifier filter naming an undeclared event kind is refused with file:line and a did-you-mean', async () => {
    const cfg = write('kinds', [
      ...head('kinds', ['@hacore/notifier-webhook', FLAP]),
      'flapDetector: {}',
      'webhooks:',
      '  endpoints:',
      '    - url: http://127.0.0.1:9/',
      '      events: [target-state, check-flaping]',
    ].join('\n'));
    const r = await hacoreCli(['check-config', '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${cfg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:8: webhooks\\.endpoints\\[0\\]\\.events\\[1\\]: expected an event kind declared`));
    assert.match(r.stderr, /did you mean "check-flapping"\?/);
    assert.match(r.stderr, /HACORE_ERR_CONFIG_INVALID/);
  });

  test("a plugin's zod schema reports like the core's: file:line: path: reason", async () => {
    const cfg = write('zod', [...head('zod', [FLAP]), 'flapDetector:', '  threshold: 1', '  windw: 5'].join('\n'));
    const r = await hacoreCli(['check-config', '--config', cfg]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /zod\.yaml:5: flapDetector\.threshold: expected Number must be greater than or equal to 2, found 1 \(number\)/);
    assert.match(r.stderr, /zod\.yaml:5: flapDetector: expected Unrecognized key\(s\) in object: 'windw'/);
    const ok = write('zod-ok', [...head('zod-ok', [FLAP]), 'flapDetector: { threshold: 4 }'].join('\n'));
    const good = await hacoreCli(['check-config', '--config', ok]);
    assert.equal(good.code, 0, good.stderr);
    assert.deepEqual(JSON.parse(good.stdout).flapDetector, { threshold: 4, windowMs: 60000 }, 'zod defaults applied');
  });
});

describe('open events', () => {
  test("the example plugin's own event kind reaches a webhook that knows nothing of it", async () => {
    const received = [];
    let onDoc;
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        const doc = JSON.parse(body);
        received.push(doc);
        onDoc?.(doc);
        res.end('ok');
      });
    });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    // A target that the test brings up and down, so the check flaps.
    let target = await acceptingServer();
    const port = target.address().port;
    const cfg = write('flap', [
      ...head('flap', ['@hacore/checker-tcp', '@hacore/notifier-webhook', FLAP]),
      'flapDetector: { threshold: 3, windowMs: 30000 }',
      'webhooks:',
      '  endpoints:',
      `    - { url: "http://127.0.0.1:${receiver.address().port}/", events: [check-flapping] }`,
      'checks:',
      `  - { name: web, type: tcp, address: 127.0.0.1, port: ${port}, interval: 50ms, timeout: 200ms, rise: 1, fall: 1, warmup: 0ms }`,
    ].join('\n'));
    const d = new HacoreProcess(['--config', cfg]);
    const flapping = new Promise((r) => (onDoc = (doc) => doc.event.kind === 'check-flapping' && r(doc)));
    try {
      const state = (to) => d.waitFor((rec) => rec.check === 'web' && rec.to === to && rec.role === 'check', 10000, `web ${to}`);
      await state('up');
      for (let i = 0; i < 2; i++) {
        const mark = d.lines.length;
        await new Promise((r) => target.close(r));
        await d.waitFor((rec) => d.lines.indexOf(rec) >= mark && rec.check === 'web' && rec.to === 'down', 10000, 'down');
        target = await acceptingServer(port);
        await d.waitFor((rec) => d.lines.indexOf(rec) >= mark && rec.check === 'web' && rec.to === 'up', 10000, 'up');
      }
      const doc = await Promise.race([flapping, new Promise((_, j) => setTimeout(() => j(new Error('no check-flapping document')), 10000))]);
      assert.equal(doc.schema, 'hacore.event/v1');
      assert.equal(doc.event.check, 'web');
      assert.equal(doc.event.flips, 3);
      assert.equal(doc.event.origin, 'main');
      assert.ok(received.every((x) => x.event.kind === 'check-flapping'), 'the filter passed only the plugin\'s kind');
    } finally {
      assert.equal((await d.stop()).code, 0);
      target.close();
      receiver.close();
    }
  });
});

describe('atomic reload', () => {
  test('a reload refused in one child only changes nothing in any process; a good one applies everywhere', async () => {
    const srv = await acceptingServer();
    const port = srv.address().port;
    const conf = (refuser, checks) =>
      write('atomic', [
        ...head('atomic', ['@hacore/checker-tcp', REFUSER]),
        `refuser: ${JSON.stringify(refuser)}`,
        'checks:',
        ...checks.map((n) => `  - { name: ${n}, type: tcp, address: 127.0.0.1, port: ${port}, interval: 100ms, timeout: 500ms, warmup: 0ms }`),
      ].join('\n'));
    const cfg = conf({ mode: 'one' }, ['a']);
    const d = new HacoreProcess(['--config', cfg]);
    try {
      await d.waitFor((r) => r.check === 'a' && r.to === 'up', 10000, 'a up');
      const status = async () => JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout);
      // Both children up and answering before the reload.
      let st0;
      for (let i = 0; i < 100; i++) {
        st0 = await status();
        if (st0.aux?.refuser && st0.check?.refuser) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(st0.aux?.refuser && st0.check?.refuser, JSON.stringify(st0));
      const pids = { check: st0.main.children.check.pid, aux: st0.main.children.aux.pid };
      conf({ mode: 'two', refuseIn: 'aux' }, ['a', 'b']);
      const r = await hacoreCli(['reload', '--config', cfg]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /reload refused, nothing was changed in any process: aux: plugin test-refuser failed in prepareReload: refused in aux by the test plugin/);
      assert.match(r.stderr, /HACORE_ERR_RELOAD_REFUSED/);
      const st = await status();
      assert.deepEqual({ check: st.main.children.check.pid, aux: st.main.children.aux.pid }, pids, 'no child restarted');
      assert.deepEqual(st.check.targets.map((t) => t.check), ['a'], 'the check child kept its checks');
      assert.equal(st.check.refuser.mode, 'one');
      assert.equal(st.aux.refuser.mode, 'one');
      assert.equal(st.check.refuser.prepared, 1);
      assert.equal(st.check.refuser.aborted, 1, 'the child that had prepared aborted');
      assert.equal(st.aux.refuser.aborted, 0, 'the refusing child had nothing to abort');
      conf({ mode: 'two' }, ['a', 'b']);
      const ok = await hacoreCli(['reload', '--config', cfg]);
      assert.equal(ok.code, 0, ok.stderr);
      await d.waitFor((rec) => rec.check === 'b' && rec.to === 'up', 10000, 'b up');
      const st2 = await status();
      assert.deepEqual(st2.check.targets.map((t) => t.check).sort(), ['a', 'b']);
      assert.equal(st2.check.refuser.mode, 'two');
      assert.equal(st2.aux.refuser.mode, 'two');
    } finally {
      assert.equal((await d.stop()).code, 0);
      srv.close();
    }
  });
});
