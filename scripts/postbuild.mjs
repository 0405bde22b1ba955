// Marks every package's `bin` files executable after tsc (tsc writes 0644),
// so `hacore` and the plugin bins run from a workspace checkout.
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

for (const dir of ['packages', 'examples']) {
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const pj = path.join(dir, name, 'package.json');
    if (!existsSync(pj)) continue;
    const bin = JSON.parse(readFileSync(pj, 'utf8')).bin ?? {};
    for (const file of typeof bin === 'string' ? [bin] : Object.values(bin)) {
      const f = path.join(dir, name, file);
      if (existsSync(f)) chmodSync(f, 0o755);
    }
  }
}

// @hacore/native's addon: compiled into packages/native/build/Release when it is
// missing or older than its source (npm ci's install script usually built it already).
import { spawnSync } from 'node:child_process';
const addon = path.join('packages', 'native', 'scripts', 'build-addon.mjs');
if (existsSync(addon)) {
  const r = spawnSync(process.execPath, [addon], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
