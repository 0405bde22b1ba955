import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStatus } from '../src/cli/status-format.js';
import type { StatusReport } from '../src/types.js';

describe('formatStatus', () => {
  it("shows a result's detail after its reason", () => {
    const report = {
      pid: 42,
      startedAt: 0,
      targets: [
        { check: 'web', type: 'http', target: { address: '198.51.100.1', port: 80 }, state: 'down', since: 0, lastResult: { ok: false, reason: 'digest mismatch', detail: 'received 0a, expected 0b', latencyMs: 1.25 } },
        { check: 'db', type: 'tcp', target: { address: '198.51.100.2', port: 5432 }, state: 'up', since: 0, lastResult: { ok: true, reason: 'connected', latencyMs: 0.5 } },
      ],
    } as unknown as StatusReport;
    const text = formatStatus({ check: report }, 1000);
    assert.match(text, /^web\s+http\s+198\.51\.100\.1:80\s+DOWN\s+\S+\s+digest mismatch: received 0a, expected 0b \(1\.3 ms\)$/m);
    assert.match(text, /^db\s+tcp\s+198\.51\.100\.2:5432\s+UP\s+\S+\s+connected \(0\.5 ms\)$/m);
  });

  it("lists a check process's workers under it in the process table", () => {
    const report = {
      pid: 42,
      startedAt: 0,
      targets: [],
      workers: [
        { index: 0, pid: 50, running: true, since: 0, restarts: 0, checks: ['a', 'b'] },
        { index: 1, pid: 51, running: false, since: 900, restarts: 2, checks: ['c'] },
      ],
    } as unknown as StatusReport;
    const lines = formatStatus({ check: report }, 1000).split('\n');
    assert.match(lines[1]!, /^check\s+42\s+up 1s$/);
    assert.match(lines[2]!, /^check worker 0\s+50\s+up 1s, 2 checks$/);
    assert.match(lines[3]!, /^check worker 1\s+51\s+starting, 1 checks, 2 restarts$/);
  });

  it("prints a plugin section's warnings after its instance table", () => {
    const report = {
      pid: 42,
      startedAt: 0,
      vrrp: { instances: [{ name: 'VI_1', state: 'MASTER', effectivePriority: 150 }], warnings: ['misconfiguration: VI_1: peer 198.51.100.3 differs in authentication (wrong password)'] },
    } as unknown as StatusReport;
    const text = formatStatus({ vrrp: report }, 1000);
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('VRRP INSTANCE'));
    assert.ok(at > 0, text);
    assert.match(lines[at + 1] as string, /^VI_1\s+MASTER\s+150$/);
    assert.equal(lines[at + 2], 'WARNING vrrp: misconfiguration: VI_1: peer 198.51.100.3 differs in authentication (wrong password)');
  });
});
