import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * One logger per process: JSON lines, or human-readable when stdout is a
 * terminal (or HACORE_LOG_PRETTY=1). Each plugin gets `logger.child({ plugin })`.
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
  return pino({ level: opts.level ?? 'info', base }, pino.destination({ fd: 1, sync: true }));
}

export const silentLogger: Logger = pino({ level: 'silent' });
