import { chmodSync, lstatSync, mkdirSync, statSync, unlinkSync, type Stats } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { HacoreError } from '../errors.js';
import { MAX_REQUEST_BYTES, type ControlRequest, type ControlResponse } from './protocol.js';

export type ControlHandler = (req: ControlRequest) => Promise<unknown>;

function canConnect(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(file);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * The socket's directory: created 0700 when missing; when it exists, owned by
 * this process's uid and not writable by group or others, since whoever can
 * write there can put their own socket in the daemon's place. EACCES names the
 * settings that choose another place.
 */
function prepareDirectory(dir: string): void {
  let st: Stats;
  try {
    st = statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        throw new HacoreError(
          'HACORE_ERR_CONTROL',
          `cannot create the control socket directory ${dir} (${code}): set controlSocket (and pidFile) in the config, or start --socket PATH, to a directory this user can write`,
          { cause: e },
        );
      }
      throw e;
    }
    return;
  }
  if (!st.isDirectory()) throw new HacoreError('HACORE_ERR_CONTROL_INSECURE', `control socket directory ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new HacoreError('HACORE_ERR_CONTROL_INSECURE', `control socket directory ${dir} is owned by uid ${st.uid}, not by the daemon's uid ${uid}`);
  }
  if ((st.mode & 0o022) !== 0) {
    throw new HacoreError('HACORE_ERR_CONTROL_INSECURE', `control socket directory ${dir} is writable by group or others (mode 0${(st.mode & 0o7777).toString(8)})`);
  }
}

/** Removes a stale socket at `file`; anything else there is left alone and refused. */
function removeStaleSocket(file: string): void {
  let st: Stats;
  try {
    st = lstatSync(file);
  } catch {
    return; // nothing there
  }
  if (!st.isSocket()) throw new HacoreError('HACORE_ERR_CONTROL', `${file} exists and is not a socket; not removing it (move it away or set controlSocket)`);
  unlinkSync(file);
}

/** The JSON line of a reply; a result that cannot be serialised (a BigInt, a cycle) becomes an error naming the section. */
function encode(resp: ControlResponse, cmd: string): { text: string; error?: string } {
  try {
    return { text: `${JSON.stringify(resp)}\n` };
  } catch (err) {
    let where = '';
    if (resp.ok && resp.result !== null && typeof resp.result === 'object') {
      const bad: string[] = [];
      const visit = (obj: Record<string, unknown>, prefix: string): void => {
        for (const [k, v] of Object.entries(obj)) {
          try {
            JSON.stringify(v);
          } catch {
            // Name the deepest section at fault one level below the role: `check.mysection`.
            if (prefix === '' && v !== null && typeof v === 'object') visit(v as Record<string, unknown>, `${k}.`);
            else bad.push(`${prefix}${k}`);
          }
        }
      };
      visit(resp.result as Record<string, unknown>, '');
      if (bad.length > 0) where = ` (${bad.join(', ')})`;
    }
    const message = `the reply to ${cmd} cannot be serialised${where}: ${(err as Error).message}`;
    return { text: `${JSON.stringify({ ok: false, error: { code: 'HACORE_ERR_CONTROL', message } })}\n`, error: message };
  }
}

/**
 * The control socket: a unix socket private to its owner (0600 inside a 0700
 * directory we create), one request per connection.
 */
export class ControlServer {
  private server: net.Server | undefined;

  constructor(
    readonly file: string,
    private readonly handler: ControlHandler,
    private readonly logger: Logger,
  ) {}

  async listen(): Promise<void> {
    prepareDirectory(path.dirname(this.file));
    if (await canConnect(this.file)) {
      throw new HacoreError('HACORE_ERR_CONTROL', `another hacore is already listening on ${this.file}`);
    }
    removeStaleSocket(this.file);
    const server = net.createServer((sock) => this.serve(sock));
    const old = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.file, () => resolve());
      });
    } finally {
      process.umask(old);
    }
    chmodSync(this.file, 0o600);
    this.server = server;
  }

  private serve(sock: net.Socket): void {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST_BYTES) return sock.destroy();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      sock.pause();
      void this.answer(line).then(({ cmd, resp }) => {
        const out = encode(resp, cmd);
        if (out.error) this.logger.warn({ cmd }, out.error);
        sock.end(out.text);
      });
    });
  }

  private async answer(line: string): Promise<{ cmd: string; resp: ControlResponse }> {
    let req: ControlRequest;
    try {
      req = JSON.parse(line) as ControlRequest;
      if (typeof req?.cmd !== 'string') throw new Error('no cmd');
    } catch {
      return { cmd: '(malformed)', resp: { ok: false, error: { code: 'HACORE_ERR_CONTROL', message: 'malformed control request' } } };
    }
    try {
      return { cmd: req.cmd, resp: { ok: true, result: await this.handler(req) } };
    } catch (err) {
      const e = err as { code?: string; message?: string };
      // A refused reload or a bad action is the operator's input, not a bug: one line with the code and reason, no stack.
      if (typeof e.code === 'string' && e.code.startsWith('HACORE_ERR_')) this.logger.warn({ cmd: req.cmd, code: e.code }, `${req.cmd} refused: ${e.message ?? String(err)}`);
      else this.logger.warn({ cmd: req.cmd, err }, `control command ${req.cmd} failed`);
      return { cmd: req.cmd, resp: { ok: false, error: { code: e.code ?? 'HACORE_ERR_CONTROL', message: e.message ?? String(err) } } };
    }
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    try {
      removeStaleSocket(this.file);
    } catch {
      // gone, or replaced by something that is not ours to remove
    }
  }
}
