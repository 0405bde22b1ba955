// The docs' samples work as printed. A fenced block right after a
// `<!-- compile: PATH -->` line in docs/*.md is a file of a complete example: the
// blocks of one doc are written to a scratch directory (inside the repository, so
// `@hacore/core` resolves to the workspace's build) and then
//   - each directory with a tsconfig.json block is built with tsc -p (strict required),
//   - every other .ts/.js/.mjs block is type-checked with tsc, strict (checkJs for JS),
//   - each .yaml block is validated with `hacore check-config`,
//   - each *.test.ts/.js/.mjs block is run with node --test (a .ts one from its build).
// A sample that does not compile, validate or pass fails here, naming the doc's line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { hacoreCli, repoTempDir } from '../lib/daemon.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const scratch = [];
after(() => { for (const d of scratch) rmSync(d, { recursive: true, force: true }); });

/** The strict options of tsconfig.base.json, for blocks that bring no tsconfig of their own. */
const STRICT = {
  target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2023'], types: ['node'],
  strict: true, noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true, skipLibCheck: true, noEmit: true,
};

const run = (cmd, args, opts = {}) => new Promise((resolve) => {
  execFile(cmd, args, { maxBuffer: 1 << 24, ...opts }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }));
});

/** The marked blocks of a markdown text: { file, lang, text, line } (line: of the marker), or throws on a marker without a fence. */
export function markedBlocks(md, docName) {
  const lines = md.split('\n');
  const out = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*<!-- compile: (\S+) -->\s*$/.exec(lines[i]);
    if (!m) continue;
    let j = i + 1;
    while (j < lines.length && lines[j].trim() === '') j++;
    const fence = /^(\s*)```(\w+)\s*$/.exec(lines[j] ?? '');
    if (!fence) throw new Error(`${docName}:${i + 1}: <!-- compile: ${m[1]} --> is not followed by a fenced block`);
    const indent = fence[1].length;
    const body = [];
    for (j++; j < lines.length && !/^\s*```\s*$/.test(lines[j]); j++) body.push(lines[j].slice(Math.min(indent, lines[j].length - lines[j].trimStart().length)));
    if (j >= lines.length) throw new Error(`${docName}:${i + 1}: the block of ${m[1]} is not closed`);
    if (path.isAbsolute(m[1]) || m[1].split('/').includes('..')) throw new Error(`${docName}:${i + 1}: ${m[1]} must be a relative path inside the example`);
    out.push({ file: m[1], lang: fence[2], text: `${body.join('\n')}\n`, line: i + 1 });
    i = j;
  }
  return out;
}

