/**
 * hacore's private bgpd: a child started through `setpriv --pdeathsig KILL`
 * (util-linux), so the kernel kills it when the process that started it dies,
 * even by SIGKILL; its TCP sessions close with it and the routers withdraw
 * the routes at once. `-S` keeps bgpd from changing its uid, which would clear
 * the parent-death signal. It is restarted with capped exponential backoff;
 * each (re)start gets a fresh vty connection and `onReady` re-announces.
 */
import { backoffDelay } from '@hacore/core/backoff';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { VtyClient } from './vty-client.js';

export interface BgpdOptions {
  bgpdPath: string;
  runDir: string;
  listenPort: number;
  config: string;
  backoff: { initial: number; max: number };
  log: Logger;
  onReady(vty: VtyClient): Promise<void>;
  onDown(reason: string): void;
}

export class BgpdProcess {
  private proc: ChildProcess | undefined;
  vty: VtyClient | undefined;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  state: 'starting' | 'running' | 'down' | 'stopped' = 'starting';
  lastError: string | undefined;
  restarts = 0;

  private config: string;

  constructor(private readonly o: BgpdOptions) {
    this.config = o.config;
  }

  /** The startup config of the next (re)start, after a reload changed what bgpd was told live. */
  setConfig(config: string): void {
    this.config = config;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  start(): void {
    this.stopped = false;
    this.launch();
  }

  private launch(): void {
    const { runDir } = this.o;
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    const conf = path.join(runDir, 'bgpd.conf');
    writeFileSync(conf, this.config, { mode: 0o600 });
    rmSync(path.join(runDir, 'bgpd.vty'), { force: true });
    const args = ['--pdeathsig', 'KILL', '--', this.o.bgpdPath, '-f', conf, '-i', path.join(runDir, 'bgpd.pid'), '--vty_socket', runDir, '-P', '0', '-p', String(this.o.listenPort), '-Z', '-S', '-n', '--log', 'stdout'];
    this.state = 'starting';
    let proc: ChildProcess;
    try {
      proc = spawn('setpriv', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      this.failed(`cannot start bgpd: ${(err as Error).message}`);
      return;
    }
    this.proc = proc;
    let tail = '';
    const keep = (d: Buffer): void => {
      tail = (tail + d.toString()).slice(-2000);
      for (const line of d.toString().split('\n')) if (line.trim()) this.o.log.debug({ bgpd: line.trim() }, 'bgpd');
    };
    proc.stdout!.on('data', keep);
    proc.stderr!.on('data', keep);
    proc.on('error', (err) => this.o.log.error({ err }, 'bgpd could not be started'));
    proc.on('exit', (code, signal) => {
      if (this.proc !== proc) return;
      this.proc = undefined;
      this.vty?.close();
      this.vty = undefined;
      if (this.stopped) return;
      this.failed(`bgpd exited (${signal ?? `code ${code}`})${tail ? `: ${tail.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
    });
    void this.attach(proc);
  }

  /** Waits for the vty socket, connects and hands it to onReady. */
  private async attach(proc: ChildProcess): Promise<void> {
    const sock = path.join(this.o.runDir, 'bgpd.vty');
    const end = Date.now() + 10_000;
    while (!existsSync(sock)) {
      if (this.proc !== proc) return;
      if (Date.now() > end) {
        this.o.log.error('bgpd did not open its vty socket within 10 s; restarting it');
        proc.kill('SIGKILL');
        return;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const vty = new VtyClient(sock);
    try {
      await vty.connect();
      await vty.run('enable').catch(() => '');
      if (this.proc !== proc) return vty.close();
      this.vty = vty;
      await this.o.onReady(vty);
      this.state = 'running';
      this.failures = 0;
      this.o.log.info({ pid: proc.pid }, 'bgpd running');
    } catch (err) {
      this.o.log.error({ err }, 'could not drive bgpd over its vty; restarting it');
      vty.close();
      proc.kill('SIGKILL');
    }
  }

  private failed(reason: string): void {
    this.state = 'down';
    this.lastError = reason;
    this.o.onDown(reason);
    const delay = backoffDelay(this.failures++, { initialMs: this.o.backoff.initial, maxMs: this.o.backoff.max });
    this.o.log.error({ reason, retryInMs: delay }, 'bgpd is down; restarting it');
    this.restarts++;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopped) this.launch();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    clearTimeout(this.timer);
    this.vty?.close();
    this.vty = undefined;
    const p = this.proc;
    if (!p) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 3000);
    await done;
    clearTimeout(t);
    this.proc = undefined;
  }
}
