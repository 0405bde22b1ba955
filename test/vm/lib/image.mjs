// Builds (or reuses) the VM's kernel and initramfs in a cache directory outside
// the repository, from Debian packages fetched with `apt-get download`, plus
// this machine's node binary and the shared libraries that `ldd` names.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync,
  renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CpioWriter } from './cpio.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Debian packages the image is made from (fetched, never installed). */
export const DEBIAN_PACKAGES = ['linux-image-amd64', 'busybox-static', 'ipvsadm', 'iproute2'];

/**
 * Modules loaded at boot, in this order, each with its dependency closure.
 * 9p + virtio for the shares and the output port; netfilter + IPVS with every
 * scheduler; veth + bridge for namespace labs; dummy without a default device.
 */
export const MODULES = [
  'virtio_pci', 'virtio_console', '9pnet_virtio', '9p',
  'nf_conntrack', 'nf_nat', 'nfnetlink',
  'ip_vs', 'ip_vs_rr', 'ip_vs_wrr', 'ip_vs_lc', 'ip_vs_wlc', 'ip_vs_lblc', 'ip_vs_lblcr',
  'ip_vs_dh', 'ip_vs_sh', 'ip_vs_sed', 'ip_vs_nq', 'ip_vs_fo', 'ip_vs_ovf', 'ip_vs_mh', 'ip_vs_pe_sip',
  'veth', 'bridge', 'dummy',
];
const MODULE_ARGS = { dummy: 'numdummies=0', ip_vs: 'conn_tab_bits=12' };

/** Binaries taken from the extracted packages (path inside the package tree). */
const TOOL_BINARIES = [
  'bin/ip', 'bin/ss', 'sbin/bridge', 'sbin/tc', 'usr/sbin/genl',
  'sbin/ipvsadm', 'sbin/ipvsadm-save', 'sbin/ipvsadm-restore',
];

const KEEPALIVED = '/usr/sbin/keepalived';

export function cacheDir() {
  return process.env.HACORE_VM_CACHE || '/var/cache/hacore-vm';
}

