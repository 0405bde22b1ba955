import type { Logger } from 'pino';
import { loadRawConfig, type RawConfig } from '../config/load.js';
import type { ConfigFormat } from '../config/foreign-format.js';
import type { Role } from '../types.js';

/** Where a core reads its config document from. */
export interface ConfigSourceOptions {
  /** `--config FILE`; otherwise cosmiconfig searches from `cwd`. */
  configFile?: string | undefined;
  /** A foreign config format (`--keepalived-config`); `configFile` is then unused (see ConfigFormat.overlay). */
  format?: ConfigFormat | undefined;
  cwd?: string;
  /** May a `.js`/`.ts` config be executed (see LoadOptions.allowCode); default true. */
  allowCode?: boolean;
  /** As root, refuse a config another user can change (LoadOptions.checkOwner); default true. */
  checkOwner?: boolean;
  /** Reads the config instead of loadRawConfig (a second input format, or a document handed over by the supervisor). */
  readConfig?: () => Promise<RawConfig>;
}

/**
 * Reads the config document for `load` and `reload`: the configured reader,
 * else the file (once found, the same file again; a foreign format is read
 * from its own file each time and translated again).
 */
export async function readConfigDocument(opts: ConfigSourceOptions, current: string | undefined, role: Role | 'single', logger: Logger): Promise<RawConfig> {
  if (opts.readConfig) return opts.readConfig();
  const file = opts.format ? opts.configFile : (current ?? opts.configFile);
  const raw = await loadRawConfig({
    file,
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.format ? { format: opts.format } : {}),
    ...(opts.allowCode !== undefined ? { allowCode: opts.allowCode } : {}),
    ...(opts.checkOwner !== undefined ? { checkOwner: opts.checkOwner } : {}),
  });
  // What a foreign format dropped (keepalived.conf with --lenient): once per read, by the main process.
  if (role === 'main' || role === 'single') for (const w of raw.warnings ?? []) logger.warn({ file: current }, w);
  return raw;
}
