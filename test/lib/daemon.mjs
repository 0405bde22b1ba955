// Runs the real `hacore` CLI for tests and reads its JSON log lines.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HACORE_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../packages/core/bin/hacore.js');

/** Runs a one-shot CLI command; resolves with { code, stdout, stderr } (never rejects on exit code). */
export function hacoreCli(args, opts = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [HACORE_BIN, ...args], { env: { ...process.env, HACORE_LOG_PRETTY: '0' }, ...opts }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export class HacoreProcess {
  /** Starts `hacore start ...args`; `wrap` prefixes the command (e.g. ['ip','netns','exec',NS]). */
  /** `command` replaces the whole command line (e.g. an installed `hacore` bin). */
  /** `uid`/`gid` run it as another user (the test runs as root). */
  constructor(args, { wrap = [], env = {}, command, cwd, uid, gid } = {}) {
    const full = command ?? [...wrap, process.execPath, HACORE_BIN, 'start', ...args];
    const [cmd, ...argv] = full;
    const ids = uid === undefined ? {} : { uid, gid: gid ?? uid };
    this.proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd, ...ids, env: { ...process.env, HACORE_LOG_PRETTY: '0', ...env } });
    this.lines = [];
    this.stderr = '';
    this.waiters = [];
    let buf = '';
    this.proc.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let rec;
        try {
          rec = JSON.parse(line);
        } catch {
          rec = { msg: line };
        }
        this.lines.push(rec);
        for (const w of [...this.waiters]) if (w.pred(rec)) w.resolve(rec);
      }
    });
    this.proc.stderr.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => r({ code, signal })));
  }

  get pid() {
    return this.proc.pid;
  }

  /** Resolves with the first log record (past or future) matching `pred`. */
  waitFor(pred, timeoutMs = 15000, what = 'log line') {
    const hit = this.lines.find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (r) => (clearTimeout(t), this.waiters.splice(this.waiters.indexOf(w), 1), resolve(r)) };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`timed out waiting for ${what}; stderr: ${this.stderr}; last lines: ${JSON.stringify(this.lines.slice(-5))}`));
      }, timeoutMs);
      this.waiters.push(w);
      this.exited.then(() => {
        if (this.waiters.includes(w)) {
          clearTimeout(t);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(new Error(`hacore exited while waiting for ${what}; stderr: ${this.stderr}`));
        }
      });
    });
  }

  /** Records appended after index `from` matching `pred`. */
  since(from, pred) {
    return this.lines.slice(from).filter(pred);
  }

  async stop(signal = 'SIGTERM', graceMs = 10000) {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.kill(signal);
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }
}

/** A temporary directory inside the repository, so configs there resolve plugins by package name. */
export function repoTempDir(prefix) {
  const base = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../.tmp');
  mkdirSync(base, { recursive: true });
  return mkdtempSync(path.join(base, `${prefix}-`));
}

/** A TCP server on 127.0.0.1 (port 0: any) that accepts and closes each connection: a target a tcp check sees up. */
export function acceptingServer(port = 0) {
  const srv = net.createServer((c) => c.end());
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}
