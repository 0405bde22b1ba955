import pino, { type Logger } from 'pino';
import { LogDestination, type SyslogOptions } from './log-destination.js';

export type { Logger } from 'pino';

/** This process's log stream (stdout, the journal, or syslog once a config asks for it). */
let destination: LogDestination | undefined;

/**
 * One logger per process: JSON lines (to journald's native protocol when systemd
 * connected stdout to the journal), or human-readable when stdout is a terminal
 * (or HACORE_LOG_PRETTY=1). Each plugin gets `logger.child({ plugin })`.
 */
export function createLogger(opts: { level?: string; role?: string; pretty?: boolean } = {}): Logger {
  const pretty = opts.pretty ?? (process.env.HACORE_LOG_PRETTY === '1' || (process.stdout.isTTY === true && process.env.HACORE_LOG_PRETTY !== '0'));
  const base = { pid: process.pid, ...(opts.role ? { role: opts.role } : {}) };
  if (pretty) {
    return pino({
      level: opts.level ?? 'info',
      base,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname' } },
    });
  }
  destination ??= new LogDestination();
  return pino({ level: opts.level ?? 'info', base }, destination);
}

/** Applies the config's `logging` section to this process's JSON logs (a terminal's pretty logs stay on the terminal). */
export function configureLogging(logging: { syslog?: SyslogOptions | undefined } | undefined): void {
  destination?.useSyslog(logging?.syslog);
}

export const silentLogger: Logger = pino({ level: 'silent' });
