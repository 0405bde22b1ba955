import { undeclaredEventKinds, type HacoreCore, type HacorePlugin, type Logger, readOwnPackage } from '@hacore/core';
import { notifySchema, type NotifyConfig } from './config.js';
import { jobFor, scriptEnv, type Job } from './dispatch.js';
import { FifoScriptRunner } from './fifo-script.js';
import { FifoWriter } from './fifo-writer.js';
import { KeyedQueue } from './keyed-queue.js';
import { notifyReferenceIssues } from './references.js';
import type { CommandResult } from './run-command.js';
import { ScriptSpawner } from './spawner.js';

export { notifySchema, notifyShape, type NotifyConfig, type Command } from './config.js';
export { jobFor, scriptEnv, type Job } from './dispatch.js';
export { checkScript, type ScriptProblem } from '@hacore/core';
export { runCommand, type CommandResult, type CommandSpec } from './run-command.js';
export { KeyedQueue } from './keyed-queue.js';
export { ScriptSpawner } from './spawner.js';
export { FifoWriter } from './fifo-writer.js';
export { FifoScriptRunner } from './fifo-script.js';

export const PLUGIN_NAME = '@hacore/notifier-script';
/** Name, version and API range from this package's own package.json (the header definePlugin reads). */
const pkg = readOwnPackage(import.meta.url);

/** The `notify` section of the status document. */
export interface NotifyStatus {
  /** Scripts that exited 0. */
  delivered: number;
  /** Scripts that exited non-zero, were killed by a signal or could not start. */
  failed: number;
  /** Of the failed, those killed at their timeout. */
  timeouts: number;
  /** Events dropped because their key's queue was full. */
  dropped: number;
  /** Events waiting and scripts running now. */
  queued: number;
  running: number;
  /** The helper process that forks the scripts (started at start when scripts are configured, again after it dies). */
  runner: { pid: number | null; starts: number };
  fifo?: { path: string; written: number; dropped: number; lastError?: string; script?: { pid: number | null; starts: number } };
}

function hasCommands(cfg: NotifyConfig): boolean {
  const maps = [cfg.instances, cfg.groups, cfg.checks, cfg.virtualServers];
  return maps.some((m) => Object.keys(m).length > 0);
}

