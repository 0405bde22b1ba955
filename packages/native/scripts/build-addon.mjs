// Compiles the hacore_native addon with node-gyp into build/Release, only when needed.
//   node scripts/build-addon.mjs            monorepo build: compile when build/Release is missing or older than the source
//   node scripts/build-addon.mjs --install  npm `install` script: do nothing when a prebuild (or a build) loads
//   node scripts/build-addon.mjs --force    compile whatever is there
// Node headers: npm's nodedir, else the distribution's /usr/include/node, so node-gyp never downloads them.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const mode = process.argv[2] ?? '--if-stale';
const built = join(pkg, 'build/Release/hacore_native.node');

function loads() {
  try {
    const gypBuild = require('node-gyp-build');
    require(gypBuild.resolve(pkg));
    return true;
  } catch {
    return false;
  }
}

function stale() {
  if (!existsSync(built)) return true;
  const t = statSync(built).mtimeMs;
  return ['native/hacore_native.c', 'binding.gyp'].some((f) => statSync(join(pkg, f)).mtimeMs > t);
}

if (mode === '--install' && loads()) process.exit(0);
if (mode === '--if-stale' && !stale()) process.exit(0);

/** node-gyp: the one npm hands to lifecycle scripts, a dependency, npm's bundled one, or PATH's. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not a dependency here
  }
  candidates.push(join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'));
  const js = candidates.find((c) => c && existsSync(c));
  return js ? [process.execPath, [js]] : ['node-gyp', []];
}

const args = ['rebuild', '--directory', pkg];
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : '');
if (nodedir) args.push(`--nodedir=${nodedir}`);
const [cmd, pre] = nodeGyp();
const r = spawnSync(cmd, [...pre, ...args], { stdio: 'inherit', cwd: pkg });
if (r.error || r.status !== 0) {
  process.stderr.write(
    `@hacore/native: no prebuilt addon fits ${process.platform}-${process.arch} and compiling it failed` +
      `${r.error ? ` (${r.error.message})` : ''}; it needs a C compiler, make and python3 (node-gyp)\n`,
  );
  process.exit(r.status || 1);
}
