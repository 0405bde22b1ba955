import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatStatus } from '../src/cli/status-format.js';
import type { StatusReport } from '../src/types.js';

describe('formatStatus', () => {
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
