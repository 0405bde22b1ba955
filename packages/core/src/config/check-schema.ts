import * as s from './schema.js';

/** The fields every check has, whatever its type. Durations are in milliseconds after parsing. */
export const commonCheckShape = {
  name: s.string({ pattern: /^[A-Za-z0-9_.:@-]+$/, patternText: 'a name of letters, digits and _ . : @ -' }).describe('Unique name of the check.'),
  type: s.string({ minLength: 1 }).describe('Checker type, provided by a plugin (tcp, http, icmp, script, ...).'),
  address: s.optional(s.string({ minLength: 1 })).describe('Address of the target (IPv4 or IPv6).'),
  port: s.optional(s.port()).describe('Port of the target, where the checker uses one.'),
  interval: s.optional(s.duration({ min: 10 }), 5000).describe('Time between probes while the state is stable (keepalived delay_loop). Default 5s.'),
  timeout: s.optional(s.duration({ min: 1 }), 3000).describe('Hard timeout of one probe. Default 3s.'),
  rise: s.optional(s.integer({ min: 1, max: 100 }), 1).describe('Consecutive successes that bring a target up. Default 1.'),
  fall: s.optional(s.integer({ min: 1, max: 100 }), 1).describe('Consecutive failures that bring a target down (keepalived retry). Default 1.'),
  retryDelay: s.optional(s.duration({ min: 1 })).describe('Time between probes while a change is confirmed (keepalived delay_before_retry). Default: 1s, or interval if shorter.'),
  warmup: s.optional(s.duration()).describe('Upper bound of the random delay before the first probe. Default: the interval.'),
  alpha: s.optional(s.boolean(), false).describe('Start as down until the first success (keepalived alpha).'),
  weight: s.optional(s.integer({ min: 0, max: 65535 })).describe('Weight carried in state events (IPVS, VRRP tracking).'),
};

export type CommonCheckShape = typeof commonCheckShape;
