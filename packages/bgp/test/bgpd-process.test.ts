import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createLogger } from '@hacore/core';
import { BgpdProcess } from '../src/bgpd-process.js';

test('a bgpd that cannot run is reported and retried with growing backoff, never thrown', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hbgp-proc-'));
  const downs: { at: number; reason: string }[] = [];
  const p = new BgpdProcess({
    bgpdPath: path.join(dir, 'no-such-bgpd'),
    runDir: dir,
    listenPort: 0,
    config: '',
    backoff: { initial: 50, max: 1000 },
    log: createLogger({ level: 'silent', role: 'bgp' }),
    onReady: async () => {},
    onDown: (reason) => downs.push({ at: Date.now(), reason }),
  });
  p.start();
  while (downs.length < 3) await new Promise((r) => setTimeout(r, 10));
  await p.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.match(downs[0]!.reason, /bgpd exited \(code \d+\)/);
  assert.equal(p.restarts >= 3, true);
  const gap1 = downs[1]!.at - downs[0]!.at;
  const gap2 = downs[2]!.at - downs[1]!.at;
  assert.ok(gap1 >= 45 && gap2 >= 95, `backoff gaps ${gap1} ms, ${gap2} ms`);
});
