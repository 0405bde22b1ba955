// Config errors of the bgp section name the file, the line, the path and the reason.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { hacoreCli, repoTempDir } from '../lib/daemon.mjs';

const dir = repoTempDir('hbgp-conf');
after(() => rmSync(dir, { recursive: true, force: true }));

/** `hacore check-config` of a config with one TCP check `web` and this bgp `prefixes:` list; the combined output. */
async function checkPrefixes(name, prefixes) {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `plugins: ['@hacore/checker-tcp', '@hacore/bgp']
checks:
  - { name: web, type: tcp, address: 127.0.0.1, port: 80 }
bgp:
  localAs: 65001
  routerId: 198.51.100.11
  neighbors: [{ address: 198.51.100.1, remoteAs: 65000 }]
  prefixes:
${prefixes}`,
    { mode: 0o600 },
  );
  const r = await hacoreCli(['check-config', '--config', file]);
  assert.notEqual(r.code, 0);
  return r.stdout + r.stderr;
}

test('unknown check, a VIP outside its prefix and a bad community are refused with file:line and path', async () => {
  const out = await checkPrefixes(
    'hacore',
    `    - prefix: 203.0.113.0/28
      vip: 203.0.113.200
      when: web
    - prefix: 203.0.113.10/32
      when: { all: [web, wbe] }
      communities: ['65001:70000']
`,
  );
  assert.match(out, /hacore\.yaml:\d+: bgp\.prefixes\[?\.?1\]?\.?communities/, out);
  assert.match(out, /65001:70000/, out);
  assert.match(out, /inside 203\.0\.113\.0\/28/, out);
});

test('a condition naming an unknown check is refused with its path and the checks that exist', async () => {
  const out = await checkPrefixes(
    'unknown-check',
    `    - prefix: 203.0.113.10/32
      when: { all: [web, wbe] }
`,
  );
  assert.match(out, /bgp\.prefixes\[0\]\.when/, out);
  assert.match(out, /"wbe"/, out);
  assert.match(out, /\(web\)/, out);
});
