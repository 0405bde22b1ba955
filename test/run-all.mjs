// The project's whole test suite: unit tests of every package, the
// cross-package and network-namespace tests, then the IPVS suite inside one
// VM boot. Prints one closing line "N passed, N failed, N skipped". Under CI=true
// a skipped test fails the run (CI runs as root and must run them all), listed by name.
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

// `node test/run-all.mjs [unit] [integration] [vm] [-- FILE...]`: FILEs replace the integration set (a test of this script uses it).
const dashes = process.argv.indexOf('--');
const only = process.argv.slice(2, dashes < 0 ? undefined : dashes);
const explicit = dashes < 0 ? undefined : process.argv.slice(dashes + 1);
const want = (name) => only.length === 0 || only.includes(name);

const unit = ['packages', 'examples'].flatMap((d) =>
  existsSync(d) ? readdirSync(d).flatMap((pkg) => walk(path.join(d, pkg, 'dist', 'test'), (p) => p.endsWith('.test.js'))) : [],
);
const integration = explicit ?? walk('test', (p) => p.endsWith('.test.mjs') && !p.startsWith(`test${path.sep}vm${path.sep}`)).sort();

const totals = { pass: 0, fail: 0, skipped: 0 };
/** "label: test name (reason)" of every skipped test, to list under CI. */
const skippedTests = [];
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

/** The last summary counts of node --test output (TAP "# pass N" or spec "ℹ pass N"), and the skipped tests' names. */
function counts(file, tail) {
  const text = file && existsSync(file) ? readFileSync(file, 'utf8') : tail;
  const last = (key) => Number([...text.matchAll(new RegExp(`^(?:# |ℹ )${key} (\\d+)`, 'gm'))].pop()?.[1] ?? 0);
  // TAP: "ok 3 - name # SKIP reason"; spec: "﹣ name (1.2ms) # reason".
  const names = [
    ...[...text.matchAll(/^\s*ok \d+ - (.*?) # SKIP\b ?(.*)$/gm)].map((m) => `${m[1]}${m[2] ? ` (${m[2]})` : ''}`),
    ...(file ? [] : [...text.matchAll(/^\s*﹣ (.*?) \([\d.]+m?s\)(?: # (.*))?$/gm)].map((m) => `${m[1]}${m[2] ? ` (${m[2]})` : ''}`)),
  ];
  return { pass: last('pass'), fail: last('fail'), skipped: last('skipped'), names };
}

function add(label, c) {
  totals.pass += c.pass;
  totals.fail += c.fail;
  totals.skipped += c.skipped;
  skippedTests.push(...c.names.map((n) => `${label}: ${n}`));
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
  add(label, c);
  if (r.code !== 0 && c.fail === 0) totals.fail += 1;
  return r.code;
}

let failed = false;
if (want('unit')) failed = (await nodeTests('unit', unit, 2)) !== 0 || failed;
if (want('integration')) failed = (await nodeTests('integration', integration, 1)) !== 0 || failed;
if (want('vm') && existsSync('test/vm/run.mjs')) {
  const r = await run('ipvs-vm', process.execPath, ['test/vm/run.mjs']);
  const c = counts(undefined, r.tail);
  add('ipvs-vm', c);
  if (r.code !== 0) {
    failed = true;
    if (c.fail === 0) totals.fail += 1;
  }
}
rmSync(tmp, { recursive: true, force: true });
process.stdout.write(`\n${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped\n`);
// CI runs as root with every tool installed: a skip there is a test that did not run.
const ci = process.env.CI === 'true';
if (ci && totals.skipped > 0) {
  process.stdout.write(`CI=true: ${totals.skipped} skipped test(s) fail the run:\n${skippedTests.map((n) => `  - ${n}`).join('\n') || '  (names not found in the output)'}\n`);
}
process.exit(failed || totals.fail > 0 || (ci && totals.skipped > 0) ? 1 : 0);
