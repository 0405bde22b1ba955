// Builds the hacore_vrrp addon with node-gyp at install time (npm `install` script).
// npm puts its bundled node-gyp on PATH for lifecycle scripts; outside npm we look
// for it in node_modules. Node headers: npm's nodedir, else the distro's /usr.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const args = ['rebuild', '--directory', here];
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node_api.h') ? '/usr' : '');
if (nodedir) args.push(`--nodedir=${nodedir}`);

let cmd = 'node-gyp';
let cmdArgs = args;
const fromEnv = process.env.npm_config_node_gyp;
if (fromEnv && existsSync(fromEnv)) {
  cmd = process.execPath;
  cmdArgs = [fromEnv, ...args];
} else {
  try {
    const gyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
    cmd = process.execPath;
    cmdArgs = [gyp, ...args];
  } catch {
    // fall back to node-gyp on PATH
  }
}
const r = spawnSync(cmd, cmdArgs, { stdio: 'inherit', cwd: join(here) });
if (r.error) {
  process.stderr.write(`hacore_vrrp: cannot run node-gyp: ${r.error.message}\n`);
  process.exit(1);
}
process.exit(r.status ?? 1);
