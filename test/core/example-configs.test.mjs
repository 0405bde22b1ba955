// Every config under docs/examples passes `hacore check-config`, and a broken copy
// of each is refused with file:line: path: reason, so the examples cannot drift from
// the schemas. Runs the real CLI with the workspace's plugins; no root needed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { hacoreCli } from '../lib/daemon.mjs';

const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/examples');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hacore-examples-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Each example's YAML files, relative to docs/examples. */
function exampleFiles() {
  return readdirSync(EXAMPLES)
    .filter((d) => statSync(path.join(EXAMPLES, d)).isDirectory())
    .flatMap((d) => readdirSync(path.join(EXAMPLES, d)).filter((f) => /\.ya?ml$/.test(f)).map((f) => path.join(d, f)))
    .sort();
}

/** A break per example: the text replaced, and the path and reason the error must name. */
const BREAKS = {
  'vrrp-pair/master.yaml': { from: 'priority: 150', to: 'priority: 300', path: 'vrrp.instances[0].priority', reason: /expected an integer from 1 to 255, found 300/ },
  'vrrp-pair/backup.yaml': { from: 'vrid: 51', to: 'vrid: 0', path: 'vrrp.instances[0].vrid', reason: /expected an integer from 1 to 255, found 0/ },
  'lvs-nat/hacore.yaml': { from: 'forwarding: masq', to: 'forwarding: nat', path: 'virtualServers[0].forwarding', reason: /expected one of "masq", "droute", "tunnel", found "nat"/ },
  'lvs-dr/hacore.yaml': { from: 'delayLoop: 3s', to: 'delayLop: 3s', path: 'virtualServers[0].delayLop', reason: /did you mean "delayLoop"/ },
  'checks-only/hacore.yaml': { from: 'timeout: 2s\n  - name: redis', to: 'timout: 2s\n  - name: redis', path: 'checks[1].timout', reason: /did you mean "timeout"/ },
  'anycast-site/director.yaml': { from: 'localAs: 65001', to: 'localAs: -1', path: 'bgp.localAs', reason: /found -1 \(number\)/ },
};

const check = (file) => hacoreCli(['check-config', '-c', file], { cwd: tmp });

describe('docs/examples', () => {
  const files = exampleFiles();

  it('holds the examples the docs promise, each with a break to test', () => {
    for (const f of ['vrrp-pair/master.yaml', 'vrrp-pair/backup.yaml', 'lvs-nat/hacore.yaml', 'lvs-dr/hacore.yaml', 'checks-only/hacore.yaml']) assert.ok(files.includes(f), `${f} missing`);
    assert.deepEqual(files, Object.keys(BREAKS).sort(), 'every example has a break in BREAKS');
  });

  for (const f of files) {
    it(`${f} passes check-config`, async () => {
      const r = await check(path.join(EXAMPLES, f));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /configuration is valid/);
      assert.ok(JSON.parse(r.stdout).plugins.length > 0);
    });

    it(`${f} broken is refused with file:line: path: reason`, async () => {
      const b = BREAKS[f];
      const text = readFileSync(path.join(EXAMPLES, f), 'utf8');
      assert.ok(text.includes(b.from), `${f} no longer holds ${JSON.stringify(b.from)}`);
      const broken = path.join(tmp, f.replaceAll('/', '-'));
      writeFileSync(broken, text.replace(b.from, b.to));
      const line = text.slice(0, text.indexOf(b.from)).split('\n').length;
      const r = await check(broken);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stdout, '', 'nothing printed as the normalized config');
      const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      assert.match(r.stderr, new RegExp(`${esc(broken)}:${line}: ${esc(b.path)}: `), r.stderr);
      assert.match(r.stderr, b.reason);
      assert.match(r.stderr, /HACORE_ERR_CONFIG_INVALID/);
    });
  }

  it('the VRRP pair differs only in priority and starting state', async () => {
    const [m, b] = await Promise.all(['master', 'backup'].map((n) => check(path.join(EXAMPLES, `vrrp-pair/${n}.yaml`))));
    const master = JSON.parse(m.stdout);
    const backup = JSON.parse(b.stdout);
    assert.deepEqual([master.vrrp.instances[0].priority, master.vrrp.instances[0].state], [150, 'MASTER']);
    assert.deepEqual([backup.vrrp.instances[0].priority, backup.vrrp.instances[0].state], [100, 'BACKUP']);
    for (const c of [master, backup]) {
      delete c.vrrp.instances[0].priority;
      delete c.vrrp.instances[0].state;
    }
    assert.deepEqual(backup, master);
  });
});
