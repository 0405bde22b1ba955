import { isIP } from 'node:net';
import { schema as s, type Infer } from '@hacore/core';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `127.0.0.1:9660`, `[::1]:9660` or `:9660` (loopback); port 0 picks a free port (tests). */
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

const EXPECTED_LISTEN = 'an address and port such as 127.0.0.1:9660 or [::1]:9660';
const listen = s.transform(s.string({ minLength: 1 }), (v, ctx, path) => parseListen(v) ?? s.fail(ctx, path, EXPECTED_LISTEN, v), EXPECTED_LISTEN);

export const DEFAULT_LISTEN = '127.0.0.1:9660';

export const webSchema = s.object({
  enabled: s.optional(s.boolean(), true).describe('Serve the console. The section is opt-in: without it nothing listens. Default true when the section is present.'),
  listen: s.optional(listen).describe(`Address and port of the console. Default ${DEFAULT_LISTEN} (loopback only). Any other address needs tls or authentication.`),
  tls: s
    .optional(
      s.object({
        cert: s.string({ minLength: 1 }).describe('PEM certificate (chain) file.'),
        key: s.string({ minLength: 1 }).describe('PEM private key file.'),
      }),
    )
    .describe('Serve HTTPS with this certificate and key.'),
  tokenFile: s.optional(s.string({ minLength: 1 })).describe('File holding the bearer token (one line) that the page and API clients send as `Authorization: Bearer ...`. Never logged.'),
  usersFile: s
    .optional(s.string({ minLength: 1 }))
    .describe('HTTP basic users, one `name:scrypt:SALT:HASH` line each (make one with `hacore web hash-password NAME`).'),
  historySeconds: s.optional(s.integer({ min: 10, max: 3600 }), 300).describe('How many seconds of probe results the sparklines show. Default 300.'),
  maxClients: s.optional(s.integer({ min: 1, max: 10000 }), 500).describe('Most live pages (server-sent event streams) at once; more get 503. Default 500.'),
});

export type WebConfig = Infer<typeof webSchema>;
