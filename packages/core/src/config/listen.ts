import { isIP } from 'node:net';
import * as s from './schema.js';

/** Where a plugin's own listener binds (metrics, web console). */
export interface ListenAddress {
  host: string;
  port: number;
}

/** `127.0.0.1:9650`, `[::1]:9650` or `:9650` (loopback); port 0 picks a free port (tests). */
export function parseListen(v: string): ListenAddress | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(v);
  if (!m) return undefined;
  const host = m[1] ?? (m[2] || '127.0.0.1');
  const port = Number(m[3]);
  if (port > 65535 || isIP(host) === 0) return undefined;
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host) || host === '::ffff:127.0.0.1';
}

/** A schema for an `address:port` listener key; `example` is the port shown in its message. */
export function listenSchema(example: number): s.Schema<ListenAddress> {
  const expected = `an address and port such as 127.0.0.1:${example} or [::1]:${example}`;
  return s.transform(s.string({ minLength: 1 }), (v, ctx, path) => parseListen(v) ?? s.fail(ctx, path, expected, v), expected);
}
