// Entry point of a supervisor child: one role (`check` or `vrrp`) of the daemon,
// or (`--worker N`) one of the check process's check workers, a child of it.
import { parseArgs } from 'node:util';
import type { ConfigFormat } from '../config/foreign-format.js';
import type { RawConfig } from '../config/load.js';
import { configureLogging, createLogger } from '../logger.js';
import type { Role } from '../types.js';
import type { HacorePlugin } from '../plugin.js';
import { pluginOf } from '../plugins/loader.js';
import { Hacore } from './hacore.js';
import { pluginRunsIn } from './plugin-host.js';
import { forkExecArgv } from '../young-generation.js';
import { installRejectionHandler } from './unhandled.js';
import { tolerateClosedChannel } from './channel-errors.js';
import type { ChildMessage, ParentMessage, WorkerHandOver } from './ipc.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    config: { type: 'string' },
    'log-level': { type: 'string' },
    'keepalived-config': { type: 'string' },
    'config-id': { type: 'string' },
    lenient: { type: 'boolean' },
    'allow-code': { type: 'boolean' },
    worker: { type: 'string' },
  },
});
const kaFile = values['keepalived-config'];
const format: ConfigFormat | undefined = kaFile ? { keepalived: kaFile, configId: values['config-id'], lenient: values.lenient, overlay: values.config } : undefined;
const role = values.role as Role;
const isWorker = values.worker !== undefined;
const send = (m: ChildMessage): void => {
  // A check worker's queued results go first: its parent reads everything in the order it happened.
  if (m.t !== 'probes') core?.flushProbes();
  if (process.connected) process.send!(m);
};
const base = createLogger({ level: values['log-level'] ?? 'info', role });
const logger = isWorker ? base.child({ worker: Number(values.worker) }) : base;
installRejectionHandler(logger);
// A send racing the supervisor's death: the disconnect handler below stops this process gracefully.
tolerateClosedChannel(process, (err) => logger.error({ err }, 'IPC error'));

let core: Hacore | undefined;
let stopping: Promise<never> | undefined;

/**
 * One stop, however many ask: the forwarded SIGTERM and the supervisor's IPC `stop` both
 * arrive, and the second must wait for the first's cleanup (VIPs, nftables, sysctls), not exit under it.
 */
function stop(reason: string, code = 0): Promise<never> {
  stopping ??= (async (): Promise<never> => {
    try {
      await core?.stop(reason);
    } catch (err) {
      logger.error({ err }, 'error while stopping');
    }
    logger.flush();
    process.exit(code);
  })();
  return stopping;
}

/** A reader that gives the handed-over document once: every reload brings its own. */
function handedOnce(document: RawConfig): () => Promise<RawConfig> {
  let given = false;
  return async () => {
    if (given) throw new Error('a child reads no config file: the supervisor hands each reload over');
    given = true;
    return document;
  };
}

/** Imports a plugin's module and, if it runs here, its runtime: errors are left for Hacore.load to report. */
async function warmPlugin(url: string): Promise<void> {
  try {
    const plugin = pluginOf((await import(url)) as Record<string, unknown>) as HacorePlugin | undefined;
    if (plugin && typeof plugin === 'object' && pluginRunsIn(plugin, role)) await plugin.loadRuntime?.();
  } catch {
    // reported by the load proper
  }
}

let handOver: ((m: { raw: RawConfig | undefined; worker?: WorkerHandOver | undefined }) => void) | undefined;
const handedOver = new Promise<{ raw: RawConfig | undefined; worker?: WorkerHandOver | undefined }>((resolve) => (handOver = resolve));

process.on('message', (raw: unknown) => {
  const m = raw as ParentMessage;
  if (m.t === 'config') handOver?.({ raw: m.raw, worker: m.worker });
  // Cached for Hacore.load's own import of the same URLs (and runtimes), which then finds them loaded.
  else if (m.t === 'warm') for (const url of m.plugins) void warmPlugin(url);
  else if (m.t === 'event') void core?.deliverRemote(m.event);
  else if (m.t === 'stop') void stop(m.reason);
  else if (m.t === 'go') core?.releaseChecks();
  else if (m.t === 'request') {
    void (async () => {
      try {
        if (!core) throw new Error('not started');
        const c = core;
        const result =
          m.op === 'prepare' ? await c.prepareReload(m.raw, m.checks) : m.op === 'action' ? await c.runActionHere(m.action) : m.op === 'commit' ? await c.commitReload().finally(() => configureLogging(c.config.logging)) : m.op === 'abort' ? await c.abortReload() : await c.statusHere();
        send({ t: 'reply', id: m.id, ok: true, result });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        send({ t: 'reply', id: m.id, ok: false, code: e.code ?? 'HACORE_ERR', message: e.message ?? String(err) });
      }
    })();
  }
});
// The supervisor went away (killed or crashed): stop gracefully, as keepalived's children do.
process.on('disconnect', () => void stop('supervisor gone'));
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGHUP', () => {
  /* reloads are coordinated by the supervisor */
});

try {
  // The supervisor's document, not the file: the same config in every process,
  // even for a child restarted after the file was edited and not reloaded.
  send({ t: 'config-request' });
  const { raw: document, worker } = await handedOver;
  if (isWorker && !worker) throw new Error('a check worker needs its checks from the check process');
  core = await Hacore.load({
    configFile: values.config,
    format,
    allowCode: values['allow-code'] === true,
    role,
    logger,
    relay: (event) => send({ t: 'event', event }),
    ...(document ? { readConfig: handedOnce(document) } : {}),
    ...(worker ? { worker: { handOver: worker, send: (batch) => send({ t: 'probes', batch }) } } : {}),
    ...(role === 'check' && !isWorker ? { workers: { args: process.argv.slice(2), execArgv: forkExecArgv('check-worker') } } : {}),
  });
  core.logger = logger;
  configureLogging(core.config.logging);
  await core.start({ holdWorkers: true });
  send({ t: 'ready' });
  core.releaseWorkers();
} catch (err) {
  const e = err as { code?: string; message?: string };
  logger.error({ err }, `${isWorker ? 'check worker' : `${role} child`} failed to start`);
  send({ t: 'fatal', code: e.code ?? 'HACORE_ERR_CHILD_START', message: e.message ?? String(err) });
  await stop('start failed', 1);
}
