/**
 * Decodes a `Transfer-Encoding: chunked` body as it arrives: `push` hands each
 * piece of decoded data to `onData` and answers true once the last chunk (and
 * its trailers) has arrived, 'error' on bad framing, false while more is due.
 */
export class ChunkedDecoder {
  /** Data bytes left in the current chunk. */
  private left = 0;
  /** 'size': reading a size line; 'data'; 'crlf': the CRLF after data; 'trailer': after the 0 chunk. */
  private state: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  private line = '';

  push(buf: Buffer, onData: (part: Buffer) => void): boolean | 'error' {
    let i = 0;
    while (i < buf.length) {
      if (this.state === 'data') {
        const n = Math.min(this.left, buf.length - i);
        onData(buf.subarray(i, i + n));
        i += n;
        this.left -= n;
        if (this.left === 0) this.state = 'crlf';
        continue;
      }
      const nl = buf.indexOf(10, i);
      if (nl < 0) {
        this.line += buf.toString('latin1', i, buf.length);
        if (this.line.length > 4096) return 'error';
        return false;
      }
      const line = (this.line + buf.toString('latin1', i, nl)).replace(/\r$/, '');
      this.line = '';
      i = nl + 1;
      if (this.state === 'crlf') {
        if (line !== '') return 'error';
        this.state = 'size';
      } else if (this.state === 'size') {
        const size = Number.parseInt(line, 16); // chunk extensions after ';' are ignored
        if (!/^[0-9a-fA-F]+/.test(line) || !Number.isSafeInteger(size)) return 'error';
        if (size === 0) this.state = 'trailer';
        else {
          this.left = size;
          this.state = 'data';
        }
      } else if (line === '') return true; // end of the trailers
    }
    return false;
  }
}
