import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { checkScript } from '../src/script-security.js';

// Ownership cases need root (to give files away); the tests run as root in CI.
const root = process.geteuid?.() === 0;
const opts = { trustedUids: new Set([0]), strict: true };
let dir: string;

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-sec-'));
  chmodSync(dir, 0o755);
});
after(() => rmSync(dir, { recursive: true, force: true }));

function script(rel: string, mode = 0o755): string {
  const f = path.join(dir, rel);
  mkdirSync(path.dirname(f), { recursive: true });
  writeFileSync(f, '#!/bin/sh\n');
  chmodSync(f, mode);
  return f;
}

test('a root-owned 0755 script in root-owned 0755 directories under sticky /tmp passes', { skip: !root }, () => {
  assert.equal(checkScript(script('ok.sh'), opts), undefined);
});

test('missing, relative, not executable, not a file', () => {
  assert.match(checkScript(path.join(dir, 'nope.sh'), opts)?.why ?? '', /cannot be found \(ENOENT\)/);
  assert.match(checkScript('nope.sh', opts)?.why ?? '', /not an absolute path/);
  assert.match(checkScript(script('noexec.sh', 0o644), opts)?.why ?? '', /not executable \(mode 0644\)/);
  assert.match(checkScript(dir, opts)?.why ?? '', /not a regular file/);
});

test('group-writable: refused for a non-root group, accepted for root\'s group', { skip: !root }, () => {
  const f = script('g/w.sh', 0o775);
  chownSync(f, 0, 65534);
  assert.deepEqual(checkScript(f, opts), { file: f, why: 'is writable by group 65534 (mode 0775)' });
  chownSync(f, 0, 0);
  assert.equal(checkScript(f, opts), undefined);
});

test('owned by another user: the file, or a directory on the way', { skip: !root }, () => {
  const f = script('u/own.sh');
  chownSync(f, 65534, 65534);
  assert.deepEqual(checkScript(f, opts), { file: f, why: 'is owned by uid 65534, not by root' });
  const d = path.join(dir, 'userdir');
  const g = script('userdir/s.sh');
  chownSync(d, 65534, 65534);
  assert.deepEqual(checkScript(g, opts), { file: d, why: 'is owned by uid 65534, not by root' });
  // Without strict security only existence and mode are checked.
  assert.equal(checkScript(g, { ...opts, strict: false }), undefined);
});

test('a sticky world-writable directory is fine; a plain world-writable one is not', { skip: !root }, () => {
  const sticky = path.join(dir, 'sticky');
  const f = script('sticky/s.sh');
  chmodSync(sticky, 0o1777);
  assert.equal(checkScript(f, opts), undefined);
  chmodSync(sticky, 0o777);
  assert.deepEqual(checkScript(f, opts), { file: sticky, why: 'is writable by others (mode 0777)' });
});

test('a symlink is judged by its owner, and its target by the target\'s path', { skip: !root }, () => {
  const target = script('real/t.sh');
  const open = path.join(dir, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const link = path.join(dir, 'link.sh');
  symlinkSync(target, link);
  assert.equal(checkScript(link, opts), undefined);
  const viaOpen = path.join(open, 'l.sh');
  symlinkSync(target, viaOpen);
  // The link sits in a directory others can write: they could replace it.
  assert.deepEqual(checkScript(viaOpen, opts), { file: open, why: 'is writable by others (mode 0777)' });
});
