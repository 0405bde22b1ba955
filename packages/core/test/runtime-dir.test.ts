import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultControlSocket, defaultPidFile, defaultRuntimeDir } from '../src/config/runtime-dir.js';

test('the default runtime directory: systemd first, then /run/hacore for root, $XDG_RUNTIME_DIR/hacore for a user', () => {
  assert.equal(defaultRuntimeDir({ RUNTIME_DIRECTORY: '/run/hacore-unit:/run/other', XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/hacore-unit');
  assert.equal(defaultRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/0' }, 0), '/run/hacore');
  assert.equal(defaultRuntimeDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/user/1000/hacore');
  assert.equal(defaultRuntimeDir({ RUNTIME_DIRECTORY: '', XDG_RUNTIME_DIR: '' }, 1000), '/run/hacore');
  assert.equal(defaultControlSocket({}, 0), '/run/hacore/hacore.sock');
  assert.equal(defaultPidFile({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000), '/run/user/1000/hacore/hacore.pid');
});

test('the daemon config file: --config, else $HACORE_CONFIG, else /etc/hacore/hacore.yaml', async () => {
  const { daemonConfigFile } = await import('../src/config/load.js');
  assert.equal(daemonConfigFile('/x.yaml', { HACORE_CONFIG: '/y.yaml' }), '/x.yaml');
  assert.equal(daemonConfigFile(undefined, { HACORE_CONFIG: '/y.yaml' }), '/y.yaml');
  assert.equal(daemonConfigFile(undefined, { HACORE_CONFIG: '' }), '/etc/hacore/hacore.yaml');
  assert.equal(daemonConfigFile(undefined, {}), '/etc/hacore/hacore.yaml');
});
