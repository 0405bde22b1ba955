import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveIdentity, type IdentityFiles } from '../src/identity.js';

const files: IdentityFiles = {
  passwd: () => 'root:x:0:0:root:/root:/bin/bash\n# comment\nweb:x:1001:1002::/home/web:/bin/sh\nbroken line\n',
  group: () => 'root:x:0:\nwebgrp:x:1002:\nops:x:2000:web\n',
};

test('names are looked up; a user alone brings its primary group', () => {
  assert.deepEqual(resolveIdentity('web', undefined, files), { uid: 1001, gid: 1002 });
  assert.deepEqual(resolveIdentity('web', 'ops', files), { uid: 1001, gid: 2000 });
  assert.deepEqual(resolveIdentity(undefined, 'ops', files), { gid: 2000 });
  assert.deepEqual(resolveIdentity(undefined, undefined, files), {});
});

test('numbers are taken as they are, known or not', () => {
  assert.deepEqual(resolveIdentity(4242, 4343, files), { uid: 4242, gid: 4343 });
  assert.deepEqual(resolveIdentity('1001', undefined, files), { uid: 1001, gid: 1002 });
  assert.deepEqual(resolveIdentity(5000, undefined, files), { uid: 5000 });
});

test('unknown names fail with stable codes', () => {
  assert.throws(() => resolveIdentity('nobody-here', undefined, files), { code: 'HACORE_ERR_SCRIPT_USER' });
  assert.throws(() => resolveIdentity(undefined, 'nogrp', files), { code: 'HACORE_ERR_SCRIPT_GROUP' });
});
