/**
 * The plugin under the real Hacore runtime, reloaded, in a private network
 * namespace (`unshare -n`: its links vanish with the child process). Needs root.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { inPrivateNetns, netnsSkip } from './netns-child.js';

const pluginJs = fileURLToPath(new URL('../src/index.js', import.meta.url));
const coreJs = fileURLToPath(new URL('../../../core/dist/src/index.js', import.meta.url));

const script = `
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hacore } from ${JSON.stringify(coreJs)};
const ip = (...a) => String(execFileSync('ip', a));
ip('link', 'add', 'vr0', 'type', 'veth', 'peer', 'name', 'vr1');
ip('addr', 'add', '198.51.100.11/24', 'dev', 'vr0');
ip('link', 'set', 'vr0', 'up');
ip('link', 'set', 'vr1', 'up');
const dir = mkdtempSync(path.join(tmpdir(), 'hacore-vrrp-reload-'));
const file = path.join(dir, 'hacore.json');
const config = (vrid) => JSON.stringify({
  plugins: [${JSON.stringify(pluginJs)}],
  vrrp: { instances: [{ name: 'VI_1', interface: 'vr0', vrid, priority: 255, vmac: true, vmacName: 'vip0', virtualAddresses: ['198.51.100.200/24'] }] },
});
const silent = { level: 'silent', child() { return this; }, trace() {}, debug() {}, info() {}, warn() {}, error() {}, fatal() {} };
const mac = () => { try { return /link\\/ether ([0-9a-f:]+)/.exec(ip('link', 'show', 'vip0'))?.[1]; } catch { return 'missing'; } };
const out = [];
writeFileSync(file, config(51));
const h = await Hacore.load({ configFile: file, role: 'single', logger: silent });
try {
  await h.start();
  out.push('before: ' + mac());
  writeFileSync(file, config(52));
  let err = '';
  try { await h.reload(); } catch (e) { err = e.message; }
  out.push('reload error: ' + (err || 'none'));
  out.push('after: ' + mac());
  const st = (await h.status())['vrrp'] ?? (await h.status());
  out.push('state: ' + JSON.stringify(st).match(/"state":"(MASTER|BACKUP|FAULT|INIT)"/)?.[1]);
} finally {
  await h.stop('test');
  rmSync(dir, { recursive: true, force: true });
}
console.log(out.join('\\n'));
`;

describe('vrrp plugin reload', { skip: netnsSkip }, () => {
  it('an instance whose VRID changed gets its vmac made again with the new virtual MAC and runs', () => {
    const r = inPrivateNetns(script, 30_000);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.lines, ['before: 00:00:5e:00:01:33', 'reload error: none', 'after: 00:00:5e:00:01:34', 'state: MASTER']);
  });
});
