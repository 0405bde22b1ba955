import type { Logger } from 'pino';

/**
 * sd_notify(3) for a daemon started by systemd with `Type=notify`: datagrams of
 * `KEY=VALUE` lines to `$NOTIFY_SOCKET`. Node has no AF_UNIX datagram sockets,
 * so they are sent by @hacore/native, loaded only when NOTIFY_SOCKET is set (a
 * TCP-only install without the addon runs as before, with one warning).
 */
export interface Notifier {
  /** Sends one state message ("READY=1", "RELOADING=1\nMONOTONIC_USEC=..." ...); failures are logged, never thrown. */
  send(state: string): void;
  /** Stops the watchdog timer. */
  close(): void;
}

type SendDatagram = (path: string, message: string) => number;

/** The current CLOCK_MONOTONIC in microseconds (what RELOADING=1 pairs with). */
export function monotonicUsec(): bigint {
  return process.hrtime.bigint() / 1000n;
}

/** A notifier for $NOTIFY_SOCKET, or undefined when the daemon was not started with one. */
export async function openSdNotify(logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<Notifier | undefined> {
  const socket = env.NOTIFY_SOCKET;
  if (!socket) return undefined;
  let sendDatagram: SendDatagram;
  try {
    // By name, not a dependency: @hacore/core installs without the native addon.
    const spec: string = '@hacore/native';
    const native = (await import(spec)) as { sendUnixDatagram: SendDatagram };
    sendDatagram = native.sendUnixDatagram;
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'NOTIFY_SOCKET is set but @hacore/native is not installed: systemd gets no READY=1');
    return undefined;
  }
  const send = (state: string): void => {
    try {
      sendDatagram(socket, state);
    } catch (err) {
      logger.warn({ err: (err as Error).message, state }, 'sd_notify failed');
    }
  };
  let watchdog: NodeJS.Timeout | undefined;
  const usec = Number(env.WATCHDOG_USEC);
  const forUs = env.WATCHDOG_PID === undefined || Number(env.WATCHDOG_PID) === process.pid;
  if (usec > 0 && forUs) {
    // Pinged at half the period, as sd_watchdog_enabled(3) advises.
    watchdog = setInterval(() => send('WATCHDOG=1'), Math.max(1, Math.floor(usec / 2000)));
    watchdog.unref();
  }
  return {
    send,
    close: () => {
      if (watchdog) clearInterval(watchdog);
    },
  };
}
