import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { schema as s } from '@hacore/core';
import { trackScriptSchema } from '../src/config-schema.js';

test('a track script that a non-root user can modify is refused at validation, a safe one passes', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-vrrp-script-'));
  try {
    const script = path.join(dir, 'check.sh');
    writeFileSync(script, '#!/bin/sh\nexit 0\n');
    chmodSync(script, 0o755);
    assert.deepEqual(s.validate(trackScriptSchema, { command: [script] }, 'vrrp.scripts.chk').issues, []);
    chmodSync(script, 0o757);
    const bad = s.validate(trackScriptSchema, { command: [script, '--x'] }, 'vrrp.scripts.chk');
    assert.equal(bad.issues.length, 1);
    assert.equal(bad.issues[0]!.path, 'vrrp.scripts.chk.command[0]');
    assert.match(bad.issues[0]!.hint ?? '', /writable/);
    // A bare name is looked up like execvp does: /bin/true is root's.
    assert.deepEqual(s.validate(trackScriptSchema, { command: ['true'] }, 'x').issues, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
