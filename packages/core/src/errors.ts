/** Stable error codes: tests and callers match on `code`, never on the wording. */
export type HacoreErrorCode =
  | 'HACORE_ERR_CONFIG_NOT_FOUND'
  | 'HACORE_ERR_CONFIG_PARSE'
  | 'HACORE_ERR_CONFIG_INVALID'
  | 'HACORE_ERR_CONFIG_FORMAT'
  | 'HACORE_ERR_PLUGIN_NOT_FOUND'
  | 'HACORE_ERR_PLUGIN_INVALID'
  | 'HACORE_ERR_PLUGIN_API_RANGE'
  | 'HACORE_ERR_PLUGIN_DUPLICATE'
  | 'HACORE_ERR_PLUGIN_APPLY'
  | 'HACORE_ERR_CHECK_TYPE_UNKNOWN'
  | 'HACORE_ERR_CONTROL'
  | 'HACORE_ERR_RELOAD_PARTIAL'
  | 'HACORE_ERR_CHILD_START'
  | 'HACORE_ERR_EVENT_UNDECLARED'
  | 'HACORE_ERR_RELOAD_REFUSED'
  | 'HACORE_ERR_CONFIG_INSECURE'
  | 'HACORE_ERR_CONTROL_INSECURE'
  | 'HACORE_ERR_PLUGIN_HOOK'
  | 'HACORE_ERR_ACTION'
  | 'HACORE_ERR_USAGE';

export class HacoreError extends Error {
  readonly code: HacoreErrorCode;
  constructor(code: HacoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HacoreError';
    this.code = code;
  }
}

/** One problem found in a config file: where it is and what was wrong. */
export interface ConfigIssue {
  /** Path in the config, e.g. `checks[3].timeout`. */
  path: string;
  /** What the schema expected, e.g. `a duration such as 150ms, 2s or 1m`. */
  expected: string;
  /** What was found, rendered for humans, e.g. `"fast" (string)`. */
  found: string;
  /** Extra hint, e.g. `did you mean "timeout"?`. */
  hint?: string;
  /** 1-based line in the source file, when the source is YAML or JSON. */
  line?: number;
  /** The file of that line, when not the config file itself (an included keepalived file). */
  file?: string;
  /**
   * A string was expected and the parser made a number or boolean of the value
   * (`2.10` read as 2.1, `0755` as 755): the line lookup then shows the value as
   * written and the quoted form to use.
   */
  unquoted?: boolean;
}

export class ConfigError extends HacoreError {
  readonly file: string | undefined;
  readonly issues: readonly ConfigIssue[];
  constructor(file: string | undefined, issues: readonly ConfigIssue[]) {
    super('HACORE_ERR_CONFIG_INVALID', formatConfigIssues(file, issues));
    this.name = 'ConfigError';
    this.file = file;
    this.issues = issues;
  }
}

export function formatConfigIssues(file: string | undefined, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => {
    const where = `${i.file ?? file ?? '<config>'}${i.line !== undefined ? `:${i.line}` : ''}`;
    return `${where}: ${i.path || '<root>'}: expected ${i.expected}, found ${i.found}${i.hint ? ` (${i.hint})` : ''}`;
  });
  return `invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`;
}
