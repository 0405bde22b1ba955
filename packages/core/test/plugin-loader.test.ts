import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { Hacore } from '../src/daemon/hacore.js';
import { apiRangeAccepts, caretAccepts } from '../src/plugins/api-range.js';
import { HacoreError } from '../src/errors.js';
import type { HacoreEvent, Target, TargetStateChange } from '../src/types.js';
import { TempDir, probePluginSource } from './fixtures.js';

const tmp = new TempDir();
after(() => tmp.remove());

function config(plugins: string[], extra = ''): string {
  return tmp.write(
    `cfg-${Math.random().toString(36).slice(2)}.yaml`,
    `plugins: ${JSON.stringify(plugins)}\ncontrolSocket: ${tmp.path('ctl.sock')}\npidFile: ${tmp.path('pid')}\n${extra}`,
  );
}

async function loadError(file: string): Promise<HacoreError> {
  const e = await Hacore.load({ configFile: file }).then(
    () => assert.fail('loaded'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof HacoreError, String(e));
  return e;
}

test('a plugin that is not installed', async () => {
  const e = await loadError(config(['@hacore/no-such-plugin']));
  assert.equal(e.code, 'HACORE_ERR_PLUGIN_NOT_FOUND');
  assert.match(e.message, /plugin "@hacore\/no-such-plugin" is not installed.*npm install @hacore\/no-such-plugin/);
});

test('a local plugin file that does not exist', async () => {
  const e = await loadError(config(['./missing.mjs']));
  assert.equal(e.code, 'HACORE_ERR_PLUGIN_NOT_FOUND');
  assert.match(e.message, /missing\.mjs/);
});

test('a module that is not a hacore plugin', async () => {
  tmp.write('not-plugin.mjs', 'export default { hello: 1 };');
  const e = await loadError(config(['./not-plugin.mjs']));
  assert.equal(e.code, 'HACORE_ERR_PLUGIN_INVALID');
  assert.match(e.message, /is not a hacore plugin: its default export lacks name \(string\), hacore .*, apply\(core\)/);
});

test('a plugin that targets an incompatible plugin API names both versions', async () => {
  tmp.write('future.mjs', probePluginSource({ name: 'future-plugin', hacore: '^2.0.0' }));
  const e = await loadError(config(['./future.mjs']));
  assert.equal(e.code, 'HACORE_ERR_PLUGIN_API_RANGE');
  assert.match(e.message, /plugin "future-plugin" .* targets hacore plugin API \^2\.0\.0, but this core implements plugin API 1\.0\.0/);
});

test('a plugin listed twice, by the same spec or by two specs of one name', async () => {
  tmp.write('p1.mjs', probePluginSource());
  tmp.write('p2.mjs', probePluginSource({ type: 'probe2' }));
  const same = await loadError(config(['./p1.mjs', './p1.mjs']));
  assert.equal(same.code, 'HACORE_ERR_PLUGIN_DUPLICATE');
  assert.match(same.message, /listed twice \(plugins\[0\] and plugins\[1\]\)/);
  const byName = await loadError(config(['./p1.mjs', './p2.mjs']));
  assert.equal(byName.code, 'HACORE_ERR_PLUGIN_DUPLICATE');
  assert.match(byName.message, /plugin "test-probe" is listed twice/);
});

test('a plugin that throws in apply', async () => {
  tmp.write('thrower.mjs', probePluginSource({ name: 'thrower', throwInApply: true }));
  const e = await loadError(config(['./thrower.mjs']));
  assert.equal(e.code, 'HACORE_ERR_PLUGIN_APPLY');
  assert.match(e.message, /plugin "thrower" threw in apply\(\): boom in apply/);
});

test("a good plugin's hooks fire, and a throwing tap of another plugin is isolated", async () => {
  tmp.write('good.mjs', probePluginSource());
  const file = config(['./good.mjs'], 'demo: { mode: safe }\nchecks:\n  - { name: up1, type: probe, address: 198.51.100.7, interval: 20ms, warmup: 0ms }\n  - { name: down1, type: probe, address: 198.51.100.8, outcome: false, interval: 20ms, warmup: 0ms }\n');
  const core = await Hacore.load({ configFile: file, role: 'single' });
  const states = new Map<string, string>();
  const events: HacoreEvent[] = [];
  let done!: () => void;
  const both = new Promise<void>((r) => (done = r));
  core.hooks.targetState.tap('bad-listener', () => {
    throw new Error('listener bug');
  });
  core.hooks.targetState.tapPromise('recorder', async (t: Target, c: TargetStateChange) => {
    states.set(t.check, c.to);
    if (states.size === 2) done();
  });
  core.hooks.event.tap('events', (e) => void events.push(e as HacoreEvent));
  await core.start();
  await both;
  await core.stop('test');
  assert.equal(states.get('up1'), 'up');
  assert.equal(states.get('down1'), 'down');
  assert.ok(events.some((e) => e.kind === 'target-state' && e.check === 'down1' && e.reason === 'bad'));
  assert.ok(events.some((e) => e.kind === 'plugin-error' && e.plugin === 'bad-listener' && e.hook === 'targetState'));
  assert.ok((core.pluginErrors.get('bad-listener') ?? 0) >= 1);
  assert.deepEqual(core.status().plugins, [{ name: 'test-probe', version: '9.9.9' }]);
});

test('a plugin that fails to apply a reload makes the reload report it, after the others applied it', async () => {
  tmp.write('good2.mjs', probePluginSource());
  const file = config(['./good2.mjs'], 'demo: { mode: safe }\n');
  const core = await Hacore.load({ configFile: file, role: 'single' });
  let otherSaw: string | undefined;
  core.hooks.reload.tap('fragile', () => {
    throw new Error('vmac could not be created');
  });
  core.hooks.reload.tap('other', (diff) => void (otherSaw = (diff.next.demo as { mode: string }).mode));
  await core.start();
  const { writeFileSync, readFileSync } = await import('node:fs');
  writeFileSync(file, readFileSync(file, 'utf8').replace('mode: safe', 'mode: fast'));
  await assert.rejects(core.reload(), (e: unknown) => e instanceof HacoreError && e.code === 'HACORE_ERR_RELOAD_PARTIAL' && /plugin fragile failed to apply it: vmac could not be created/.test(e.message));
  assert.equal(otherSaw, 'fast');
  assert.deepEqual(core.config.demo, { mode: 'fast', limit: 10 });
  await core.stop('test');
});

/** A package in the config's node_modules whose index must never be imported, with its plugin module apart (`hacorePlugin`). */
function libraryPackage(name: string, loadRuntime: string): void {
  const dir = tmp.path(`node_modules/${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.2.3', hacore: '^1.0.0', type: 'module', main: './index.js', hacoreRoles: ['vrrp'], hacorePlugin: './plugin.js' }));
  writeFileSync(path.join(dir, 'index.js'), `throw new Error('the library index was imported');\n`);
  writeFileSync(path.join(dir, 'runtime.js'), `globalThis.__runtimes = (globalThis.__runtimes ?? 0) + 1;\nexport const engine = 'loaded';\n`);
  writeFileSync(
    path.join(dir, 'plugin.js'),
    `let engine;\nexport default { name: '${name}', hacore: '^1.0.0', roles: ['vrrp'],\n` +
      `  async loadRuntime() { ${loadRuntime} },\n` +
      `  apply(core) { core.hooks.start.tap('${name}', () => { if (core.runs('vrrp') && engine !== 'loaded') throw new Error('started without its runtime'); }); },\n};\n`,
  );
}

test("a package's hacorePlugin module is loaded instead of its index, and its runtime only where it runs", async () => {
  libraryPackage('lib-plugin', `engine = (await import('./runtime.js')).engine;`);
  const file = config(['lib-plugin']);
  const g = globalThis as { __runtimes?: number };
  delete g.__runtimes;
  for (const role of ['main', 'check'] as const) {
    const core = await Hacore.load({ configFile: file, role });
    assert.equal(core.plugins[0]?.plugin.name, 'lib-plugin');
    assert.match(core.plugins[0]?.resolved ?? '', /lib-plugin[/\\]plugin\.js$/);
  }
  assert.equal(g.__runtimes, undefined, 'the runtime was imported in a process the plugin does not run in');
  await Hacore.load({ configFile: file, role: 'vrrp' });
  assert.equal(g.__runtimes, 1);
});

test('a plugin whose runtime fails to load is refused, naming it', async () => {
  libraryPackage('broken-runtime', `throw new Error('cannot open libfoo.so');`);
  const file = config(['broken-runtime']);
  await Hacore.load({ configFile: file, role: 'main' });
  const e = await Hacore.load({ configFile: file, role: 'vrrp' }).then(
    () => assert.fail('loaded'),
    (err: unknown) => err as HacoreError,
  );
  assert.equal(e.code, 'HACORE_ERR_PLUGIN_INVALID');
  assert.match(e.message, /plugin "broken-runtime" \(broken-runtime\) failed to load its runtime: cannot open libfoo\.so/);
});

test("the plugin API range's caret fast path agrees with semver, and leaves other ranges to it", async () => {
  const { default: satisfies } = await import('semver/functions/satisfies.js');
  const versions = ['1.0.0', '1.0.1', '1.2.0', '1.10.3', '2.0.0', '0.9.9', '10.0.0'];
  const ranges = ['^1.0.0', '^1.2.0', '^1.0.5', '^1.10.0', '^2.0.0', '^10.0.0', '^1.1.9'];
  for (const v of versions) for (const r of ranges) assert.equal(caretAccepts(r, v), satisfies(v, r), `${v} in ${r}`);
  for (const r of ['^0.1.0', '>=1.0.0', '1.x', '^1.0', '^1.0.0-beta.1', '~1.0.0', '^1.0.0 || ^2.0.0']) assert.equal(caretAccepts(r, '1.0.0'), undefined, r);
  assert.equal(await apiRangeAccepts('>=1.0.0 <2', '1.4.0'), true);
  assert.equal(await apiRangeAccepts('~2.1', '1.0.0'), false);
  assert.equal(await apiRangeAccepts('not a range', '1.0.0'), undefined);
});
