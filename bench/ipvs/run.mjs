#!/usr/bin/env node
// bench/ipvs: boots the test VM once and runs bench/ipvs/in-vm.mjs there
// (hacore's netlink client vs `ipvsadm -R`, same kernel, same run).
// Build first: npm run build (or npx tsc -b packages/ipvs).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const r = spawnSync(process.execPath, [join(root, 'test/vm/run.mjs'), '--timeout', '900', '--exec', 'node bench/ipvs/in-vm.mjs'], {
  stdio: 'inherit',
});
process.exitCode = r.status ?? 1;
