// Builds hacore_0.1.0-1 and hacore_0.1.1-1 with packaging/debian/build-deb.mjs,
// installs the first with dpkg (files, the hacore user, `hacore --version` and
// `check-config` from the installed copy, the installed daemon started by hand
// with a TCP check against a server of this test and stopped with `hacore stop`),
// changes the conffile, upgrades to the second (conffile kept, version updated)
// and purges it (no file, no /etc/hacore, /var/lib/hacore or user left). Lints
// the .deb with lintian meanwhile: no error. Root only (dpkg); CI runs as root.
// Purges in a finally so that a failure leaves nothing installed.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { HacoreProcess } from '../lib/daemon.mjs';

const exec = promisify(execFile);
const run = (cmd, args, opts = {}) => exec(cmd, args, { maxBuffer: 1 << 26, ...opts });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(os.tmpdir(), 'hdeb-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** dpkg's status of the hacore package ('' when it is unknown). */
async function dpkgStatus() {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status} ${Version}', 'hacore']);
    return stdout;
  } catch {
    return '';
  }
}

async function userExists(name) {
  try {
    await run('getent', ['passwd', name]);
    return true;
  } catch {
    return false;
  }
}

const isRoot = process.getuid?.() === 0;

test('the .deb installs, runs, upgrades keeping the conffile, and purges to nothing', { skip: !isRoot && 'needs root (dpkg -i)', timeout: 120_000 }, async () => {
  // Never touch an hacore that this test did not install.
  assert.doesNotMatch(await dpkgStatus(), /installed/, 'hacore is already installed on this machine');
  assert.equal(await userExists('hacore'), false, 'a hacore user already exists on this machine');

  const { stdout: built } = await run(process.execPath, [path.join(root, 'packaging/debian/build-deb.mjs'), '--fast', '--out', work, '--version', '0.1.0-1', '--version', '0.1.1-1']);
  const [deb1, deb2] = built.trim().split('\n');
  assert.equal(path.basename(deb1), 'hacore_0.1.0-1_amd64.deb');
  assert.equal(path.basename(deb2), 'hacore_0.1.1-1_amd64.deb');
  // lintian takes ~30 s: it runs beside the install steps.
  const lint = run('lintian', ['--no-tag-display-limit', deb1]).then(
    (r) => r.stdout,
    (err) => `${err.stdout ?? ''}${err.stderr ?? ''}\n(lintian exited ${err.code})`,
  );

  const { stdout: control } = await run('dpkg-deb', ['--field', deb1, 'Depends', 'Architecture']);
  assert.match(control, /Depends: .*nodejs \(>= 20\)/);
  assert.match(control, /Architecture: amd64/);

  let installed = false;
  let server;
  try {
    installed = true;
    await run('dpkg', ['-i', deb1]);
    assert.match(await dpkgStatus(), /^install ok installed 0\.1\.0-1$/);
    for (const f of [
      '/usr/bin/hacore',
      '/etc/hacore/hacore.yaml',
      '/lib/systemd/system/hacore.service',
      '/usr/share/man/man8/hacore.8.gz',
      '/usr/share/bash-completion/completions/hacore',
      '/usr/share/zsh/vendor-completions/_hacore',
      '/usr/share/doc/hacore/copyright',
      '/usr/share/doc/hacore/changelog.Debian.gz',
      '/usr/lib/hacore/node_modules/@hacore/core/bin/hacore.js',
      '/usr/lib/hacore/node_modules/@hacore/vrrp/package.json',
      '/usr/lib/hacore/node_modules/@hacore/ipvs/package.json',
      '/usr/lib/hacore/node_modules/@hacore/native/prebuilds/linux-x64/@hacore+native.glibc.node',
    ]) assert.ok(existsSync(f), `${f} is not installed`);
    assert.ok(!existsSync('/usr/lib/hacore/node_modules/@hacore/native/prebuilds/linux-arm64'), 'an arm64 prebuild in an amd64 package');
    const { stdout: pw } = await run('getent', ['passwd', 'hacore']);
    assert.match(pw, /^hacore:x:\d+:\d+:[^:]*:\/var\/lib\/hacore:\/usr\/sbin\/nologin$/m);
    await run('getent', ['group', 'hacore']);

    // From the installed copy, in a directory with no node_modules of the workspace.
    const { stdout: version } = await run('/usr/bin/hacore', ['--version'], { cwd: work });
    assert.match(version, /@hacore\/core 0\.1\.0/);
    const { stdout: checked, stderr: checkedErr } = await run('/usr/bin/hacore', ['check-config', '--config', '/etc/hacore/hacore.yaml'], { cwd: work });
    assert.match(`${checked}${checkedErr}`, /configuration is valid/);
    // The examples shipped in the package validate with the plugins it installs.
    for (const ex of ['vrrp-pair/master.yaml', 'vrrp-pair/backup.yaml', 'lvs-nat/hacore.yaml', 'lvs-dr/hacore.yaml', 'checks-only/hacore.yaml']) {
      const { stderr } = await run('/usr/bin/hacore', ['check-config', '--config', `/usr/share/doc/hacore/examples/${ex}`], { cwd: work });
      assert.match(stderr, /configuration is valid/, ex);
    }
    if (existsSync('/usr/bin/systemd-analyze')) {
      const { stderr } = await run('systemd-analyze', ['verify', '--man=no', '/lib/systemd/system/hacore.service']);
      assert.equal(stderr.trim(), '', 'systemd-analyze verify complains');
    }

    // The installed daemon, started by hand with a TCP check against this test's server.
    server = net.createServer((s) => s.end());
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    const config = path.join(work, 'hacore.yaml');
    writeFileSync(config, [
      'plugins: ["@hacore/checker-tcp", "@hacore/checker-http"]',
      `controlSocket: ${path.join(work, 'hacore.sock')}`,
      `pidFile: ${path.join(work, 'hacore.pid')}`,
      `stateDir: ${path.join(work, 'state')}`,
      'checks:',
      `  - { name: hdeb-tcp, type: tcp, address: 127.0.0.1, port: ${server.address().port}, interval: 200ms, timeout: 1s, rise: 1 }`,
      '',
    ].join('\n'));
    const d = new HacoreProcess([], { command: ['/usr/bin/hacore', 'start', '--config', config], cwd: work });
    try {
      await d.waitFor((r) => r.check === 'hdeb-tcp' && r.to === 'up', 20_000, 'hdeb-tcp up');
      const stop = await run('/usr/bin/hacore', ['stop', '--config', config], { cwd: work });
      assert.equal(stop.stderr, '');
      const exit = await d.exited;
      assert.equal(exit.code, 0, `daemon exited ${JSON.stringify(exit)}: ${d.stderr}`);
    } finally {
      if (d.proc.exitCode === null && d.proc.signalCode === null) d.proc.kill('SIGKILL');
    }

    // Upgrade with a changed conffile: kept.
    appendFileSync('/etc/hacore/hacore.yaml', '# hdeb: changed by the operator\n');
    const changed = readFileSync('/etc/hacore/hacore.yaml', 'utf8');
    await run('dpkg', ['-i', '--force-confold', deb2]);
    assert.match(await dpkgStatus(), /^install ok installed 0\.1\.1-1$/);
    assert.equal(readFileSync('/etc/hacore/hacore.yaml', 'utf8'), changed, 'the conffile was replaced');
    assert.ok(!existsSync('/etc/hacore/hacore.yaml.dpkg-new') && !existsSync('/etc/hacore/hacore.yaml.dpkg-old'));
    const { stdout: changelog } = await run('sh', ['-c', 'zcat /usr/share/doc/hacore/changelog.Debian.gz']);
    assert.match(changelog, /^hacore \(0\.1\.1-1\)/);

    // Purge: nothing left.
    await run('dpkg', ['--purge', 'hacore']);
    installed = false;
    assert.doesNotMatch(await dpkgStatus(), /installed/);
    for (const f of ['/usr/bin/hacore', '/usr/lib/hacore', '/etc/hacore', '/var/lib/hacore', '/lib/systemd/system/hacore.service', '/usr/share/doc/hacore', '/usr/share/man/man8/hacore.8.gz']) {
      assert.ok(!existsSync(f), `${f} is left after purge`);
    }
    assert.equal(await userExists('hacore'), false, 'the hacore user is left after purge');
    await assert.rejects(run('getent', ['group', 'hacore']), 'the hacore group is left after purge');

    const lintian = await lint;
    assert.doesNotMatch(lintian, /^E: /m, `lintian errors:\n${lintian}`);
    assert.doesNotMatch(lintian, /lintian exited/, lintian);
  } finally {
    server?.close();
    if (installed) await run('dpkg', ['--purge', 'hacore']).catch(() => {});
    await lint.catch(() => {});
  }
});
