import net from 'node:net';
import { HacoreError } from '../errors.js';
import type { ControlRequest, ControlResponse } from './protocol.js';

/** Sends one request to a running daemon and returns its result (throws its error). */
export function controlRequest(file: string, req: ControlRequest, timeoutMs = 30_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(file);
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new HacoreError('HACORE_ERR_CONTROL', `no answer from ${file} within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.setEncoding('utf8');
    sock.once('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    sock.on('data', (c: string) => (buf += c));
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new HacoreError('HACORE_ERR_CONTROL', `cannot reach hacore at ${file}: ${err.code ?? err.message} (is it running?)`, { cause: err }));
    });
    sock.once('end', () => {
      clearTimeout(timer);
      try {
        const resp = JSON.parse(buf) as ControlResponse;
        if (resp.ok) resolve(resp.result);
        else {
          // The daemon's own code (HACORE_ERR_CONFIG_INVALID, HACORE_ERR_RELOAD_REFUSED, ...), not a generic control error.
          const e = new HacoreError('HACORE_ERR_CONTROL', resp.error.message);
          Object.defineProperty(e, 'code', { value: resp.error.code, enumerable: true });
          reject(Object.assign(e, { remoteCode: resp.error.code }));
        }
      } catch {
        reject(new HacoreError('HACORE_ERR_CONTROL', `malformed answer from ${file}`));
      }
    });
  });
}
