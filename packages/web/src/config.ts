import { isLoopback, listenSchema, parseListen, schema as s, type Infer, type ListenAddress } from '@hacore/core';

export { isLoopback, parseListen, type ListenAddress };

const listen = listenSchema(9660);

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
