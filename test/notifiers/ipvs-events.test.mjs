// Real-server and quorum events from the real IPVS plugin (over its in-memory
// table: this kernel has no IPVS), driven by real TCP checks: notify scripts
// keyed by virtual server / real server, FIFO lines, and the metrics that
// read the ipvs status section, all in one single-process core.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { constants, openSync } from 'node:fs';
import net from 'node:net';
import { httpGet, nextEvent, pluginPath, startDaemon, tempDir, TcpTarget, waitFor, writeScript } from './helpers.mjs';
import { parsePrometheus, value } from '../metrics/prom-parse.mjs';

let tmp;
before(() => (tmp = tempDir('ipvs-ev')));
after(() => tmp.cleanup());


test('real-server and quorum events from the IPVS plugin reach notify scripts, the FIFO and the metrics', async () => {
  const ipvsPlugin = path.join(tmp.dir, 'ipvs-memory.mjs');
  writeFileSync(ipvsPlugin, `import { IpvsPlugin, MemoryDataplane } from ${JSON.stringify(pluginPath('ipvs'))};\nexport default new IpvsPlugin({ dataplane: () => new MemoryDataplane() });\n`);
  const log = path.join(tmp.dir, 'rs.log');
  const rec = writeScript(path.join(tmp.dir, 'rec.sh'), '#!/bin/sh\nlog="$1"; shift\necho "$*" >> "$log"\n');
  const fifo = path.join(tmp.dir, 'lvs.fifo');
  const a = new TcpTarget();
  const b = new TcpTarget();
  await a.up();
  await b.up();
  const rsCheck = (port) => ({ type: 'tcp', address: '127.0.0.1', port, timeout: '200ms', warmup: '0ms' });
  const core = await startDaemon(tmp.dir, {
    plugins: [pluginPath('checker-tcp'), ipvsPlugin, pluginPath('notifier-script'), pluginPath('metrics')],
    virtualServers: [
      {
        name: 'web',
        address: '198.51.100.10',
        port: 80,
        scheduler: 'wrr',
        delayLoop: '50ms',
        quorum: 2,
        realServers: [
          { address: '198.51.100.21', port: 80, checks: [rsCheck(a.port)] },
          { address: '198.51.100.22', port: 80, checks: [rsCheck(b.port)] },
        ],
      },
    ],
    notify: {
      fifo,
      virtualServers: {
        web: {
          quorumUp: [rec, log, 'quorum-up'],
          quorumDown: [rec, log, 'quorum-down'],
          realServers: {
            '198.51.100.22:80': { notifyDown: [rec, log, 'b-down'], notifyUp: [rec, log, 'b-up'] },
            '*': { notifyUp: [rec, log, 'any-up'], notifyDown: [rec, log, 'any-down'] },
          },
        },
      },
    },
    metrics: { listen: '127.0.0.1:0', processMetrics: false },
  }, { start: false });
  await core.start();
  const reader = new net.Socket({ fd: openSync(fifo, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
  let fifoText = '';
  reader.on('data', (d) => (fifoText += d));
  const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);
  try {
    // The IPVS plugin reports quorum at its first reconcile, inside its start hook: the
    // notifier is ready before that (its start tap runs first).
    await waitFor(() => lines().includes('quorum-up'), { what: 'quorum up at start' });
    const quorumDown = nextEvent(core, (e) => e.kind === 'quorum' && !e.up);
    await b.down();
    await quorumDown;
    await waitFor(() => lines().includes('quorum-down'), { what: 'the quorum-down script' });
    const quorumUp = nextEvent(core, (e) => e.kind === 'quorum' && e.up);
    await b.up();
    await quorumUp;
    await waitFor(() => lines().length >= 5, { what: 'the scripts of the recovery' });
    // Keyed by virtual server / real server (the exact entry wins over "*"), and in event
    // order within one virtual server: the real server goes down, then the quorum.
    assert.deepEqual(lines(), ['quorum-up', 'b-down', 'quorum-down', 'b-up', 'quorum-up']);
    await waitFor(() => fifoText.split('\n').filter(Boolean).length >= 5, { what: 'the FIFO lines' });
    assert.deepEqual(fifoText.split('\n').filter(Boolean), ['VS web UP', 'RS 198.51.100.22:80 web DOWN', 'VS web DOWN', 'RS 198.51.100.22:80 web UP', 'VS web UP']);
    const downAgain = nextEvent(core, (e) => e.kind === 'quorum' && !e.up);
    await b.down();
    await downAgain;

    const m = parsePrometheus((await httpGet(`http://${core.status().metrics.listen}/metrics`)).body);
    assert.equal(value(m, 'hacore_real_server_up', { virtual_server: 'web', real_server: '198.51.100.21:80' }), 1);
    assert.equal(value(m, 'hacore_real_server_up', { virtual_server: 'web', real_server: '198.51.100.22:80' }), 0);
    assert.equal(value(m, 'hacore_virtual_server_quorum_up', { virtual_server: 'web' }), 0);
    assert.equal(value(m, 'hacore_virtual_server_live_weight', { virtual_server: 'web' }), 1);
    assert.equal(value(m, 'hacore_quorum_transitions_total', { virtual_server: 'web', to: 'down' }), 2);
    assert.equal(value(m, 'hacore_quorum_transitions_total', { virtual_server: 'web', to: 'up' }), 2, 'the one at start counted too');
    assert.equal(value(m, 'hacore_real_server_transitions_total', { virtual_server: 'web', real_server: '198.51.100.22:80', to: 'down' }), 2);
    const ipvs = core.status().ipvs;
    assert.ok(ipvs.opsApplied > 0);
    assert.equal(value(m, 'hacore_ipvs_operations_total', { result: 'applied' }), ipvs.opsApplied);
    assert.equal(value(m, 'hacore_ipvs_operations_total', { result: 'failed' }), ipvs.opsFailed);
  } finally {
    reader.destroy();
    await core.stop();
    await a.down();
    await b.down();
  }
});
