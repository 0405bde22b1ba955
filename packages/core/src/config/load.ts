import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Node } from 'yaml';
import { ConfigError, HacoreError, type ConfigIssue } from '../errors.js';
import { checkTrustedFile } from '../script-security.js';
import { loadForeignConfig, locateForeign, type ConfigFormat } from './foreign-format.js';

export const MODULE_NAME = 'hacore';

/** Where a config is searched for, in order, in each directory from cwd upwards. */
export const SEARCH_PLACES = [
  'package.json',
  `.${MODULE_NAME}rc`,
  `.${MODULE_NAME}rc.json`,
  `.${MODULE_NAME}rc.yaml`,
  `.${MODULE_NAME}rc.yml`,
  `.${MODULE_NAME}rc.js`,
  `.${MODULE_NAME}rc.mjs`,
  `.${MODULE_NAME}rc.cjs`,
  `${MODULE_NAME}.config.yaml`,
  `${MODULE_NAME}.config.yml`,
  `${MODULE_NAME}.config.json`,
  `${MODULE_NAME}.config.js`,
  `${MODULE_NAME}.config.mjs`,
  `${MODULE_NAME}.config.cjs`,
  `${MODULE_NAME}.config.ts`,
];

/** The daemon's config file when neither `--config` nor `$HACORE_CONFIG` names one. */
export const DEFAULT_CONFIG_FILE = '/etc/hacore/hacore.yaml';

/** Config files that are code: cosmiconfig runs them, so only a developer's daemon may read them. */
const CODE_CONFIG = /\.(?:[cm]?js|[cm]?ts)$/;

/** The config file of a daemon (`start`, and the socket lookup of `reload`/`status`/`stop`): `--config`, else `$HACORE_CONFIG`, else /etc/hacore/hacore.yaml. */
export function daemonConfigFile(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? (env.HACORE_CONFIG || undefined) ?? DEFAULT_CONFIG_FILE;
}

/**
 * Why a root daemon must not read `file`: it, or a directory on its path, is
 * owned by another user than root or writable by group or others (a sticky
 * directory such as /tmp excepted), so that user could change what root does.
 * Undefined when the file is safe or when not running as root.
 */
export function insecureConfigFile(file: string): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const problem = checkTrustedFile(file);
  if (!problem || problem.why.startsWith('cannot be found')) return undefined;
  return `config file ${file}: ${problem.file} ${problem.why}; a daemon running as root reads only files that only root can change`;
}

function refuseInsecure(file: string): void {
  const why = insecureConfigFile(file);
  if (why) throw new HacoreError('HACORE_ERR_CONFIG_INSECURE', why);
}

export interface RawConfig {
  /** Absolute path of the file the config came from. */
  file: string;
  value: unknown;
  /** From a foreign format (keepalived.conf): what was dropped, to log once. */
  warnings?: string[];
}

/**
 * Finds and reads the config: `--config FILE` when given, else cosmiconfig's
 * search for `hacore.config.*`, `.hacorerc*` or `package.json#hacore` from `cwd` up.
 */
export interface LoadOptions {
  file?: string | undefined;
  cwd?: string;
  format?: ConfigFormat | undefined;
  /**
   * Whether a `.js`/`.ts` config may be executed (default true: the library API
   * and development). `hacore start` sets it false unless `--single-process` or
   * `--search-config`: a daemon reads data, it does not run a file.
   */
  allowCode?: boolean;
  /**
   * As root, refuse a config file (or directory on its path) another user can
   * change (default true; `check-config` warns instead). Checked before the file
   * is read, so a refused `.js` config is never executed.
   */
  checkOwner?: boolean;
}

