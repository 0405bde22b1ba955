#!/usr/bin/env node
// Runs the in-VM test suite (or some files of it, or any command) inside one
// boot of a QEMU VM with Debian's stock kernel, which has IPVS.
//
//   node test/vm/run.mjs                      every test/vm/suite/*.test.mjs
//   node test/vm/run.mjs FILE...              only these test files
//   node test/vm/run.mjs --test-name-pattern=X FILE   node --test options pass through
//   node test/vm/run.mjs --exec 'CMD'         any bash command, in the project directory
//   node test/vm/run.mjs --build-only         fetch the packages and build the image
//
// Exit code: the command's (node --test: 0 when every test passed); 124 when the
// whole boot exceeded the timeout (--timeout SECONDS or HACORE_VM_TIMEOUT, 600).
import { readdirSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureImage } from './lib/image.mjs';
import { bootAndRun } from './lib/qemu.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PROJECT = realpathSync(resolve(HERE, '../..'));

function shQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

function usage(msg) {
  if (msg) process.stderr.write(`run.mjs: ${msg}\n`);
  process.stderr.write('usage: node test/vm/run.mjs [--timeout S] [--build-only] [--exec CMD | [--test-*=...] [FILE...]]\n');
  process.exit(2);
}

const files = [];
const testFlags = [];
let exec;
let buildOnly = false;
let timeoutS = Number(process.env.HACORE_VM_TIMEOUT || 600);
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--exec') exec = argv[++i] ?? usage('--exec needs a command');
  else if (a === '--timeout') timeoutS = Number(argv[++i]);
  else if (a === '--build-only') buildOnly = true;
  else if (a === '-h' || a === '--help') usage();
  else if (a.startsWith('--test-')) testFlags.push(a);
  else if (a.startsWith('-')) usage(`unknown option ${a}`);
  else files.push(a);
}
if (!Number.isFinite(timeoutS) || timeoutS <= 0) usage('bad --timeout');

const image = ensureImage();
if (buildOnly) {
  process.stderr.write(`[vm] kernel ${image.kernelVersion}\n[vm] ${image.vmlinux}\n[vm] ${image.initramfs}\n`);
  process.exit(0);
}

let script;
if (exec !== undefined) {
  script = `${exec}\n`;
} else {
  let list = files.map((f) => {
    const rel = relative(PROJECT, realpathSync(resolve(f)));
    if (rel.startsWith('..')) usage(`${f} is outside the project ${PROJECT}`);
    return rel;
  });
  if (list.length === 0) {
    const suite = join(PROJECT, 'test/vm/suite');
    list = readdirSync(suite).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => `test/vm/suite/${f}`);
  }
  if (list.length === 0) usage('no test files');
  // One file at a time: every file drives the same kernel IPVS table.
  script = `exec node --test --test-concurrency=1 --test-reporter=spec ${testFlags.map(shQuote).join(' ')} ${list.map(shQuote).join(' ')}\n`;
}

const env = {};
for (const [k, v] of Object.entries(process.env)) {
  if (/^HACORE_/.test(k) && !/^HACORE_VM_(CACHE|KEEP|REFRESH|TIMEOUT|CPUS|MEM|ACCEL|DEBUG)$/.test(k) && v !== undefined) env[k] = v;
}
const { code, seconds } = await bootAndRun({
  vmlinux: image.vmlinux,
  initramfs: image.initramfs,
  project: PROJECT,
  script,
  env,
  timeoutMs: timeoutS * 1000,
});
process.stderr.write(`[vm] exit ${code} after ${seconds.toFixed(1)} s (boot included)\n`);
process.exitCode = process.exitCode || code;
