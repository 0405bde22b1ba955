// `hacore start` forks its children from the plugins' package.json `hacoreRoles` before it
// loads them (daemon/prefork.ts). The hint must be what the plugin itself says, and a
// wrong one must cost time only: the supervisor stops a preforked child it does not
// need and forks the one it does.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { HacoreProcess, hacoreCli, repoTempDir, acceptingServer } from '../lib/daemon.mjs';

const root = path.resolve(import.meta.dirname, '../..');
const dir = repoTempDir('prefork');
const servers = [];
after(() => {
  servers.forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = (pid) => readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
const cmdline = (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');

/** A local plugin package whose package.json says `hint` and whose object says `roles`. */
function plugin(name, hint, roles) {
  const p = path.join(dir, name);
  mkdirSync(p, { recursive: true });
  writeFileSync(path.join(p, 'package.json'), JSON.stringify({ name, version: '1.0.0', type: 'module', hacore: '^1.0.0', hacoreRoles: hint, main: 'index.js' }));
  writeFileSync(path.join(p, 'index.js'), `export default { name: '${name}', hacore: '^1.0.0', roles: ${JSON.stringify(roles)}, apply() {} };\n`);
  return `./${name}/index.js`;
}

describe('prefork', () => {
  test("every workspace plugin's hacoreRoles is the roles its plugin object declares", async () => {
    let n = 0;
    for (const pkgDir of readdirSync(path.join(root, 'packages'))) {
      const pkg = JSON.parse(readFileSync(path.join(root, 'packages', pkgDir, 'package.json'), 'utf8'));
      if (pkg.hacoreRoles === undefined) continue;
      const mod = await import(pathToFileURL(path.join(root, 'packages', pkgDir, pkg.main)).href);
      const exported = mod.default ?? mod.plugin;
      const p = typeof exported === 'function' ? new exported() : exported;
      assert.deepEqual([...(p.roles?.length ? p.roles : ['check'])].sort(), [...pkg.hacoreRoles].sort(), `${pkg.name}: hacoreRoles ${JSON.stringify(pkg.hacoreRoles)}, plugin roles ${JSON.stringify(p.roles)}`);
      n++;
    }
    assert.ok(n >= 10, `only ${n} plugins have hacoreRoles`);
  });

  test('a hint that names a role the plugins do not need: that preforked child is stopped, none runs', async () => {
    const spec = plugin('says-check', ['check'], ['main']);
    const cfg = path.join(dir, 'a.yaml');
    writeFileSync(cfg, `plugins: ["${spec}"]\ncontrolSocket: ${path.join(dir, 'a.sock')}\npidFile: ${path.join(dir, 'a.pid')}\nchecks: []\n`);
    const d = new HacoreProcess(['--config', cfg]);
    try {
      await d.waitFor((r) => r.msg === 'hacore started' && r.role === 'main', 15000, 'started');
      const st = JSON.parse((await hacoreCli(['status', '--json', '--config', cfg])).stdout);
      assert.deepEqual(Object.keys(st), ['main']);
      assert.deepEqual(st.main.children, {});
      for (let i = 0; i < 100 && children(d.pid).length > 0; i++) await sleep(50);
      assert.deepEqual(children(d.pid), [], 'the preforked check child has exited');
    } finally {
      assert.equal((await d.stop()).code, 0, d.stderr);
    }
  });

  test('a hint that misses a role: the supervisor forks it as before, and the checks run', async () => {
    const srv = await acceptingServer();
    servers.push(srv);
    const spec = plugin('says-main', ['main'], ['check']);
    const cfg = path.join(dir, 'b.yaml');
    writeFileSync(
      cfg,
      `plugins: ["@hacore/checker-tcp", "${spec}"]\ncontrolSocket: ${path.join(dir, 'b.sock')}\npidFile: ${path.join(dir, 'b.pid')}\n` +
        `checks:\n  - { name: up1, type: tcp, address: 127.0.0.1, port: ${srv.address().port}, interval: 100ms, timeout: 500ms, warmup: 0ms }\n`,
    );
    const d = new HacoreProcess(['--config', cfg]);
    try {
      await d.waitFor((r) => r.role === 'check' && r.check === 'up1' && r.to === 'up', 15000, 'up1 up');
      const kids = children(d.pid);
      assert.equal(kids.length, 1, `one child: ${kids.map(cmdline).join(' | ')}`);
      assert.match(cmdline(kids[0]), /--role check /);
    } finally {
      assert.equal((await d.stop()).code, 0, d.stderr);
    }
  });

  // The plain form is preforked by cli/main.ts before the parser loads; another (here
  // --search-config) by the parser's `start`.
  for (const [label, extra] of [['the early reading', []], ['the parser', ['--search-config']]]) test(`with a right hint the child is the preforked one (by ${label}): forked before the supervisor logs its start`, async () => {
    const srv = await acceptingServer();
    servers.push(srv);
    const cfg = path.join(dir, 'c.yaml');
    writeFileSync(
      cfg,
      `plugins: ["@hacore/checker-tcp"]\ncontrolSocket: ${path.join(dir, 'c.sock')}\npidFile: ${path.join(dir, 'c.pid')}\n` +
        `checks:\n  - { name: up1, type: tcp, address: 127.0.0.1, port: ${srv.address().port}, interval: 100ms, timeout: 500ms, warmup: 0ms }\n`,
    );
    const d = new HacoreProcess([...extra, '--config', cfg]);
    try {
      const started = await d.waitFor((r) => r.msg === 'started check child', 15000, 'child started');
      // The child's own start time (field 22 of /proc/PID/stat, in clock ticks) is before the supervisor's log line.
      const ticks = Number(readFileSync(`/proc/${started.childPid}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
      const uptime = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      const forkedMsAgo = (uptime - ticks / 100) * 1000;
      const loggedMsAgo = Date.now() - started.time;
      assert.ok(forkedMsAgo > loggedMsAgo + 20, `child forked ${forkedMsAgo.toFixed(0)} ms ago, "started check child" logged ${loggedMsAgo} ms ago`);
      await d.waitFor((r) => r.role === 'check' && r.check === 'up1' && r.to === 'up', 15000, 'up1 up');
    } finally {
      assert.equal((await d.stop()).code, 0, d.stderr);
    }
  });
});
