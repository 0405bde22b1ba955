import { listenSchema, parseListen, schema as s, type Infer, type ListenAddress } from '@hacore/core';

export { parseListen, type ListenAddress };

const listen = listenSchema(9650);

export const DEFAULT_LISTEN = '127.0.0.1:9650';

export const metricsSchema = s.object({
  enabled: s.optional(s.boolean(), true).describe('Serve metrics. The section is opt-in: without it nothing listens. Default true when the section is present.'),
  listen: s.optional(listen).describe(`Address and port of the HTTP listener. Default ${DEFAULT_LISTEN} (loopback only).`),
  processMetrics: s.optional(s.boolean(), true).describe('Export the supervisor\'s process_* and nodejs_* metrics (prom-client default metrics). Default true.'),
  statusTimeout: s.optional(s.duration({ min: 1 }), 3000).describe('How long a scrape waits for the status of every process. Default 3s.'),
  maxFailureReasons: s.optional(s.integer({ min: 1, max: 1000 }), 20).describe('Distinct failure reasons counted per check; later ones count as "other". Default 20.'),
});

export type MetricsConfig = Infer<typeof metricsSchema>;
