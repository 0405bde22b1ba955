import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ConfigFormat } from '../config/foreign-format.js';
import { defaultControlSocket, defaultPidFile } from '../config/runtime-dir.js';
import { ControlServer } from '../control/server.js';
import { HacoreError } from '../errors.js';
import type { ControlRequest } from '../control/protocol.js';
import { actionRequest } from './actions.js';
import { describeConfigChanges, type ReloadReport } from './config-changes.js';
import { Hacore, type ReloadSummary } from './hacore.js';
import { monotonicUsec, openSdNotify } from './sd-notify.js';
import { configureLogging } from '../logger.js';
import type { Preforked } from './prefork.js';
import { Supervisor } from './supervisor.js';
import { installRejectionHandler } from './unhandled.js';

/** The control socket's answer to `reload`: what changed, and each process's own summary. */
export interface ReloadReply extends ReloadReport {
  processes: Record<string, ReloadSummary>;
}

export interface RunOptions {
  configFile?: string | undefined;
  format?: ConfigFormat | undefined;
  singleProcess: boolean;
  /** `start --socket PATH`: the control socket, over the config's `controlSocket`. */
  socket?: string | undefined;
  /** May a `.js`/`.ts` config be executed: only for development (`--single-process`, `--search-config`). */
  allowCode?: boolean;
  logLevel?: string | undefined;
  logger: Logger;
  /** Children forked before the daemon's modules loaded (prefork.ts); those the supervisor does not take are stopped. */
  preforked?: readonly Preforked[];
}

/**
 * `hacore start`: validates everything, then runs either the supervisor with
 * its children or (single-process) everything here; serves the control socket
 * and handles SIGHUP (reload) and SIGTERM/SIGINT (graceful stop). Under
 * systemd (`$NOTIFY_SOCKET`) it sends READY=1 once every role is up,
 * RELOADING=1/READY=1 around a reload and STOPPING=1 (see sd-notify.ts).
 * Resolves with the exit code once the daemon has stopped.
 */
export async function runDaemon(opts: RunOptions): Promise<number> {
  const role = opts.singleProcess ? 'single' : 'main';
  const uninstall = installRejectionHandler(opts.logger);
  try {
    return await runLoaded(opts, role);
  } finally {
    for (const p of opts.preforked ?? []) p.discard();
    uninstall();
  }
}

async function runLoaded(opts: RunOptions, role: 'single' | 'main'): Promise<number> {
  const core = await Hacore.load({ configFile: opts.configFile, format: opts.format, allowCode: opts.allowCode ?? opts.singleProcess, role, logger: opts.logger });
  configureLogging(core.config.logging);
  const level = opts.logLevel ?? core.config.logLevel;
  opts.logger.level = level;
  const configFile = core.configFile!;
  let supervisor: Supervisor | undefined;

  const notify = await openSdNotify(opts.logger);
  /** A reload from SIGHUP or the control socket, framed by RELOADING=1 and READY=1 (sent also when refused: the old config runs). */
  const reload = async (): Promise<ReloadReply> => {
    notify?.send(`RELOADING=1\nMONOTONIC_USEC=${monotonicUsec()}`);
    try {
      const before = core.config;
      const processes = supervisor ? await supervisor.reload() : { single: await core.reload() };
      configureLogging(core.config.logging);
      return { ...describeConfigChanges(before, core.config), processes };
    } finally {
      notify?.send('READY=1');
    }
  };

  let stopRequested: (reason: string) => void = () => {};
  const stopped = new Promise<string>((r) => (stopRequested = r));

  const control = new ControlServer(
    opts.socket ?? core.config.controlSocket ?? defaultControlSocket(),
    async (req: ControlRequest) => {
      switch (req.cmd) {
        case 'ping':
          return 'pong';
        case 'status':
          return core.statusAll();
        case 'reload':
          return reload();
        case 'stop':
          setImmediate(() => stopRequested('hacore stop'));
          return 'stopping';
        case 'action':
          return core.runAction(actionRequest(req, 'cli'));
        default:
          throw new Error(`unknown command ${(req as { cmd: string }).cmd}`);
      }
    },
    opts.logger,
  );
  await control.listen();
  const pidFile = core.config.pidFile ?? defaultPidFile();
  try {
    mkdirSync(path.dirname(pidFile), { recursive: true, mode: 0o755 });
    writeFileSync(pidFile, `${process.pid}\n`);
  } catch (err) {
    await control.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw err;
    throw new HacoreError('HACORE_ERR_CONTROL', `cannot write the pid file ${pidFile} (${code}): set pidFile in the config to a path this user can write`, { cause: err });
  }

  const cleanup = async (): Promise<void> => {
    await control.close();
    try {
      unlinkSync(pidFile);
    } catch {
      // already gone
    }
  };

  // Installed before the roles start: a SIGTERM while starting stops cleanly once started, and a
  // SIGHUP then (whose default action would end the process) is logged and ignored.
  let running = false;
  const onHup = (): void => {
    if (!running) {
      opts.logger.warn('SIGHUP while starting: ignored (reload once started)');
      return;
    }
    reload().catch((err: Error) => opts.logger.error({ err: err.message }, 'reload refused; the running config stays'));
  };
  process.on('SIGHUP', onHup);
  process.once('SIGTERM', () => stopRequested('SIGTERM'));
  process.once('SIGINT', () => stopRequested('SIGINT'));

  try {
    await core.start();
    if (!opts.singleProcess) {
      supervisor = new Supervisor(core, { configFile, format: opts.format, allowCode: opts.allowCode ?? false, logLevel: level, logger: opts.logger, preforked: opts.preforked ?? [] });
      core.statusCollector = () => supervisor!.statusAll();
      core.actionCollector = (req) => supervisor!.action(req);
      await supervisor.start(core.childRoles());
      for (const p of opts.preforked ?? []) p.discard();
    }
  } catch (err) {
    process.off('SIGHUP', onHup);
    notify?.close();
    await core.stop('start failed');
    await cleanup();
    throw err;
  }

  running = true;
  notify?.send(`READY=1\nMAINPID=${process.pid}\nSTATUS=running`);

  const reason = await stopped;
  process.off('SIGHUP', onHup);
  // Tell the children (or the core) first, log after: the VRRP child's priority-0
  // advert should not wait for a log line.
  const stopping = supervisor ? supervisor.stop(reason) : core.stop(reason);
  opts.logger.info({ reason }, 'stopping');
  notify?.send('STOPPING=1');
  notify?.close();
  await stopping;
  await cleanup();
  return 0;
}
