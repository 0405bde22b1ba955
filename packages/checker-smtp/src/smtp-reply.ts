/**
 * SMTP replies (RFC 5321 4.2), pure: lines of `ddd-text` continue a reply,
 * `ddd text` (or `ddd` alone) ends it, and every line of one reply carries the
 * same code. Bytes arrive in any chunking; a reply is returned once complete.
 */

/** One complete reply: its code and the text of each line (without the code). */
export interface SmtpReply {
  code: number;
  lines: string[];
}

/** Why bytes could not be read as a reply. */
export type SmtpReplyError = { error: 'bad reply' | 'reply too long'; line?: string };

const LINE = /^([2-5][0-9]{2})(?:([ -])(.*))?$/s;

/** Accumulates bytes and yields complete replies. Bounded: a reply over `maxBytes` is an error. */
export class SmtpReplyReader {
  private buffer = '';
  private lines: string[] = [];
  private code: number | undefined;
  private size = 0;

  constructor(private readonly maxBytes = 16_384) {}

  /** Bytes not yet consumed (data a server sent ahead of what was asked). */
  get pending(): number {
    return this.buffer.length + this.size;
  }

  /** Drops everything buffered: after STARTTLS nothing sent in clear may be read as a TLS-time reply. */
  reset(): void {
    this.buffer = '';
    this.lines = [];
    this.code = undefined;
    this.size = 0;
  }

  /**
   * Feeds bytes (latin1 text). Returns the first complete reply, an error, or
   * undefined when more bytes are needed. Bytes after a complete reply stay
   * buffered for the next call (`next()` reads them without new input).
   */
  push(chunk: string): SmtpReply | SmtpReplyError | undefined {
    this.buffer += chunk;
    return this.next();
  }

  /** Reads a reply from what is already buffered. */
  next(): SmtpReply | SmtpReplyError | undefined {
    for (;;) {
      const nl = this.buffer.indexOf('\n');
      if (nl < 0) {
        if (this.size + this.buffer.length > this.maxBytes) return { error: 'reply too long' };
        return undefined;
      }
      const raw = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      this.size += nl + 1;
      if (this.size > this.maxBytes) return { error: 'reply too long' };
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      const m = LINE.exec(line);
      if (!m) return { error: 'bad reply', line: line.slice(0, 80) };
      const code = Number(m[1]);
      if (this.code !== undefined && code !== this.code) return { error: 'bad reply', line: line.slice(0, 80) };
      this.code = code;
      this.lines.push(m[3] ?? '');
      if (m[2] !== '-') {
        const reply: SmtpReply = { code, lines: this.lines };
        this.lines = [];
        this.code = undefined;
        this.size = 0;
        return reply;
      }
    }
  }
}

export function isReplyError(r: SmtpReply | SmtpReplyError): r is SmtpReplyError {
  return 'error' in r;
}

/** The EHLO keywords of a 250 reply (RFC 5321 4.1.1.1: every line after the first), upper-cased. */
export function ehloKeywords(reply: SmtpReply): Set<string> {
  return new Set(reply.lines.slice(1).map((l) => l.trim().split(/\s+/)[0]!.toUpperCase()).filter((k) => k.length > 0));
}
