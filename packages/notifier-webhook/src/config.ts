import { schema as s, type Infer } from '@hacore/core';


const url = s.transform(s.string({ minLength: 1 }), (v, ctx, path) => {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return s.fail(ctx, path, 'an http:// or https:// URL', v);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return s.fail(ctx, path, 'an http:// or https:// URL', v);
  return v;
}, 'an http:// or https:// URL');

export const endpointSchema = s.object({
  name: s.optional(s.string({ pattern: /^[A-Za-z0-9_.:@-]+$/, patternText: 'a name of letters, digits and _ . : @ -' })).describe('Name in logs, status and metrics. Default: the URL\'s host.'),
  url: url.describe('Where to POST each event.'),
  events: s.optional(s.array(s.string({ minLength: 1 }), { minItems: 1 })).describe('Event kinds to send, any kind the core or a loaded plugin declares (checked by check-config). Default: every kind.'),
  headers: s.optional(s.record(s.string())).describe('Extra request headers, e.g. Authorization: Bearer <token>.'),
  secret: s.optional(s.string({ minLength: 16 })).describe('Shared secret (16+ characters): each request carries x-hacore-signature: sha256=<hex HMAC-SHA256 of the body>, so the receiver can check who sent it.'),
  timeout: s.optional(s.duration({ min: 1 }), 5000).describe('Timeout of one attempt, connect included. Default 5s.'),
  retries: s.optional(s.integer({ min: 0, max: 10_000 }), 5).describe('Attempts after the first one, on a connection error, a timeout, 408, 429 or 5xx. Default 5.'),
  backoff: s.optional(s.duration({ min: 1 }), 500).describe('Delay before the first retry; it doubles each retry, with jitter. Default 500ms.'),
  maxBackoff: s.optional(s.duration({ min: 1 }), 30_000).describe('Upper bound of the delay between retries. Default 30s.'),
  maxQueue: s.optional(s.integer({ min: 1, max: 1_000_000 }), 1000).describe('Events waiting per endpoint; when full the oldest is dropped and counted. Default 1000.'),
});

export const webhooksSchema = s.object({
  endpoints: s.array(endpointSchema, { minItems: 1 }).describe('The endpoints; each has its own queue.'),
  host: s.optional(s.string({ minLength: 1 })).describe('The `host` field of every document. Default: the host name.'),
  shutdownGrace: s.optional(s.duration({ min: 0 }), 2000).describe('At stop, time allowed to deliver what is queued (the stop event included). Default 2s.'),
});

export type EndpointConfig = Infer<typeof endpointSchema>;
export type WebhooksConfig = Infer<typeof webhooksSchema>;
