// `prepack`: builds the prebuilt addons that the npm tarball carries, so that
// `npm install @hacore/native` needs no compiler on linux-x64 and linux-arm64 (glibc).
//   prebuilds/linux-x64/@hacore+native.glibc.node     this machine's compiler
//   prebuilds/linux-arm64/@hacore+native.glibc.node   Debian's gcc-aarch64-linux-gnu
// prebuildify runs node-gyp against the distribution's Node headers (no download).
// A missing cross compiler skips arm64 with a warning (HACORE_PREBUILD_STRICT=1 makes it an error).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, openSync, readSync, closeSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const prebuildify = require.resolve('prebuildify/bin.js');
/** prebuildify looks for node-gyp in its cwd's node_modules/.bin; the copy has none. */
function findNodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    return join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
  }
}
const nodeGyp = findNodeGyp();
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : '');
const strict = process.env.HACORE_PREBUILD_STRICT === '1';

/** ELF e_machine of a built file: 62 x86-64, 183 AArch64. */
function elfMachine(file) {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(20);
  readSync(fd, b, 0, 20, 0);
  closeSync(fd);
  return b.readUInt16LE(18);
}

function onPath(cmd) {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, cmd)));
}

const targets = [
  { arch: 'x64', machine: 62, env: {} },
  {
    arch: 'arm64',
    machine: 183,
    cross: 'aarch64-linux-gnu-gcc',
    env: { CC: 'aarch64-linux-gnu-gcc', CXX: 'aarch64-linux-gnu-g++', LINK: 'aarch64-linux-gnu-gcc', PREBUILD_STRIP_BIN: 'aarch64-linux-gnu-strip' },
  },
];

rmSync(join(pkg, 'prebuilds'), { recursive: true, force: true });
// Built in a copy of the sources, so the workspace's own build/Release is never
// touched (a test or daemon may be loading it meanwhile).
const src = mkdtempSync(join(tmpdir(), 'hacore-native-prebuild-'));
cpSync(join(pkg, 'binding.gyp'), join(src, 'binding.gyp'));
cpSync(join(pkg, 'package.json'), join(src, 'package.json'));
cpSync(join(pkg, 'native'), join(src, 'native'), { recursive: true });
process.on('exit', () => rmSync(src, { recursive: true, force: true }));
for (const t of targets) {
  if (t.arch !== process.arch && !onPath(t.cross ?? '')) {
    const msg = `@hacore/native: ${t.cross} not found, no linux-${t.arch} prebuild (apt-get install gcc-aarch64-linux-gnu)`;
    if (strict) throw new Error(msg);
    process.stderr.write(`${msg}\n`);
    continue;
  }
  const env = { ...process.env, ...(t.arch === process.arch ? {} : t.env), ...(nodedir ? { npm_config_nodedir: nodedir } : {}), PREBUILD_NODE_GYP: nodeGyp };
  const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--tag-libc', `--arch=${t.arch}`, '--cwd', src, '--out', pkg], { stdio: 'inherit', env, cwd: src });
  if (r.status !== 0) throw new Error(`@hacore/native: prebuildify for linux-${t.arch} failed (${r.status ?? r.error?.message})`);
  const dir = join(pkg, 'prebuilds', `linux-${t.arch}`);
  for (const f of readdirSync(dir)) {
    if (elfMachine(join(dir, f)) !== t.machine) throw new Error(`@hacore/native: ${dir}/${f} is not a linux-${t.arch} binary`);
  }
}
