// Sessions up and down many times: 20 pairs over a namespace's loopback, started,
// brought Up, one side removed (the other goes Down), all stopped, 10 times (400
// sessions Up, 200 Up -> Down). File descriptors, timers and receive sockets must be
// the same after the last cycle as after the second, and none may be left after stop.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const NS = `hbfl-${process.pid % 10000}${Math.floor(Math.random() * 100)}`;

test('BFD sessions up and down 10 x 20 pairs: FDs, timers and sockets flat', { timeout: 120_000 }, () => {
  execFileSync('ip', ['netns', 'add', NS]);
  try {
    execFileSync('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
    const out = execFileSync('ip', ['netns', 'exec', NS, process.execPath, '--expose-gc', path.join(here, 'leak-child.mjs'), '10', '20'], { encoding: 'utf8', timeout: 110_000 });
    const { samples, ups, downs } = JSON.parse(out.trim().split('\n').pop());
    console.log(`# ${ups} Up, ${downs} Up->Down; fds ${samples.map((s) => s.fds).join(' ')}; timeouts ${samples.map((s) => s.timeouts).join(' ')}; rss MB ${samples.map((s) => (s.rss / 1e6).toFixed(0)).join(' ')}`);
    assert.equal(ups, 400);
    assert.equal(downs, 200);
    const [warm, last] = [samples[1], samples.at(-1)];
    assert.equal(last.fds, warm.fds, 'file descriptors');
    assert.equal(last.timeouts, warm.timeouts, 'timers');
    assert.ok(samples.every((s) => s.receivers === 0), 'receive sockets closed with their last session');
    assert.ok(last.rss < warm.rss * 1.5 + 20e6, `rss ${warm.rss} -> ${last.rss}`);
  } finally {
    execFileSync('ip', ['netns', 'del', NS]);
  }
});
