/** One step of the include chain: the file that included the next one, and where. */
export interface IncludeStep {
  file: string;
  line: number;
}

export type KaConfErrorCode =
  | 'HACORE_ERR_KACONF_SYNTAX'
  | 'HACORE_ERR_KACONF_INCLUDE'
  | 'HACORE_ERR_KACONF_INCLUDE_LOOP'
  | 'HACORE_ERR_KACONF_DEFINITION'
  | 'HACORE_ERR_KACONF_TOO_LARGE'
  | 'HACORE_ERR_KACONF_BINARY'
  | 'HACORE_ERR_KACONF_READ'
  | 'HACORE_ERR_KACONF_UNSUPPORTED'
  | 'HACORE_ERR_KACONF_UNKNOWN_KEYWORD'
  | 'HACORE_ERR_KACONF_INVALID';

/** One problem at a keepalived file:line. */
export interface KaConfProblem {
  file: string;
  line: number;
  message: string;
  chain?: IncludeStep[];
}

function where(p: { file: string; line: number; chain?: IncludeStep[] }): string {
  const via = (p.chain ?? []).map((s) => ` (included from ${s.file}:${s.line})`).join('');
  return `${p.file}:${p.line}${via}`;
}

/**
 * The only error the parser and translator throw. `file`, `line` and `chain`
 * are those of the first problem; `problems` lists all of them (the translator
 * reports every unsupported keyword at once).
 */
export class KaConfError extends Error {
  readonly code: KaConfErrorCode;
  readonly file: string;
  readonly line: number;
  readonly chain: readonly IncludeStep[];
  readonly problems: readonly KaConfProblem[];

  constructor(code: KaConfErrorCode, problems: KaConfProblem[], options?: { cause?: unknown }) {
    const first = problems[0] ?? { file: '<keepalived.conf>', line: 0, message: 'unknown problem' };
    const text =
      problems.length === 1 ? `${where(first)}: ${first.message}` : `${problems.length} problems:\n  ${problems.map((p) => `${where(p)}: ${p.message}`).join('\n  ')}`;
    super(text, options);
    this.name = 'KaConfError';
    this.code = code;
    this.file = first.file;
    this.line = first.line;
    this.chain = first.chain ?? [];
    this.problems = problems;
  }

  static at(code: KaConfErrorCode, file: string, line: number, message: string, chain?: IncludeStep[], cause?: unknown): KaConfError {
    return new KaConfError(code, [{ file, line, message, ...(chain && chain.length > 0 ? { chain } : {}) }], cause === undefined ? undefined : { cause });
  }
}

export function formatWhere(p: { file: string; line: number; chain?: IncludeStep[] }): string {
  return where(p);
}
