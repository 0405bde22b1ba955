import path from 'node:path';
import { HacoreError, type ConfigIssue } from '../errors.js';
import { isPlainObject } from './schema.js';

/**
 * A config in another format than hacore's own, translated by a package the
 * core does not depend on: `--keepalived-config FILE` imports
 * `@hacore/keepalived-conf` at run time. The core knows only this seam: a
 * document, warnings, and where a config path came from in the source files.
 */
export interface ConfigFormat {
  /** keepalived.conf to run (`--keepalived-config`). */
  keepalived: string;
  /** keepalived's -i/--config-id (default: the short host name). */
  configId?: string | undefined;
  /** Drop keywords hacore does not support yet, with a warning each, instead of refusing the file. */
  lenient?: boolean | undefined;
  /** A hacore config (`--config`) whose keys (controlSocket, pidFile, metrics, ...) go over the translation. */
  overlay?: string | undefined;
}

export interface ForeignConfig {
  file: string;
  value: unknown;
  warnings: string[];
}

interface KeepalivedModule {
  loadKeepalivedConfig(file: string, opts: { configId?: string | undefined; lenient?: boolean | undefined }): {
    value: Record<string, unknown>;
    warnings: string[];
    locate(p: string): { file: string; line: number } | undefined;
  };
}

type Locate = (p: string) => { file: string; line: number } | undefined;
const locators = new Map<string, Locate>();

/** Lines (and files) for issues found in a translated config: used by attachLines. */
export function locateForeign(file: string, issues: ConfigIssue[]): boolean {
  const locate = locators.get(file);
  if (!locate) return false;
  for (const issue of issues) {
    const where = locate(issue.path);
    if (!where) continue;
    issue.line = where.line;
    if (where.file !== file) issue.file = where.file;
  }
  return true;
}

/** The child processes' arguments that make them load the same way. */
export function formatArgs(f: ConfigFormat): string[] {
  return [
    '--keepalived-config', f.keepalived,
    ...(f.configId !== undefined ? ['--config-id', f.configId] : []),
    ...(f.lenient ? ['--lenient'] : []),
    ...(f.overlay !== undefined ? ['--config', f.overlay] : []),
  ];
}

const PACKAGE = '@hacore/keepalived-conf';

/** Reads and translates the foreign file (and the overlay). Throws HacoreError with the source file:line. */
export async function loadForeignConfig(f: ConfigFormat, cwd: string, readOverlay: (file: string) => Promise<{ file: string; value: unknown }>): Promise<ForeignConfig> {
  let mod: KeepalivedModule;
  try {
    mod = (await import(PACKAGE)) as KeepalivedModule;
  } catch (err) {
    throw new HacoreError('HACORE_ERR_CONFIG_FORMAT', `--keepalived-config needs the package ${PACKAGE}: npm install ${PACKAGE}`, { cause: err });
  }
  const file = path.resolve(cwd, f.keepalived);
  let loaded: ReturnType<KeepalivedModule['loadKeepalivedConfig']>;
  try {
    loaded = mod.loadKeepalivedConfig(file, { configId: f.configId, lenient: f.lenient });
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'HACORE_ERR_KACONF_READ') throw new HacoreError('HACORE_ERR_CONFIG_NOT_FOUND', `keepalived config ${e.message ?? ''}`, { cause: err });
    throw new HacoreError('HACORE_ERR_CONFIG_INVALID', `invalid keepalived configuration (${e.code ?? 'error'}): ${e.message ?? String(err)}`, { cause: err });
  }
  locators.set(file, loaded.locate);
  let value: Record<string, unknown> = loaded.value;
  if (f.overlay !== undefined) {
    const o = await readOverlay(f.overlay);
    if (!isPlainObject(o.value)) throw new HacoreError('HACORE_ERR_CONFIG_INVALID', `${o.file}: the overlay must be a mapping of settings`);
    const plugins = [...((value.plugins as string[]) ?? []), ...((o.value.plugins as string[] | undefined) ?? [])];
    value = { ...value, ...o.value, plugins: [...new Set(plugins)] };
  }
  return { file, value, warnings: loaded.warnings };
}
