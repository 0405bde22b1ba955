import type { Logger } from 'pino';

/**
 * A promise a plugin forgot to await that rejects must not end the daemon
 * (Node's default for an unhandled rejection is to exit): it is logged, with
 * the plugin's name when the error carries one (TapError and plugin errors
 * have `plugin`), and the process keeps running. Returns the uninstaller.
 */
export function installRejectionHandler(logger: Logger): () => void {
  const onRejection = (reason: unknown): void => {
    const plugin = typeof (reason as { plugin?: unknown } | null)?.plugin === 'string' ? (reason as { plugin: string }).plugin : undefined;
    const message = reason instanceof Error ? reason.message : String(reason);
    logger.error({ err: reason, ...(plugin ? { plugin } : {}) }, `unhandled rejection${plugin ? ` in plugin ${plugin}` : ''} (isolated; the daemon keeps running): ${message}`);
  };
  process.on('unhandledRejection', onRejection);
  return () => process.off('unhandledRejection', onRejection);
}
