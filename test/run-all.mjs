// The project's whole test suite: unit tests of every package, the
// cross-package and network-namespace tests, then the IPVS suite inside one
// VM boot. Prints one closing line "N passed, N failed".
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
process.chdir(root);

function walk(dir, pred, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === 'node_modules') continue;
      walk(p, pred, out);
    } else if (pred(p)) out.push(p);
  }
  return out;
}

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);

const unit = ['packages', 'examples'].flatMap((d) =>
  existsSync(d) ? readdirSync(d).flatMap((pkg) => walk(path.join(d, pkg, 'dist', 'test'), (p) => p.endsWith('.test.js'))) : [],
);
const integration = walk('test', (p) => p.endsWith('.test.mjs') && !p.startsWith(`test${path.sep}vm${path.sep}`)).sort();

const totals = { pass: 0, fail: 0 };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'hacore-tests-'));

function run(label, cmd, args) {
  return new Promise((resolve) => {
    process.stdout.write(`\n=== ${label} ===\n`);
    const started = Date.now();
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    p.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-8192);
    });
    p.on('exit', (code, signal) => {
      process.stdout.write(`=== ${label}: exit ${signal ?? code} in ${((Date.now() - started) / 1000).toFixed(1)} s ===\n`);
      resolve({ code: code ?? 1, tail });
    });
  });
}

function counts(file, tail) {
  const text = file && existsSync(file) ? readFileSync(file, 'utf8') : tail;
  const pass = [...text.matchAll(/^(?:# |ℹ )pass (\d+)/gm)].pop();
  const fail = [...text.matchAll(/^(?:# |ℹ )fail (\d+)/gm)].pop();
  return { pass: Number(pass?.[1] ?? 0), fail: Number(fail?.[1] ?? 0) };
}

async function nodeTests(label, files, concurrency) {
  if (files.length === 0) return 0;
  const tap = path.join(tmp, `${label}.tap`);
  const r = await run(label, process.execPath, [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=180000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const c = counts(tap, r.tail);
  totals.pass += c.pass;
  totals.fail += c.fail;
  if (r.code !== 0 && c.fail === 0) totals.fail += 1;
  return r.code;
}

let failed = false;
if (want('unit')) failed = (await nodeTests('unit', unit, 2)) !== 0 || failed;
if (want('integration')) failed = (await nodeTests('integration', integration, 1)) !== 0 || failed;
if (want('vm') && existsSync('test/vm/run.mjs')) {
  const r = await run('ipvs-vm', process.execPath, ['test/vm/run.mjs']);
  const c = counts(undefined, r.tail);
  totals.pass += c.pass;
  totals.fail += c.fail;
  if (r.code !== 0) {
    failed = true;
    if (c.fail === 0) totals.fail += 1;
  }
}
rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`\n${totals.pass} passed, ${totals.fail} failed\n`);
process.exit(failed || totals.fail > 0 ? 1 : 0);
