// The CLI explains itself: --help lists plugin commands and examples, an unknown
// command names the package that provides it, --version honours -c, and the
// exit codes are the daemon's own. Runs the real CLI (and, for `status | head`, a
// single-process daemon on a socket in the temp dir).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { HACORE_BIN, HacoreProcess, hacoreCli } from '../lib/daemon.mjs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'hacore-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('hacore CLI', () => {
  it('--help lists the installed plugin commands and examples', async () => {
    const r = await hacoreCli(['--help'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const installed = r.stdout.slice(r.stdout.indexOf('Plugin commands (installed):'));
    // The workspace installs every plugin package: each of their commands is found from any working directory.
    for (const name of ['ipvs', 'import', 'genhash', 'web']) assert.match(installed, new RegExp(`^  ${name}\\s`, 'm'), r.stdout);
    assert.match(r.stdout, /^Examples:$/m);
    assert.match(r.stdout, /hacore reload\s+apply the edited config/);
  });

  it('an unknown command names the package that provides it, or says none does', async () => {
    const env = { ...process.env, PATH: '/usr/bin:/bin' };
    const known = await hacoreCli(['bfd-nonexistent'], { cwd: dir, env });
    assert.equal(known.code, 1);
    assert.match(known.stderr, /unknown command "bfd-nonexistent" \(no hacore-bfd-nonexistent installed: a plugin package provides hacore-NAME commands\)/);
    assert.match(known.stderr, /HACORE_ERR_USAGE/);
    // A project plugin's command runs from any directory (found in the installed tree).
    const ipvs = await hacoreCli(['ipvs', '--help'], { cwd: dir, env });
    assert.equal(ipvs.code, 0, ipvs.stderr);
    assert.match(ipvs.stdout, /usage: hacore ipvs list/);
  });

  it('--version lists the plugins of the config named by -c or --config=', async () => {
    const cfg = path.join(dir, 'v.yaml');
    writeFileSync(cfg, 'plugins: ["@hacore/checker-tcp"]\nchecks: []\n');
    for (const args of [['-c', cfg, '--version'], ['--version', '--config', cfg], [`--config=${cfg}`, '--version']]) {
      const r = await hacoreCli(args, { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^@hacore\/core \d+\.\d+\.\d+/);
      assert.match(r.stdout, /^@hacore\/checker-tcp \d+\.\d+\.\d+/m, `${args.join(' ')}: ${r.stdout}`);
    }
  });

  it('reload and status against no daemon: a control error naming the socket', async () => {
    const cfg = path.join(dir, 'n.yaml');
    writeFileSync(cfg, `plugins: ["@hacore/checker-tcp"]\ncontrolSocket: ${path.join(dir, 'none.sock')}\nchecks: []\n`);
    const r = await hacoreCli(['reload', '-c', cfg], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach hacore at .*none\.sock: ENOENT \(is it running\?\) \[HACORE_ERR_CONTROL\]/);
  });

  it('status finds controlSocket however it is written, and reaches the daemon while a file without it is being edited', async () => {
    const sock = path.join(dir, 'flow.sock');
    const flow = path.join(dir, 'flow.yaml');
    writeFileSync(flow, `{ plugins: ["@hacore/checker-tcp"], controlSocket: ${JSON.stringify(sock)}, checks: [] }\n`);
    const viaParser = await hacoreCli(['status', '-c', flow], { cwd: dir });
    assert.equal(viaParser.code, 1);
    assert.match(viaParser.stderr, new RegExp(`cannot reach hacore at ${sock.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOENT`));
    // Half-edited and not YAML any more: no controlSocket in it, so the default socket, not a parse error.
    const editing = path.join(dir, 'editing.yaml');
    writeFileSync(editing, 'plugins: ["@hacore/checker-tcp"]\nchecks:\n  - { name: a, type: tcp, address: [\n');
    const r = await hacoreCli(['status', '-c', editing, '--json'], { cwd: dir, env: { ...process.env, XDG_RUNTIME_DIR: path.join(dir, 'xdg'), RUNTIME_DIRECTORY: path.join(dir, 'rt') } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach hacore at .*rt\/hacore\.sock: ENOENT/);
    assert.doesNotMatch(r.stderr, /HACORE_ERR_CONFIG_PARSE/);
    // reload reads the file in the daemon, which refuses it there; check-config still reports the YAML error.
    const cc = await hacoreCli(['check-config', '-c', editing], { cwd: dir });
    assert.equal(cc.code, 1);
    assert.match(cc.stderr, /HACORE_ERR_CONFIG_PARSE/);
  });

  it('a reader closing the pipe early (hacore ... | head) ends the CLI quietly, status 0', async () => {
    // Output far larger than a pipe buffer, so the CLI is still writing when the reader goes.
    const cfg = path.join(dir, 'big.yaml');
    const checks = Array.from({ length: 3000 }, (_, i) => `  - {name: c${i}, type: tcp, address: 203.0.113.${(i % 250) + 1}, port: ${1000 + i}}`);
    writeFileSync(cfg, `plugins: ["@hacore/checker-tcp"]\nchecks:\n${checks.join('\n')}\n`);
    const child = spawn(process.execPath, [HACORE_BIN, 'check-config', '-c', cfg], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise((resolve) => child.on('close', (c) => resolve(c)));
    assert.doesNotMatch(stderr, /EPIPE|Unhandled|\n\s+at /, stderr);
    assert.equal(code, 0, stderr);
  });

  it('`hacore status | head -1` against a running daemon: no EPIPE stack trace, status 0', async () => {
    // 2,000 checks make the status text far larger than a pipe buffer (64 KiB), so
    // the CLI is still writing when head has printed its line and gone.
    const sock = path.join(dir, 'st.sock');
    const cfg = path.join(dir, 'st.yaml');
    const checks = Array.from({ length: 2000 }, (_, i) => `  - {name: check-with-a-long-name-${i}, type: tcp, address: 203.0.113.${(i % 250) + 1}, port: ${1000 + i}, interval: 60s}`);
    writeFileSync(cfg, `plugins: ["@hacore/checker-tcp"]\ncontrolSocket: ${sock}\npidFile: ${path.join(dir, 'st.pid')}\nchecks:\n${checks.join('\n')}\n`);
    const d = new HacoreProcess(['--single-process', '--config', cfg], { cwd: dir });
    try {
      await d.waitFor((r) => r.msg === 'hacore started', 15000, 'started');
      const full = await hacoreCli(['status', '--config', cfg], { cwd: dir, maxBuffer: 64 << 20 });
      assert.equal(full.code, 0, full.stderr);
      assert.ok(full.stdout.length > 2 * 65536, `status is ${full.stdout.length} bytes: too small to fill the pipe`);
      const sh = spawn('bash', ['-c', `"${process.execPath}" "${HACORE_BIN}" status --config "${cfg}" | head -1; echo "rc=\${PIPESTATUS[0]}"`], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HACORE_LOG_PRETTY: '0' } });
      let out = '';
      let stderr = '';
      sh.stdout.on('data', (c) => { out += c; });
      sh.stderr.on('data', (c) => { stderr += c; });
      await new Promise((resolve) => sh.on('close', resolve));
      const [first, rc] = out.split('\n');
      assert.equal(first, full.stdout.split('\n')[0], 'head printed the first line of the status');
      assert.equal(rc, 'rc=0', `hacore status's own exit status: ${out}`);
      assert.doesNotMatch(stderr, /EPIPE|Unhandled|\n\s+at /, stderr);
      assert.equal(stderr, '');
    } finally {
      await d.stop();
    }
  });
});