/** Writes, builds, type-checks, validates and runs one doc's blocks; returns the problems, each naming the doc line. */
export async function checkDoc(md, docName) {
  const blocks = markedBlocks(md, docName);
  if (blocks.length === 0) return { blocks, problems: [] };
  const dir = repoTempDir('docs-blocks');
  scratch.push(dir);
  const where = (file) => {
    const b = blocks.find((x) => x.file === file);
    return b ? `${docName}:${b.line} (${file})` : `${docName} (${file})`;
  };
  for (const b of blocks) {
    mkdirSync(path.dirname(path.join(dir, b.file)), { recursive: true });
    writeFileSync(path.join(dir, b.file), b.text);
  }
  const problems = [];
  const tsconfigs = blocks.filter((b) => path.basename(b.file) === 'tsconfig.json').map((b) => path.dirname(b.file));
  const inProject = (f) => tsconfigs.some((p) => p === '.' || f.startsWith(`${p}/`));
  const outDirs = new Map();
  for (const p of tsconfigs) {
    const cfg = JSON.parse(readFileSync(path.join(dir, p, 'tsconfig.json'), 'utf8'));
    if (cfg.compilerOptions?.strict !== true) problems.push(`${where(path.join(p, 'tsconfig.json'))}: the tsconfig is not strict`);
    outDirs.set(p, cfg.compilerOptions?.outDir ?? '.');
    const r = await run(process.execPath, [TSC, '-p', path.join(dir, p)], { cwd: dir });
    if (r.code !== 0) problems.push(`tsc -p ${where(path.join(p, 'tsconfig.json'))} failed:\n${annotate(r.out, p, where)}`);
  }
  const loose = blocks.filter((b) => /\.(ts|mts|js|mjs)$/.test(b.file) && !inProject(b.file));
  if (loose.length > 0) {
    const cfg = { compilerOptions: { ...STRICT, allowJs: true, checkJs: true }, files: loose.map((b) => b.file) };
    writeFileSync(path.join(dir, 'tsconfig.loose.json'), JSON.stringify(cfg));
    const r = await run(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.loose.json')], { cwd: dir });
    if (r.code !== 0) problems.push(`tsc (strict${loose.some((b) => /\.m?js$/.test(b.file)) ? ', checkJs' : ''}) failed:\n${annotate(r.out, '.', where)}`);
  }
  if (problems.length > 0) return { blocks, problems };   // configs and tests need the build
  for (const b of blocks.filter((x) => /\.ya?ml$/.test(x.file))) {
    const r = await hacoreCli(['check-config', '-c', path.join(dir, b.file)], { cwd: path.dirname(path.join(dir, b.file)) });
    if (r.code !== 0) problems.push(`hacore check-config ${where(b.file)} failed:\n${r.stderr}`);
  }
  for (const b of blocks.filter((x) => /\.test\.(ts|mts|js|mjs)$/.test(x.file))) {
    let file = path.join(dir, b.file);
    if (/\.m?ts$/.test(b.file)) {
      const p = tsconfigs.find((t) => t === '.' || b.file.startsWith(`${t}/`));
      if (p === undefined) { problems.push(`${where(b.file)}: a TypeScript test needs a tsconfig.json block to build it`); continue; }
      file = path.join(dir, p, outDirs.get(p), path.relative(p, b.file)).replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs');
    }
    if (!existsSync(file)) { problems.push(`${where(b.file)}: ${file} was not built`); continue; }
    // Its own test run, not a subtest of this one (node:test marks children through NODE_TEST_CONTEXT).
    const { NODE_TEST_CONTEXT: _, ...env } = process.env;
    const r = await run(process.execPath, ['--test', '--test-reporter=tap', file], { cwd: path.dirname(file), env });
    if (r.code !== 0 || !/^# pass [1-9]/m.test(r.out)) problems.push(`node --test ${where(b.file)} failed:\n${r.out.slice(-3000)}`);
  }
  return { blocks, problems };
}

/** tsc's "src/x.ts(3,7): error ..." lines, each prefixed with the doc line of its block. */
function annotate(out, project, where) {
  return out.split('\n').map((l) => {
    const m = /^(\S+?)\((\d+),\d+\): error/.exec(l);
    return m ? `${where(path.normalize(path.join(project, m[1])))} line ${m[2]}: ${l}` : l;
  }).join('\n');
}

const docs = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort();

describe('docs code blocks', () => {
  it('plugin-authoring.md has a TypeScript and a JavaScript plugin, with package.json, tsconfig and a test', () => {
    const blocks = markedBlocks(readFileSync(path.join(ROOT, 'docs/plugin-authoring.md'), 'utf8'), 'plugin-authoring.md');
    const langs = new Set(blocks.map((b) => b.lang));
    for (const l of ['ts', 'js', 'json', 'yaml']) assert.ok(langs.has(l), `no compiled ${l} block`);
    const files = blocks.map((b) => b.file);
    for (const f of ['package.json', 'tsconfig.json', '.test.ts']) assert.ok(files.some((x) => x.endsWith(f)), `no ${f} block`);
    for (const b of blocks.filter((x) => x.file.endsWith('package.json'))) assert.equal(JSON.parse(b.text).type, 'module', `${b.file}: "type": "module"`);
    assert.ok(blocks.some((b) => b.lang === 'js' && /export default/.test(b.text)), 'a JavaScript plugin');
  });

  for (const doc of docs) {
    const md = readFileSync(path.join(ROOT, 'docs', doc), 'utf8');
    if (!md.includes('<!-- compile: ')) continue;
    it(`docs/${doc}: every marked block compiles, validates and passes`, async () => {
      const { blocks, problems } = await checkDoc(md, `docs/${doc}`);
      assert.ok(blocks.length > 0);
      assert.deepEqual(problems, []);
    });
  }

  it('a sample that does not compile, or a config that is invalid, is reported with its doc line', async () => {
    const md = [
      '# t', '', '<!-- compile: a/index.ts -->', '```ts',
      "import { schema as s } from '@hacore/core';", 'export const n: number = s.string();', '```', '',
      '<!-- compile: b.js -->', '```js', '/** @param {string} x */', 'export const f = (x) => x.toFixed(1);', '```', '',
    ].join('\n');
    const { problems } = await checkDoc(md, 'broken.md');
    assert.equal(problems.length, 1, problems.join('\n'));
    assert.match(problems[0], /broken\.md:3 \(a\/index\.ts\) line 2: .*error TS2322/);
    assert.match(problems[0], /broken\.md:9 \(b\.js\) line 2: .*error TS2551|broken\.md:9 \(b\.js\) line 2: .*error TS2339/);
    const yaml = ['<!-- compile: c.yaml -->', '```yaml', 'plugins: ["@hacore/checker-tcp"]', 'checks:', '  - { name: x, type: tcp, address: 198.51.100.1, port: 70000 }', '```', ''].join('\n');
    const bad = await checkDoc(yaml, 'bad.md');
    assert.equal(bad.problems.length, 1);
    assert.match(bad.problems[0], /check-config bad\.md:1 \(c\.yaml\) failed:[\s\S]*checks\[0\]\.port: expected an integer from 1 to 65535, found 70000/);
    assert.throws(() => markedBlocks('<!-- compile: x.ts -->\ntext\n', 'm.md'), /m\.md:1: .* is not followed by a fenced block/);
  });
});
