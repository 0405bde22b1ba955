import { isIP } from 'node:net';
import { schema as s, type Infer } from '@hacore/core';

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

const listen = s.transform(
  s.string({ minLength: 1 }),
  (v, ctx, path) => parseListen(v) ?? s.fail(ctx, path, 'an address and port such as 127.0.0.1:9650 or [::1]:9650', v),
  'an address and port such as 127.0.0.1:9650 or [::1]:9650',
);

export const DEFAULT_LISTEN = '127.0.0.1:9650';

export const metricsSchema = s.object({
  enabled: s.optional(s.boolean(), true).describe('Serve metrics. The section is opt-in: without it nothing listens. Default true when the section is present.'),
  listen: s.optional(listen).describe(`Address and port of the HTTP listener. Default ${DEFAULT_LISTEN} (loopback only).`),
  processMetrics: s.optional(s.boolean(), true).describe('Export the supervisor\'s process_* and nodejs_* metrics (prom-client default metrics). Default true.'),
  statusTimeout: s.optional(s.duration({ min: 1 }), 3000).describe('How long a scrape waits for the status of every process. Default 3s.'),
  maxFailureReasons: s.optional(s.integer({ min: 1, max: 1000 }), 20).describe('Distinct failure reasons counted per check; later ones count as "other". Default 20.'),
});

export type MetricsConfig = Infer<typeof metricsSchema>;