export async function loadRawConfig(opts: LoadOptions): Promise<RawConfig> {
  const sub = {
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
    ...(opts.allowCode !== undefined ? { allowCode: opts.allowCode } : {}),
    ...(opts.checkOwner !== undefined ? { checkOwner: opts.checkOwner } : {}),
  };
  const checkOwner = opts.checkOwner !== false;
  if (opts.format && checkOwner) refuseInsecure(path.resolve(opts.cwd ?? process.cwd(), opts.format.keepalived));
  if (opts.format) return loadForeignConfig(opts.format, opts.cwd ?? process.cwd(), (file) => loadRawConfig({ file, ...sub }));
  // Imported here, not at the top: the CLI's client commands (status, stop) load this module without reading a config.
  const { cosmiconfig } = await import('cosmiconfig');
  const explorer = cosmiconfig(MODULE_NAME, { cache: false, searchPlaces: SEARCH_PLACES, searchStrategy: 'global' });
  try {
    if (opts.file) {
      const abs = path.resolve(opts.cwd ?? process.cwd(), opts.file);
      if (opts.allowCode === false && CODE_CONFIG.test(abs)) {
        throw new HacoreError(
          'HACORE_ERR_CONFIG_INSECURE',
          `config file ${abs} is code (it would be executed); a daemon reads YAML or JSON (run code configs only for development, with --single-process or --search-config)`,
        );
      }
      if (checkOwner) refuseInsecure(abs);
      const r = await explorer.load(abs);
      if (!r) throw new HacoreError('HACORE_ERR_CONFIG_NOT_FOUND', `config file ${abs} is empty`);
      return { file: r.filepath, value: r.isEmpty ? {} : r.config };
    }
    const r = await explorer.search(opts.cwd ?? process.cwd());
    // Development only: a searched code config has run by now; the file is still refused for a root daemon.
    if (r && checkOwner) refuseInsecure(r.filepath);
    if (!r) {
      throw new HacoreError(
        'HACORE_ERR_CONFIG_NOT_FOUND',
        `no hacore config found from ${opts.cwd ?? process.cwd()} upwards (hacore.config.yaml, .hacorerc, package.json#hacore, ...); use --config FILE`,
      );
    }
    return { file: r.filepath, value: r.isEmpty ? {} : r.config };
  } catch (err) {
    if (err instanceof HacoreError) throw err;
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new HacoreError('HACORE_ERR_CONFIG_NOT_FOUND', `config file not found: ${e.path ?? opts.file}`, { cause: err });
    throw new HacoreError('HACORE_ERR_CONFIG_PARSE', `cannot parse config ${opts.file ?? ''}: ${e.message}`, { cause: err });
  }
}

/** Splits `checks[3].timeout` into `['checks', 3, 'timeout']`, and `a["b.c"]` into `['a', 'b.c']` (see joinPath). */
export function splitPath(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of p.matchAll(/([^.[\]"]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else if (m[3] !== undefined) out.push(JSON.parse(m[3]) as string);
    else if (m[1] !== undefined) out.push(m[1]);
  }
  return out;
}

/**
 * Adds the source line to each issue where the file is YAML or JSON. The
 * deepest node that exists on the path gives the line, so a missing key
 * points at its parent.
 */
export async function attachLines(file: string, issues: ConfigIssue[]): Promise<void> {
  if (locateForeign(file, issues)) return;
  if (!/\.(ya?ml|json)$/.test(file) && !/\.hacorerc$/.test(file)) return;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  // yaml is for these line numbers only (cosmiconfig parses): imported when an error needs them.
  const { LineCounter, isMap, isScalar, isSeq, parseDocument } = await import('yaml');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (path.basename(file) === 'package.json') {
    for (const i of issues) i.path = i.path ? `hacore.${i.path}` : 'hacore';
  }
  for (const issue of issues) {
    const parts = splitPath(issue.path);
    let node: unknown = doc.contents;
    let found: Node | undefined = doc.contents ?? undefined;
    for (const part of parts) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === part);
        if (!pair) break;
        // Unknown keys are reported at the key, values at the value.
        found = (pair.value ?? pair.key) as Node;
        node = pair.value;
        if (!pair.value) found = pair.key as Node;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part];
        if (!item) break;
        found = item as Node;
        node = item;
      } else break;
    }
    const offset = found?.range?.[0];
    if (offset !== undefined) issue.line = lc.linePos(offset).line;
    if (issue.unquoted && isScalar(found) && found.range) showAsWritten(issue, text.slice(found.range[0], found.range[1]), found.value);
  }
}

/** `found 2.10 (read as the number 2.1)` and the quoted form, from the value's source text. */
export function showAsWritten(issue: ConfigIssue, source: string, parsed: unknown): void {
  const written = source.trim();
  if (written === '' || /^["']/.test(written)) return;
  issue.found = written === String(parsed) ? `${written} (a ${typeof parsed}, not a string)` : `${written} (read as the ${typeof parsed} ${String(parsed)})`;
  issue.hint = `quote it to keep it a string: ${JSON.stringify(written)}`;
}

export async function configError(file: string | undefined, issues: ConfigIssue[]): Promise<ConfigError> {
  if (file) await attachLines(file, issues);
  return new ConfigError(file, issues);
}
