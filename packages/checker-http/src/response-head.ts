/** The status line and headers of an HTTP/1.x answer. */
export interface ParsedHead {
  status: number;
  statusText: string;
  /** Lower-cased names; a repeated header is an array. */
  headers: Record<string, string | string[] | undefined>;
  /** Name/value pairs as the server wrote them. */
  rawHeaders: [string, string][];
}

/** Not an HTTP/1.x answer. */
export class ResponseParseError extends Error {
  override readonly name = 'ResponseParseError';
}

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/;

/**
 * Parses a head from the start of `buf`: undefined while `\r\n\r\n` has not
 * arrived (but throws as soon as the first line cannot be HTTP), else the head
 * and its length in bytes.
 */
export function parseHead(buf: Buffer): { head: ParsedHead; length: number } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) {
    // Fail early on what is not HTTP (an SSH banner, say) rather than wait for more.
    const n = Math.min(buf.length, 5);
    if (buf.toString('latin1', 0, n) !== 'HTTP/'.slice(0, n)) throw new ResponseParseError('not HTTP');
    return undefined;
  }
  const lines = buf.toString('latin1', 0, end).split('\r\n');
  const m = STATUS_LINE.exec(lines[0]!);
  if (!m) throw new ResponseParseError('bad status line');
  const headers: ParsedHead['headers'] = {};
  const rawHeaders: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ResponseParseError('bad header line');
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    rawHeaders.push([name, value]);
    const key = name.toLowerCase();
    const had = headers[key];
    headers[key] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return { head: { status: Number(m[1]), statusText: m[2] ?? '', headers, rawHeaders }, length: end + 4 };
}
