import { createRequire } from 'node:module';
import { formatWhere, KaConfError, type IncludeStep, type KaConfProblem } from './errors.js';
import { parseKeepalivedConf } from './parser.js';
import { sourceOf, translate, type ReportEntry, type Source } from './translate.js';

export interface LoadOptions {
  configId?: string | undefined;
  lenient?: boolean | undefined;
}

export interface LoadedKeepalivedConfig {
  /** hacore's config document. */
  value: Record<string, unknown>;
  /** Each dropped keyword (lenient) and parser warning, once, as `file:line: message`. */
  warnings: string[];
  /** Where a hacore config path came from in the keepalived files. */
  locate(path: string): { file: string; line: number; chain: IncludeStep[] } | undefined;
  report: ReportEntry[];
  files: string[];
}

const require = createRequire(import.meta.url);

/** The hacore packages are found from here (they are installed beside this one), not from /etc/keepalived. */
function resolvePlugins(plugins: string[]): string[] {
  return plugins.map((p) => {
    try {
      return require.resolve(p);
    } catch {
      return p;
    }
  });
}

/**
 * What `hacore --keepalived-config FILE` runs: parse and translate, with the
 * plugins resolved to absolute paths. Throws only KaConfError.
 */
export function loadKeepalivedConfig(file: string, opts: LoadOptions = {}): LoadedKeepalivedConfig {
  const parsed = parseKeepalivedConf(file, opts.configId !== undefined ? { configId: opts.configId } : {});
  const tr = translate(parsed, { lenient: opts.lenient === true });
  const value = { ...tr.doc, plugins: resolvePlugins(tr.doc.plugins as string[]) };
  return {
    value,
    warnings: tr.warnings.map((w: KaConfProblem) => `${formatWhere(w)}: ${w.message}${w.message.includes('not supported') ? ' (dropped: --lenient)' : ''}`),
    locate: (path: string): Source | undefined => sourceOf(tr.sources, path),
    report: tr.report,
    files: parsed.files,
  };
}

export { KaConfError };