function sh(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

function have(cmd) {
  try {
    sh('sh', ['-c', `command -v ${cmd}`]);
    return true;
  } catch {
    return false;
  }
}

/** The host tools the build and the boot need; throws naming what is missing. */
export function checkHostPrerequisites() {
  const need = {
    'qemu-system-x86_64': 'qemu-system-x86',
    'apt-get': 'apt',
    'dpkg-deb': 'dpkg',
    depmod: 'kmod',
    modprobe: 'kmod',
    ldd: 'libc-bin',
  };
  const missing = Object.entries(need).filter(([cmd]) => !have(cmd));
  if (missing.length) {
    const pkgs = [...new Set(missing.map(([, p]) => p))].join(' ');
    throw new Error(`VM harness: missing host tools ${missing.map(([c]) => c).join(', ')}; install: apt-get install ${pkgs}`);
  }
  if (!existsSync('/usr/share/qemu/qboot.rom')) {
    throw new Error('VM harness: /usr/share/qemu/qboot.rom missing (package qemu-system-data)');
  }
}

function log(msg) {
  process.stderr.write(`[vm] ${msg}\n`);
}

/** Downloads a package's .deb into dir unless a file for it is already there. */
function fetchDeb(dir, pkg) {
  const have = readdirSync(dir).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (have && !process.env.HACORE_VM_REFRESH) return join(dir, have);
  const tmp = mkdtempSync(join(dir, '.dl-'));
  try {
    sh('apt-get', ['download', '-q', pkg], { cwd: tmp });
    const got = readdirSync(tmp).find((f) => f.endsWith('.deb'));
    if (!got) throw new Error(`apt-get download ${pkg} produced no .deb`);
    if (have && have !== got) rmSync(join(dir, have));
    renameSync(join(tmp, got), join(dir, got));
    return join(dir, got);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The concrete kernel package the linux-image-amd64 meta package points at. */
function kernelPackage(metaDeb) {
  const dep = sh('dpkg-deb', ['-f', metaDeb, 'Depends']).trim();
  const m = /linux-image-[0-9][^ ,(]*-amd64/.exec(dep);
  if (!m) throw new Error(`cannot find the kernel package in Depends of ${metaDeb}: ${dep}`);
  return m[0];
}

function extract(deb, into) {
  const stamp = join(into, '.from');
  const name = deb.split('/').pop();
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === name) return;
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  sh('dpkg-deb', ['-x', deb, into]);
  writeFileSync(stamp, name);
}

/** Extracts the ELF vmlinux from a bzImage so that QEMU boots it directly (PVH). */
function extractVmlinux(bzImage, out) {
  const img = readFileSync(bzImage);
  const setupSects = img[0x1f1] || 4;
  const pmStart = (setupSects + 1) * 512;
  const payloadOffset = img.readUInt32LE(0x248);
  const payloadLength = img.readUInt32LE(0x24c);
  const payload = img.subarray(pmStart + payloadOffset, pmStart + payloadOffset + payloadLength);
  const magic = payload.subarray(0, 6).toString('latin1');
  let elf;
  if (magic === '\xfd7zXZ\0') elf = execFileSync('xz', ['-dc', '--single-stream'], { input: payload, maxBuffer: 1 << 30 });
  else if (payload[0] === 0x1f && payload[1] === 0x8b) elf = execFileSync('gzip', ['-dc'], { input: payload, maxBuffer: 1 << 30 });
  else if (payload.readUInt32LE(0) === 0xfd2fb528) elf = execFileSync('zstd', ['-dc'], { input: payload, maxBuffer: 1 << 30 });
  else throw new Error(`unknown kernel compression in ${bzImage}`);
  if (elf.readUInt32BE(0) !== 0x7f454c46) throw new Error('decompressed kernel is not an ELF file');
  writeFileSync(out + '.tmp', elf);
  renameSync(out + '.tmp', out);
}

/** insmod lines for the modules and their dependencies, in load order. */
function moduleLoadList(root, kver) {
  const seen = new Set();
  const lines = [];
  for (const mod of MODULES) {
    const out = sh('modprobe', ['-d', root, '-S', kver, '--show-depends', mod]);
    for (const line of out.split('\n')) {
      const m = /^insmod (\S+)/.exec(line.trim());
      if (!m || seen.has(m[1])) continue;
      seen.add(m[1]);
      const base = m[1].split('/').pop().replace(/\.ko(\.xz|\.zst)?$/, '');
      const key = base.replace(/-/g, '_');
      lines.push({ path: m[1].slice(root.length), args: MODULE_ARGS[key] ?? '' });
    }
  }
  return lines;
}

/** Shared libraries (and the loader) a dynamic binary needs, as host paths. */
function libsOf(bin) {
  let out;
  try {
    out = sh('ldd', [bin]);
  } catch {
    return []; // static binaries and scripts
  }
  const libs = [];
  for (const line of out.split('\n')) {
    if (/not found/.test(line)) {
      throw new Error(`VM harness: ${bin} needs ${line.trim()}; install the package that provides it on the host`);
    }
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s*\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

function hashOf(parts) {
  const h = createHash('sha256');
  for (const p of parts) h.update(String(p)).update('\0');
  return h.digest('hex').slice(0, 16);
}

/**
 * Makes sure the cache holds vmlinux + initramfs for this machine's node and the
 * current Debian packages; rebuilds the initramfs when any input changed.
 * @returns {{ vmlinux: string, initramfs: string, kernelVersion: string }}
 */
export function ensureImage({ nodeBinary = process.execPath } = {}) {
  checkHostPrerequisites();
  const dir = cacheDir();
  mkdirSync(dir, { recursive: true });
  const unlock = lock(join(dir, '.lock'));
  try {
    return ensureImageLocked(dir, nodeBinary);
  } finally {
    unlock();
  }
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A lock directory, so that two runs at once (two engineers, or CI and a
 * developer) never unpack into the same cache at the same time. A lock whose
 * owner has died is taken over.
 */
function lock(path) {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(path);
      writeFileSync(join(path, 'pid'), String(process.pid));
      return () => rmSync(path, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(join(path, 'pid'), 'utf8'));
    } catch {
      // being created or removed right now
    }
    let alive = true;
    if (owner) {
      try {
        process.kill(owner, 0);
      } catch {
        alive = false;
      }
    }
    if (!alive) rmSync(path, { recursive: true, force: true });
    else if (Date.now() > deadline) throw new Error(`VM harness: ${path} held by pid ${owner} for 5 minutes`);
    else sleepSync(200);
  }
}

function ensureImageLocked(dir, nodeBinary) {
  const debs = join(dir, 'debs');
  mkdirSync(debs, { recursive: true });

  const t0 = Date.now();
  const meta = fetchDeb(debs, 'linux-image-amd64');
  const kpkg = kernelPackage(meta);
  const kdeb = fetchDeb(debs, kpkg);
  const toolDebs = ['busybox-static', 'ipvsadm', 'iproute2'].map((p) => fetchDeb(debs, p));

  const kroot = join(dir, 'kernel');
  extract(kdeb, kroot);
  const kver = readdirSync(join(kroot, 'lib/modules'))[0];
  if (!kver) throw new Error(`no modules in ${kdeb}`);
  if (!existsSync(join(kroot, 'lib/modules', kver, 'modules.dep'))) sh('depmod', ['-b', kroot, kver]);

  // The ELF vmlinux boots directly (PVH) and about twice as fast under TCG as
  // the bzImage, which decompresses itself; that needs xz (xz-utils) here.
  const bzImage = join(kroot, 'boot', `vmlinuz-${kver}`);
  let vmlinux = join(dir, `vmlinux-${kver}`);
  if (!existsSync(vmlinux)) {
    if (have('xz')) {
      log(`extracting vmlinux ${kver}`);
      extractVmlinux(bzImage, vmlinux);
    } else {
      log('xz not found (package xz-utils): booting the bzImage, slower');
      vmlinux = bzImage;
    }
  }

  const troot = join(dir, 'tools');
  const toolStamp = toolDebs.map((d) => d.split('/').pop()).join(',');
  if (!existsSync(join(troot, '.from')) || readFileSync(join(troot, '.from'), 'utf8') !== toolStamp) {
    rmSync(troot, { recursive: true, force: true });
    mkdirSync(troot, { recursive: true });
    for (const d of toolDebs) sh('dpkg-deb', ['-x', d, troot]);
    writeFileSync(join(troot, '.from'), toolStamp);
  }

  const nodeStat = statSync(nodeBinary);
  const initScript = readFileSync(join(HERE, 'init.sh'));
  const key = hashOf([
    kdeb, toolStamp, nodeBinary, nodeStat.size, nodeStat.mtimeMs, initScript,
    existsSync(KEEPALIVED) ? statSync(KEEPALIVED).mtimeMs : 'no keepalived',
    readFileSync(fileURLToPath(import.meta.url)), readFileSync(join(HERE, 'cpio.mjs')),
  ]);
  const initramfs = join(dir, `initramfs-${key}.cpio`);
  if (!existsSync(initramfs)) {
    log(`building initramfs (${kver}, node ${nodeBinary})`);
    buildInitramfs({ out: initramfs, kroot, kver, troot, nodeBinary, initScript });
    // Older images are stale now; those of the last hour are left for runs
    // that may be about to boot them.
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (/^initramfs-[0-9a-f]+\.cpio$/.test(f) && p !== initramfs && Date.now() - statSync(p).mtimeMs > 3_600_000) rmSync(p, { force: true });
    }
    log(`image ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return { vmlinux, initramfs, kernelVersion: kver };
}

function buildInitramfs({ out, kroot, kver, troot, nodeBinary, initScript }) {
  const tmp = `${out}.${process.pid}.tmp`;
  const work = mkdtempSync(join(dirname(out), '.build-'));
  try {
    const cpio = new CpioWriter(tmp);
    const dirs = new Set();
    const mkdirp = (p) => {
      const parts = p.split('/').filter(Boolean);
      for (let i = 1; i <= parts.length; i++) {
        const d = parts.slice(0, i).join('/');
        if (!dirs.has(d)) {
          dirs.add(d);
          cpio.dir(d);
        }
      }
    };
    const files = new Set();
    const addFile = (dest, src, perm) => {
      const rel = dest.replace(/^\/+/, '');
      if (files.has(rel)) return;
      files.add(rel);
      mkdirp(dirname(rel));
      cpio.file(rel, readFileSync(src), perm);
    };
    for (const d of ['proc', 'sys', 'dev', 'tmp', 'run', 'root', 'etc', 'var', 'mnt', 'busybox', 'usr/local/bin']) mkdirp(d);
    cpio.symlink('var/run', '../run');

    // The node binary, stripped: a third of the size, unpacked faster under TCG.
    const nodeCopy = join(work, 'node');
    try {
      sh('strip', ['-o', nodeCopy, nodeBinary]);
    } catch {
      sh('cp', [nodeBinary, nodeCopy]);
    }
    const bins = [
      { dest: '/usr/bin/node', src: nodeCopy, libsFrom: nodeBinary },
      { dest: '/bin/bash', src: realpathSync('/bin/bash') },
      { dest: '/bin/busybox', src: join(troot, 'bin/busybox') },
      ...TOOL_BINARIES.map((b) => ({ dest: `/${b}`, src: join(troot, b) })),
      // The host's keepalived (Debian's, installed by scripts/setup.sh), so that a test can
      // run it against the kernel IPVS side by side with hacore (test/vm/suite/keepalived-conf-ipvs).
      ...(existsSync(KEEPALIVED) ? [{ dest: '/usr/sbin/keepalived', src: realpathSync(KEEPALIVED) }] : []),
    ];
    const libs = new Set();
    for (const b of bins) {
      addFile(b.dest, b.src, 0o755);
      for (const l of libsOf(b.libsFrom ?? b.src)) libs.add(l);
    }
    for (const l of libs) addFile(l, realpathSync(l), 0o755);
    cpio.symlink('bin/sh', 'bash');
    // `#!/usr/bin/env node` scripts (npm bins) need env where Debian has it.
    cpio.symlink('usr/bin/env', '/bin/busybox');

    // Busybox applets live in their own directory, last in PATH, so that the
    // real ip/ss/bash always win (Debian's busybox prefers its own applets).
    const applets = sh(join(troot, 'bin/busybox'), ['--list']).split('\n').filter(Boolean);
    for (const a of applets) cpio.symlink(`busybox/${a}`, '/bin/busybox');

    // Kernel modules, uncompressed, plus the ordered list /init loads.
    const mods = moduleLoadList(kroot, kver);
    const list = [];
    for (const m of mods) {
      let data = readFileSync(join(kroot, m.path));
      let dest = m.path;
      if (dest.endsWith('.xz')) {
        data = execFileSync('xz', ['-dc'], { input: data, maxBuffer: 1 << 28 });
        dest = dest.slice(0, -3);
      } else if (dest.endsWith('.zst')) {
        data = execFileSync('zstd', ['-dc'], { input: data, maxBuffer: 1 << 28 });
        dest = dest.slice(0, -4);
      }
      const rel = dest.replace(/^\/+/, '');
      mkdirp(dirname(rel));
      cpio.file(rel, data, 0o644);
      list.push(`${dest} ${m.args}`.trim());
    }
    mkdirp('etc/hacore-vm');
    cpio.file('etc/hacore-vm/modules', Buffer.from(list.join('\n') + '\n'));

    for (const d of ['etc/iproute2']) {
      const src = join(troot, d);
      if (!existsSync(src)) continue;
      for (const f of readdirSync(src, { recursive: true })) {
        const p = join(src, f);
        if (statSync(p).isFile()) addFile(`/${d}/${f}`, p, 0o644);
      }
    }
    cpio.file('etc/passwd', Buffer.from('root:x:0:0:root:/root:/bin/bash\n'));
    cpio.file('etc/group', Buffer.from('root:x:0:\n'));
    cpio.file('etc/hosts', Buffer.from('127.0.0.1 localhost\n::1 localhost\n'));
    cpio.file('etc/hostname', Buffer.from('hacore-vm\n'));
    cpio.file('init', initScript, 0o755);
    cpio.close();
    chmodSync(tmp, 0o644);
    renameSync(tmp, out);
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(tmp, { force: true });
  }
}