/** keepalived-compatible notify scripts and notify FIFO, as a hacore plugin (section `notify`). */
export class NotifierScriptPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['main'] as const;

  private cfg: NotifyConfig | undefined;
  private queue: KeyedQueue<Job> | undefined;
  private fifo: FifoWriter | undefined;
  private fifoScript: FifoScriptRunner | undefined;
  private readonly spawner = new ScriptSpawner();
  private stopped = false;
  private readonly counts = { delivered: 0, failed: 0, timeouts: 0 };

  apply(core: HacoreCore): void {
    core.registerSection('notify', notifySchema, { roles: ['main'] });
    const log = core.logger.child({ plugin: PLUGIN_NAME });

    // Stage -100: ready before the start taps of other plugins, which may already emit events
    // (the IPVS plugin reports quorum at its first reconcile).
    core.hooks.start.tapPromise({ name: PLUGIN_NAME, stage: -100 }, async (config) => {
      const cfg = config.notify as NotifyConfig | undefined;
      if (!cfg) return;
      this.configure(cfg, log);
      if (hasCommands(cfg)) this.spawner.warm();
      if (cfg.fifo) {
        this.fifo = new FifoWriter(cfg.fifo);
        await this.fifo.prepare();
        if (cfg.fifoScript) {
          const env = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C' };
          this.fifoScript = new FifoScriptRunner(cfg.fifoScript, cfg.fifo, env, cfg.killGrace, log);
          this.fifoScript.start();
        }
      }
    });

    core.hooks.reload.tapPromise(PLUGIN_NAME, async (diff) => {
      const cfg = diff.next.notify as NotifyConfig | undefined;
      if (!cfg) {
        // The section is gone: no more scripts or FIFO lines; let go of the FIFO and its reader.
        this.cfg = undefined;
        this.fifo?.close();
        this.fifo = undefined;
        await this.fifoScript?.stop();
        this.fifoScript = undefined;
        return;
      }
      // Queued jobs keep the commands they were resolved with; new events use the new config.
      this.configure(cfg, log);
      // A new FIFO path takes effect at once; the FIFO reader script is started once, at start.
      if (cfg.fifo !== this.fifo?.path) {
        this.fifo?.close();
        this.fifo = cfg.fifo ? new FifoWriter(cfg.fifo) : undefined;
        await this.fifo?.prepare();
      }
    });

    // Never await here: the scheduler awaits the event hook, so slow scripts would delay probes.
    core.hooks.validate.tap(PLUGIN_NAME, (config, issues) => {
      const n = config.notify as NotifyConfig | undefined;
      issues.push(...undeclaredEventKinds(core.events, Object.keys(n?.events ?? {}), 'notify.events').map((i) => ({ ...i, path: i.path.replace(/\[(\d+)\]$/, (_, k: string) => `.${Object.keys(n!.events)[Number(k)]}`) })));
      if (n) issues.push(...notifyReferenceIssues(n, config));
    });

    core.hooks.event.tap(PLUGIN_NAME, (event) => {
      if (this.stopped || !this.cfg || !this.queue) return;
      const job = jobFor(event, this.cfg);
      if (!job) return;
      // The FIFO line goes out now, in event order across all keys (keepalived's FIFO
      // promise); the write is non-blocking and a full pipe drops the line.
      if (job.fifoLine !== undefined && this.fifo && (event.kind !== 'target-state' || this.cfg.fifoChecks) && !this.fifo.write(job.fifoLine)) {
        log.warn({ fifo: this.fifo.path, error: this.fifo.lastError }, 'notify fifo line dropped (pipe full)');
      }
      if (job.commands.length > 0) this.queue.push(job.key, job);
    });

    // Stage 100: after the other plugins' shutdown taps, which may still emit events (VRRP STOP).
    core.hooks.shutdown.tapPromise({ name: PLUGIN_NAME, stage: 100 }, async () => {
      this.stopped = true;
      // STOP notifications queued by the shutdown itself still run, bounded by their timeouts.
      const q = this.queue;
      if (q) {
        const limit = (this.cfg?.timeout ?? 10_000) + (this.cfg?.killGrace ?? 1000) + 1000;
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([q.idle(), new Promise<void>((r) => (timer = setTimeout(r, limit)))]);
        clearTimeout(timer);
      }
      await this.fifoScript?.stop();
      await this.spawner.stop();
      this.fifo?.close();
    });

    core.hooks.status.tap(PLUGIN_NAME, (doc) => {
      if (!this.cfg) return doc;
      const st: NotifyStatus = {
        ...this.counts,
        dropped: this.queue?.dropped ?? 0,
        queued: this.queue?.size ?? 0,
        running: this.queue?.active ?? 0,
        runner: { pid: this.spawner.pid ?? null, starts: this.spawner.starts },
      };
      if (this.fifo) {
        st.fifo = { path: this.fifo.path, written: this.fifo.written, dropped: this.fifo.dropped };
        if (this.fifo.lastError) st.fifo.lastError = this.fifo.lastError;
        if (this.fifoScript) st.fifo.script = { pid: this.fifoScript.pid ?? null, starts: this.fifoScript.starts };
      }
      return { ...doc, notify: st };
    });
  }

  private configure(cfg: NotifyConfig, log: Logger): void {
    this.cfg = cfg;
    if (this.queue) {
      this.queue.setLimits(cfg.concurrency, cfg.maxQueuedPerKey);
      return;
    }
    this.queue = new KeyedQueue<Job>((_key, job) => this.runJob(job, log), {
      concurrency: cfg.concurrency,
      maxPending: cfg.maxQueuedPerKey,
      onDrop: (key, job) => log.warn({ key, kind: job.event.kind }, `notify queue for ${key} is full: dropped the oldest event`),
    });
  }

  private async runJob(job: Job, log: Logger): Promise<void> {
    const cfg = this.cfg;
    if (!cfg) return;
    for (const c of job.commands) {
      const r = await this.spawner.run({
        argv: c.argv,
        ...(c.command.uid !== undefined ? { uid: c.command.uid } : {}),
        ...(c.command.gid !== undefined ? { gid: c.command.gid } : {}),
        timeout: c.command.timeout ?? cfg.timeout,
        killGrace: cfg.killGrace,
        env: scriptEnv(job.event),
        maxOutput: cfg.maxOutputBytes,
      });
      this.record(c.label, c.argv, r, log);
    }
  }

  private record(label: string, argv: string[], r: CommandResult, log: Logger): void {
    const ok = r.outcome === 'exit' && r.code === 0;
    if (ok) this.counts.delivered++;
    else this.counts.failed++;
    if (r.outcome === 'timeout') this.counts.timeouts++;
    const fields = {
      script: label,
      argv,
      outcome: r.outcome,
      code: r.code,
      signal: r.signal,
      ms: Math.round(r.durationMs),
      ...(r.stdout ? { stdout: r.stdout } : {}),
      ...(r.stderr ? { stderr: r.stderr } : {}),
      ...(r.truncated ? { truncated: true } : {}),
      ...(r.error ? { error: r.error } : {}),
    };
    if (ok) log.info(fields, `notify script ${label} done`);
    else log.warn(fields, `notify script ${label} failed (${r.outcome}${r.code !== null ? ` ${r.code}` : ''}${r.signal ? ` ${r.signal}` : ''})`);
  }
}

export default NotifierScriptPlugin;
