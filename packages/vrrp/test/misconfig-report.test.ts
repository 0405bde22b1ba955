import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MisconfigReport } from '../src/misconfig-report.js';
import { misconfigWarnings } from '../src/misconfig-warnings.js';

describe('MisconfigReport: one log line per peer and reason per minute', () => {
  it('logs the first, counts the rest, logs again after the window with the count in between', () => {
    let now = 0;
    const r = new MisconfigReport({ now: () => now, wallClock: () => 1_700_000_000_000 + now });
    assert.deepEqual(r.note('198.51.100.3', 'auth', 'wrong password'), { log: true, unlogged: 0 });
    // 10 adverts a second for a minute: no line until the window has passed, even if the detail changes.
    let lines = 0;
    for (now = 100; now < 60_000; now += 100) if (r.note('198.51.100.3', 'auth', now % 2 ? 'auth type 0, expected 1' : 'wrong password').log) lines++;
    assert.equal(lines, 0);
    assert.deepEqual(r.note('198.51.100.3', 'auth', 'wrong password'), { log: true, unlogged: 599 });
    // Another reason, another peer: their own lines.
    assert.equal(r.note('198.51.100.3', 'addrList', 'missing 198.51.100.200').log, true);
    assert.equal(r.note('198.51.100.4', 'auth', 'wrong password').log, true);
    const e = r.entries();
    assert.deepEqual(e.map((x) => [x.peer, x.reason, x.count]), [['198.51.100.3', 'auth', 601], ['198.51.100.3', 'addrList', 1], ['198.51.100.4', 'auth', 1]]);
    assert.match(misconfigWarnings('VI_1', e)[0] as string, /^misconfiguration: VI_1: peer 198\.51\.100\.3 differs in authentication \(wrong password\), 601 advert\(s\), last 2023-/);
  });

  it('forgets entries after the expiry and holds at most maxEntries (spoofed sources)', () => {
    let now = 0;
    const r = new MisconfigReport({ now: () => now, maxEntries: 3, expireMs: 1000 });
    for (let i = 0; i < 10; i++) r.note(`198.51.100.${i}`, 'interval', 'x');
    assert.deepEqual(r.entries().map((e) => e.peer), ['198.51.100.7', '198.51.100.8', '198.51.100.9']);
    now = 1001;
    assert.deepEqual(r.entries(), []);
  });
});
