/**
 * The `controlSocket` a config file sets, read from its text without a YAML
 * parser, for the CLI's client commands. Only the plain cases are answered:
 * `undefined` when the file never mentions the key (the default socket), the
 * path for one top-level `controlSocket: /path` line (a plain scalar starting
 * with `/`, or a quoted string without escapes), the string of a JSON object's
 * key; `'parse'` for anything else, which the caller hands to the real parser.
 */
export function scanControlSocket(text: string, format: 'yaml' | 'json'): string | undefined | 'parse' {
  const first = text.indexOf('controlSocket');
  if (first < 0) return undefined;
  if (format === 'json') {
    try {
      const v: unknown = JSON.parse(text);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'parse';
      const s = (v as Record<string, unknown>).controlSocket;
      return typeof s === 'string' ? s : 'parse';
    } catch {
      return 'parse';
    }
  }
  if (text.indexOf('controlSocket', first + 1) >= 0) return 'parse';
  // A key at column 0 is a key of the top-level mapping: block scalars and flow
  // collections under another key are indented, and a document marker makes it 'parse'.
  if (/^(?:---|\.\.\.)/m.test(text)) return 'parse';
  const line = /^controlSocket:[ \t]+(.*)$/m.exec(text)?.[1];
  if (line === undefined) return 'parse';
  const m = /^(?:"([^"\\]*)"|'([^']*)'|(\/[^\s#]*))[ \t]*(?:#.*)?$/.exec(line.replace(/[ \t\r]+$/, ''));
  if (!m) return 'parse';
  const value = m[1] ?? m[2] ?? m[3] ?? '';
  return value === '' ? 'parse' : value;
}
