// The real `hacore start` (supervisor + check child): metrics and notifier
// scripts run in the supervisor, probes in the check child. The scrape must
// show the child's probe counters and /status must equal `hacore status --json`.
import assert from 'node:assert/strict';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HacoreProcess, hacoreCli } from '../lib/daemon.mjs';
import { httpGet as get, pluginPath, tempDir, TcpTarget, waitFor, writeScript } from '../notifiers/helpers.mjs';
import { parsePrometheus, value } from './prom-parse.mjs';


let tmp;
before(() => (tmp = tempDir('metrics-sup')));
after(() => tmp.cleanup());

test('supervisor mode: probe counters from the check child, relayed events run notify scripts in the supervisor', async () => {
  const web = new TcpTarget();
  await web.up();
  const log = path.join(tmp.dir, 'notify.log');
  const rec = writeScript(path.join(tmp.dir, 'rec.sh'), '#!/bin/sh\nlog="$1"; shift\necho "$*" >> "$log"\n');
  const cfg = path.join(tmp.dir, 'hacore.config.json');
  writeFileSync(cfg, JSON.stringify({
    plugins: [pluginPath('checker-tcp'), pluginPath('metrics'), pluginPath('notifier-script')],
    controlSocket: path.join(tmp.dir, 'hacore.sock'),
    pidFile: path.join(tmp.dir, 'hacore.pid'),
    checks: [{ name: 'web', type: 'tcp', address: '127.0.0.1', port: web.port, interval: '100ms', timeout: '500ms', warmup: '0ms' }],
    notify: { checks: { web: { notify: [rec, log] } } },
    metrics: { listen: '127.0.0.1:0' },
  }));
  const d = new HacoreProcess(['--config', cfg]);
  try {
    const listening = await d.waitFor((r) => typeof r.listen === 'string' && r.plugin === '@hacore/metrics', 15000, 'the metrics listener');
    assert.equal(listening.role, 'main');
    const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
    await waitFor(() => lines().length >= 1, { what: 'the notify script run by the supervisor' });
    assert.deepEqual(lines(), ['CHECK web UP 0']);
    await web.down();
    await waitFor(() => lines().length >= 2, { what: 'the DOWN notification' });
    assert.equal(lines()[1], 'CHECK web DOWN 0');

    const m = parsePrometheus((await get(`http://${listening.listen}/metrics`)).body);
    assert.equal(value(m, 'hacore_target_up', { check: 'web' }), 0);
    assert.ok(value(m, 'hacore_probes_total', { check: 'web', result: 'ok' }) >= 1);
    assert.ok(value(m, 'hacore_probes_total', { check: 'web', result: 'failed' }) >= 1);
    assert.equal(value(m, 'hacore_target_transitions_total', { check: 'web', to: 'down' }), 1, 'events relayed from the child');
    assert.equal(value(m, 'hacore_info', { role: 'main' }), 1);
    assert.equal(value(m, 'hacore_info', { role: 'check' }), 1);

    // /status and `hacore status --json` print the same document (up to what changed in between).
    const viaHttp = JSON.parse((await get(`http://${listening.listen}/status`)).body);
    const viaCli = JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout);
    assert.deepEqual(Object.keys(viaHttp).sort(), Object.keys(viaCli).sort());
    assert.deepEqual(Object.keys(viaHttp).sort(), ['check', 'main']);
    assert.equal(viaHttp.check.targets[0].state, viaCli.check.targets[0].state);
    assert.equal(viaHttp.main.notify.delivered, 2);
    assert.equal(typeof viaHttp.check.probes.web.failed, 'number');
  } finally {
    await d.stop();
    await web.down();
  }
});
