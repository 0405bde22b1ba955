#!/usr/bin/env node
// Builds hacore_<version>_amd64.deb: npm-packs the workspace packages of the
// default plugin set, installs the tarballs (production dependencies only) into
// a staging /usr/lib/hacore, adds /usr/bin/hacore, the conffile, the systemd
// unit, the man page, shell completions and the Debian metadata, and runs
// dpkg-deb. Usage:
//   node packaging/debian/build-deb.mjs [--version 0.1.0-1 ...] [--out DIR] [--fast]
// (or HACORE_DEB_VERSION / HACORE_DEB_OUT; default: core's version + "-1", .tmp/deb);
// prints each .deb's path on a line of its own.
import { execFileSync } from 'node:child_process';
import {
  chmodSync, closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync,
  readSync, rmSync, writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** Every value given as `name VALUE`. */
function args(name) {
  return process.argv.flatMap((a, i) => (a === name && i + 1 < process.argv.length ? [process.argv[i + 1]] : []));
}
const coreVersion = JSON.parse(readFileSync(path.join(root, 'packages/core/package.json'), 'utf8')).version;
// Several --version flags build one .deb each from the same staging tree (the upgrade test's two builds).
const versions = args('--version').length > 0 ? args('--version') : [process.env.HACORE_DEB_VERSION ?? `${coreVersion}-1`];
for (const v of versions) {
  if (!/^[0-9][A-Za-z0-9.+~]*-[A-Za-z0-9.+~]+$/.test(v)) throw new Error(`bad Debian version "${v}" (want e.g. 0.1.0-1)`);
}
/** --fast: gzip -1 instead of xz (seconds instead of ~20 s a .deb; the tests use it). */
const fast = process.argv.includes('--fast');
const out = path.resolve(args('--out')[0] ?? process.env.HACORE_DEB_OUT ?? path.join(root, '.tmp/deb'));

/** The default plugin set: every checker and notifier, vrrp, ipvs, metrics, web (and core, native). */
const packages = readdirSync(path.join(root, 'packages'))
  .filter((n) => ['core', 'native', 'vrrp', 'ipvs', 'metrics', 'web'].includes(n) || n.startsWith('checker-') || n.startsWith('notifier-'))
  .sort();

const work = mkdtempSync(path.join(os.tmpdir(), 'hdeb-build-'));
const t0 = Date.now();
const lap = (what) => process.stderr.write(`build-deb: ${what} at ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26, ...opts })?.toString() ?? '';
try {
  // 1. Tarballs (@hacore/native's prepack puts its prebuilds/ in).
  // One npm process for all of them (an npm start-up each would cost seconds).
  const packed = run('npm', ['pack', '--json', '--pack-destination', work, ...packages.flatMap((n) => ['-w', `packages/${n}`])], { cwd: root });
  const tarballs = JSON.parse(packed.slice(packed.indexOf('['))).map((info) => path.join(work, info.filename));
  if (tarballs.length !== packages.length) throw new Error(`npm pack made ${tarballs.length} tarballs for ${packages.length} packages`);
  lap('packed');

  // 2. /usr/lib/hacore with its node_modules.
  const stage = path.join(work, 'root');
  const lib = path.join(stage, 'usr/lib/hacore');
  mkdirSync(lib, { recursive: true });
  // The two addons' install scripts only pick their prebuild (nothing is compiled).
  const allowScripts = { '@hacore/native': true, netlink: true };
  writeFileSync(path.join(lib, 'package.json'), `${JSON.stringify({ name: 'hacore-system', private: true, type: 'module', allowScripts }, null, 2)}\n`);
  run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--install-links', ...tarballs], { cwd: lib });
  // The tarball paths npm wrote are this build's temp files: record versions instead.
  const deps = Object.fromEntries(packages.map((n) => [`@hacore/${n}`, JSON.parse(readFileSync(path.join(lib, 'node_modules/@hacore', n, 'package.json'), 'utf8')).version]));
  writeFileSync(path.join(lib, 'package.json'), `${JSON.stringify({ name: 'hacore-system', private: true, type: 'module', allowScripts, dependencies: deps }, null, 2)}\n`);
  tidy(path.join(lib, 'node_modules'));
  lap('installed');

  // 3. The files around it.
  const put = (rel, data, mode = 0o644) => {
    const f = path.join(stage, rel);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, data);
    chmodSync(f, mode);
  };
  const src = (f) => readFileSync(path.join(here, f));
  // A wrapper, not a symlink: plugins named in /etc/hacore/hacore.yaml resolve
  // from the config's directory, so NODE_PATH points them at the package's node_modules.
  put('usr/bin/hacore', `#!/bin/sh
NODE_PATH=/usr/lib/hacore/node_modules\${NODE_PATH:+:\$NODE_PATH}
export NODE_PATH
exec /usr/bin/node /usr/lib/hacore/node_modules/@hacore/core/bin/hacore.js "$@"
`, 0o755);
  put('etc/hacore/hacore.yaml', src('hacore.yaml'));
  put('lib/systemd/system/hacore.service', src('hacore.service'));
  put('usr/share/man/man8/hacore.8.gz', gzipSync(src('hacore.8'), { level: 9 }));
  put('usr/share/bash-completion/completions/hacore', src('hacore.bash-completion'));
  put('usr/share/zsh/vendor-completions/_hacore', src('hacore.zsh-completion'));
  put('usr/share/doc/hacore/copyright', copyright());
  // The examples validated in CI (test/core/example-configs.test.mjs), as docs/examples holds them.
  const examples = path.join(here, '../../docs/examples');
  for (const d of readdirSync(examples, { withFileTypes: true }).filter((e) => e.isDirectory())) {
    for (const f of readdirSync(path.join(examples, d.name))) put(`usr/share/doc/hacore/examples/${d.name}/${f}`, readFileSync(path.join(examples, d.name, f)));
  }
  for (const dir of ['usr', 'etc', 'lib']) normalizeModes(path.join(stage, dir));
  for (const s of ['postinst', 'prerm', 'postrm']) put(`DEBIAN/${s}`, src(s), 0o755);
  put('DEBIAN/conffiles', '/etc/hacore/hacore.yaml\n');
  chmodSync(path.join(stage, 'DEBIAN'), 0o755);
  mkdirSync(out, { recursive: true });

  for (const version of versions) {
    put('usr/share/doc/hacore/changelog.Debian.gz', gzipSync(changelog(version), { level: 9 }));

    // 4. DEBIAN/control and the changelog, per version.
    const installedKb = Number(run('du', ['-sk', '--apparent-size', '--exclude=DEBIAN', stage]).split(/\s/)[0]);
    put('DEBIAN/control', `Package: hacore
Version: ${version}
Architecture: amd64
Maintainer: hacore developers <hacore@example.org>
Installed-Size: ${installedKb}
Depends: nodejs (>= 20), adduser, libc6 (>= 2.28)
Section: net
Priority: optional
Homepage: https://example.org/hacore
Description: keepalived-class high-availability and load-balancing daemon
 hacore runs health checks (TCP, HTTP, UDP, DNS, ICMP, SMTP, script, file)
 against real servers, keeps the kernel's IPVS tables in step with them and
 elects a master for virtual addresses with VRRP, with notifiers (script,
 webhook, SMTP), Prometheus metrics and a web console.
 .
 It runs as the unprivileged hacore user with CAP_NET_ADMIN and CAP_NET_RAW
 under systemd; its configuration is /etc/hacore/hacore.yaml.
`);
    const deb = path.join(out, `hacore_${version}_amd64.deb`);
    run('dpkg-deb', ['--build', '--root-owner-group', ...(fast ? ['-Zgzip', '-z1'] : ['-Zxz']), stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
    lap(path.basename(deb));
    console.log(deb);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Drops what an installed amd64 copy never needs (other platforms' prebuilds, npm's own files); strips the addons. */
function tidy(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (path.basename(dir) === 'prebuilds' && e.name !== 'linux-x64') { rmSync(p, { recursive: true }); continue; }
      tidy(p);
    } else if (/^(\.npmignore|\.package-lock\.json|\.eslintrc.*|\.git(ignore|attributes|keep)|\.travis\.yml)$/.test(e.name)) {
      rmSync(p);
    } else if (e.name.endsWith('.node')) {
      run('strip', ['--strip-unneeded', '--remove-section=.comment', '--remove-section=.note', p]);
    }
  }
}

/** Directories 0755; files 0755 if they are scripts with an x bit (bins), else 0644 (addons included). */
function normalizeModes(dir) {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    const st = lstatSync(p);
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) normalizeModes(p);
    else chmodSync(p, st.mode & 0o111 && isScript(p) ? 0o755 : 0o644);
  }
}

function isScript(file) {
  const head = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  return head.toString('latin1') === '#!';
}

function copyright() {
  return `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: hacore
Source: https://example.org/hacore

Files: *
Copyright: 2026 hacore developers
License: MIT

Files: usr/lib/hacore/node_modules/*
Copyright: the authors of each npm package, as named in its package.json
License: MIT and others
 Each bundled npm package carries its own license file or "license" field
 under /usr/lib/hacore/node_modules.

License: MIT
 Permission is hereby granted, free of charge, to any person obtaining a
 copy of this software and associated documentation files (the "Software"),
 to deal in the Software without restriction, including without limitation
 the rights to use, copy, modify, merge, publish, distribute, sublicense,
 and/or sell copies of the Software, and to permit persons to whom the
 Software is furnished to do so, subject to the following conditions:
 .
 The above copyright notice and this permission notice shall be included
 in all copies or substantial portions of the Software.
 .
 THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS
 OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF
 MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT.
 IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY
 CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT,
 TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
 SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
`;
}

function changelog(version) {
  const date = new Date(Number(process.env.SOURCE_DATE_EPOCH ?? 1796601600) * 1000).toUTCString().replace('GMT', '+0000');
  return `hacore (${version}) unstable; urgency=medium

  * Package built from the hacore workspace by packaging/debian/build-deb.mjs.

 -- hacore developers <hacore@example.org>  ${date}
`;
}
