// Packs @hacore/core, @hacore/native, @hacore/checker-icmp and @hacore/vrrp,
// installs the tarballs into a fresh project with no compiler, make or python3
// on PATH and node-gyp pointed at an empty headers directory (so it could
// neither compile nor download headers), proves the addon came from the tarball's prebuild
// (nothing compiled), and then, from that installation, runs a real ICMP check
// and sends a real gratuitous ARP in a lab namespace, asserting the echo reply
// and the neighbour entry on the receiving host.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { Lab, waitFor } from '../lib/lab.mjs';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'hacore-native-pack-'));
let lab;
after(async () => {
  await lab?.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** The full path of a program on this machine's PATH. */
function which(cmd) {
  for (const d of (process.env.PATH ?? '').split(':')) {
    const p = path.join(d, cmd);
    if (d && existsSync(p)) return p;
  }
  throw new Error(`${cmd} not found`);
}

test('the packed addon installs from its prebuild without a compiler, and pings and sends GARP from there', { timeout: 180_000 }, async () => {
  // 1. Tarballs; @hacore/native's prepack builds prebuilds/ into it.
  const tarballs = {};
  for (const name of ['core', 'native', 'checker-icmp', 'checker-file', 'vrrp']) {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], { cwd: path.join(root, 'packages', name), maxBuffer: 1 << 24 });
    const [info] = JSON.parse(stdout.slice(stdout.indexOf('[')));
    tarballs[name] = { file: path.join(work, info.filename), files: info.files.map((f) => f.path) };
  }
  const nativeFiles = tarballs.native.files;
  assert.ok(nativeFiles.includes('prebuilds/linux-x64/@hacore+native.glibc.node'), `no x64 prebuild in ${nativeFiles.join(', ')}`);
  // scripts/setup.sh installs Debian's gcc-aarch64-linux-gnu for the cross build.
  assert.ok(nativeFiles.includes('prebuilds/linux-arm64/@hacore+native.glibc.node'), `no arm64 prebuild in ${nativeFiles.join(', ')}`);
  assert.ok(!nativeFiles.some((f) => f.startsWith('build/')), 'no build/ directory in the tarball');
  assert.ok(!tarballs.vrrp.files.some((f) => f.startsWith('native/') || f.endsWith('.gyp')), 'vrrp compiles nothing of its own');

  // 2. A PATH with node, npm and a shell only: no cc, gcc, g++, make or python3.
  const bin = path.join(work, 'bin');
  mkdirSync(bin);
  // ip only to enter the lab's namespace after the install.
  for (const cmd of ['node', 'npm', 'sh', 'ip']) symlinkSync(which(cmd), path.join(bin, cmd));
  for (const cmd of ['cc', 'gcc', 'g++', 'make', 'python3']) assert.ok(!existsSync(path.join(bin, cmd)));
  const app = path.join(work, 'app');
  mkdirSync(app);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'director', private: true, type: 'module' }));
  const env = {
    PATH: bin,
    HOME: process.env.HOME ?? '/root',
    // node-gyp, if it ran, would find no headers here and may not download any.
    npm_config_nodedir: path.join(work, 'no-headers'),
  };
  const files = Object.values(tarballs).map((t) => t.file);
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', ...files], { cwd: app, env, maxBuffer: 1 << 24 });

  // 3. Loaded from the prebuild; nothing was compiled.
  const installed = path.join(app, 'node_modules/@hacore/native');
  assert.ok(!existsSync(path.join(installed, 'build')), 'node-gyp ran: there is a build/ directory');
  assert.ok(!existsSync(path.join(work, 'no-headers')), 'node-gyp looked for headers');
  const probe = path.join(app, 'probe.mjs');
  writeFileSync(probe, "import { addonPath } from '@hacore/native';\nconsole.log(addonPath());\n");
  const { stdout: loaded } = await run(process.execPath, [probe], { cwd: app, env });
  assert.equal(loaded.trim(), path.join(installed, 'prebuilds/linux-x64/@hacore+native.glibc.node'));
  assert.deepEqual(readdirSync(path.join(app, 'node_modules')).filter((n) => n === 'raw-socket'), []);

  // 4. From that installation, in a lab: an ICMP check and a GARP.
  lab = await Lab.create('natpk', ['dir', 'peer'], { addresses: { dir: ['198.51.100.1/24'], peer: ['198.51.100.2/24'] } });
  await lab.exec('peer', 'sysctl', ['-qw', 'net.ipv4.conf.eth0.arp_accept=1']);
  const script = path.join(app, 'lab.mjs');
  writeFileSync(script, `
import { IcmpChecker, processIcmpSockets } from '@hacore/checker-icmp';
import { AnnounceSender, gratuitousArpFrame } from '@hacore/vrrp';
import { addonPath } from '@hacore/native';
import { readFileSync } from 'node:fs';
const [target, vip, ifname] = process.argv.slice(2);
const spec = { name: 'peer', type: 'icmp', target: { address: target }, interval: 1000, timeout: 2000, rise: 1, fall: 1, payloadBytes: 56 };
const checker = new IcmpChecker(spec, processIcmpSockets);
const result = await checker.probe(AbortSignal.timeout(5000));
checker.close?.();
const mac = readFileSync('/sys/class/net/' + ifname + '/address', 'utf8').trim();
const ifindex = Number(readFileSync('/sys/class/net/' + ifname + '/ifindex', 'utf8'));
const errors = [];
const sender = new AnnounceSender((t) => gratuitousArpFrame(t.address, mac), (err) => errors.push(err.message));
sender.start(() => [{ family: 4, address: vip, ifindex, ifname, mac: Buffer.from(mac.split(':').map((h) => parseInt(h, 16))) }], { repeat: 3, masterDelay: 0, interval: 0, refreshRepeat: 0 });
sender.stop();
console.log(JSON.stringify({ result, garp: sender.counters, errors, addon: addonPath() }));
`);
  const stdout = await lab.exec('dir', process.execPath, [script, '198.51.100.2', '198.51.100.50', 'eth0'], { cwd: app, env });
  const out = JSON.parse(stdout.trim().split('\n').pop());
  assert.equal(out.addon, path.join(installed, 'prebuilds/linux-x64/@hacore+native.glibc.node'));
  assert.equal(out.result.ok, true, `the ICMP check failed: ${JSON.stringify(out.result)}`);
  assert.deepEqual(out.errors, []);
  assert.equal(out.garp.garpSent, 3);
  const dirMac = lab.mac('dir');
  const entry = await waitFor(async () => {
    const n = await lab.ip('peer', ['neigh', 'show', '198.51.100.50', 'dev', 'eth0']);
    return n.includes(dirMac) ? n : undefined;
  }, { timeoutMs: 5000, everyMs: 50, what: 'the GARP in the peer neighbour table' });
  assert.match(entry, new RegExp(`198\\.51\\.100\\.50 lladdr ${dirMac}`));
});
