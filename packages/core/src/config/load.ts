import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { LineCounter, isMap, isSeq, parseDocument, type Node } from 'yaml';
import { ConfigError, HacoreError, type ConfigIssue } from '../errors.js';
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
export async function loadRawConfig(opts: { file?: string | undefined; cwd?: string; format?: ConfigFormat | undefined }): Promise<RawConfig> {
  if (opts.format) return loadForeignConfig(opts.format, opts.cwd ?? process.cwd(), (file) => loadRawConfig({ file, ...(opts.cwd ? { cwd: opts.cwd } : {}) }));
  const explorer = cosmiconfig(MODULE_NAME, { cache: false, searchPlaces: SEARCH_PLACES, searchStrategy: 'global' });
  try {
    if (opts.file) {
      const abs = path.resolve(opts.cwd ?? process.cwd(), opts.file);
      const r = await explorer.load(abs);
      if (!r) throw new HacoreError('HACORE_ERR_CONFIG_NOT_FOUND', `config file ${abs} is empty`);
      return { file: r.filepath, value: r.isEmpty ? {} : r.config };
    }
    const r = await explorer.search(opts.cwd ?? process.cwd());
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

/** Splits `checks[3].timeout` into `['checks', 3, 'timeout']`. */
export function splitPath(p: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
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
  }
}

export async function configError(file: string | undefined, issues: ConfigIssue[]): Promise<ConfigError> {
  if (file) await attachLines(file, issues);
  return new ConfigError(file, issues);
}
