// Shared by the notifier and metrics tests: a real daemon core in one process,
// TCP servers that checks probe, a capturing logger, and bounded waits.
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { Hacore } from '@hacore/core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Absolute path of a package's built plugin, so a config in a temp dir can name it. */
export function pluginPath(pkg) {
  return path.join(root, 'packages', pkg, 'dist/src/index.js');
}

/** A temp dir that only root can write (0755), as script security requires. */
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hacore-${prefix}-`));
  chmodSync(dir, 0o755);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeScript(file, body, mode = 0o755) {
  writeFileSync(file, body);
  chmodSync(file, mode);
  return file;
}

/** A pino logger whose JSON lines are kept in `lines`. */
export function captureLogger() {
  const lines = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

const DOMAIN_EVENTS = fileURLToPath(new URL('../lib/domain-events.mjs', import.meta.url));

/** The config with a test plugin that declares the VRRP and IPVS event kinds, which these tests emit without those plugins. */
export function withDomainEvents(config) {
  return { ...config, plugins: [...(config.plugins ?? []), DOMAIN_EVENTS] };
}

/** Loads and starts a daemon core from a config object written as JSON. */
export async function startDaemon(dir, config, { logger, start = true, file } = {}) {
  const configFile = file ?? path.join(dir, 'hacore.config.json');
  writeFileSync(configFile, JSON.stringify(withDomainEvents(config), null, 2));
  const core = await Hacore.load({ configFile, role: 'single', ...(logger ? { logger } : {}) });
  if (start) await core.start();
  return core;
}

/** A TCP server on 127.0.0.1 that a check can bring up and down. */
export class TcpTarget {
  server = undefined;
  port = 0;
  sockets = new Set();
  async up() {
    this.server = net.createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => {});
      s.end();
    });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', resolve);
    });
    this.port = this.server.address().port;
  }
  async down() {
    if (!this.server) return;
    const s = this.server;
    this.server = undefined;
    for (const sock of this.sockets) sock.destroy();
    await new Promise((r) => s.close(r));
  }
}

/** Polls `fn` until it returns a truthy value; bounded in time. */
export async function waitFor(fn, { timeoutMs = 10_000, everyMs = 10, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves with the next event of `kind` (matching `pred`) on the core's event hook. */
export function nextEvent(core, pred, { timeoutMs = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error('timed out waiting for an event'));
    }, timeoutMs);
    core.hooks.event.tap('test-wait', (ev) => {
      if (done || !pred(ev)) return;
      done = true;
      clearTimeout(timer);
      resolve(ev);
    });
  });
}

/** One HTTP request; resolves with the status, headers and body text. */
export function httpGet(url, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
