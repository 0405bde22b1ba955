import { definePlugin, ConfigError, defineCheckType, schema as s, type ConfigIssue } from '@hacore/core';
import { parseHex } from './hex.js';
import { UdpChecker, type UdpCheckSpec } from './udp-checker.js';

export { UdpChecker, RANDOM_PAYLOAD_BYTES, type UdpCheckOptions, type UdpCheckSpec } from './udp-checker.js';
export { parseHex, matchesPattern, formatHex, type HexPattern } from './hex.js';

export const PLUGIN_NAME = '@hacore/checker-udp';

const hexString = (wildcards: boolean): s.Schema<string> =>
  s.transform(
    s.string(),
    (text, ctx, path) => {
      const p = parseHex(text, wildcards);
      return typeof p === 'string' ? s.fail(ctx, path, `a keepalived hex string${wildcards ? ' (X for any nibble)' : ''}: ${p}`, text) : text;
    },
    wildcards ? 'a hex string such as "ab12 0X ff" (X: any nibble)' : 'a hex string such as "ab12 0f ff"',
  );

/** Options of a `type: udp` check, on top of the common check fields. */
export const udpCheckOptions = s.object({
  address: s.ip().describe('Address to send to (IPv4 or IPv6).'),
  port: s.port().describe('UDP port to send to.'),
  payload: s.optional(hexString(false)).describe('Datagram to send, keepalived hex syntax ("Ab12f 3" is AB 12 0F 03). Default: 16 random octets.'),
  requireReply: s
    .optional(s.union(s.boolean(), hexString(true)))
    .describe('true: a reply must come (keepalived require_reply); a hex string: the reply must match it over the shorter length, X nibbles ignored. Default: silence passes, an ICMP error fails.'),
  minReplyLength: s.optional(s.integer({ min: 0, max: 65535 }), 0).describe('Shortest reply accepted (keepalived min_reply_length). Default 0.'),
  maxReplyLength: s.optional(s.integer({ min: 0, max: 65535 }), 255).describe('Longest reply accepted (keepalived max_reply_length). Default 255.'),
  replyTimeout: s.optional(s.duration({ min: 1 })).describe('Wait for a reply or an ICMP error (keepalived connect_timeout). Default: 90% of the check timeout.'),
  sourceAddress: s.optional(s.ip()).describe('Local address to send from (keepalived bindto).'),
});

/** Rules spanning two fields, with paths relative to the check. */
export function crossFieldIssues(spec: { minReplyLength: number; maxReplyLength: number; replyTimeout?: number; timeout: number }): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (spec.minReplyLength > spec.maxReplyLength) {
    issues.push({ path: 'minReplyLength', expected: `at most maxReplyLength (${spec.maxReplyLength})`, found: String(spec.minReplyLength) });
  }
  if (spec.replyTimeout !== undefined && spec.replyTimeout >= spec.timeout) {
    issues.push({ path: 'replyTimeout', expected: `less than the check timeout (${spec.timeout} ms)`, found: `${spec.replyTimeout} ms` });
  }
  return issues;
}

/** keepalived's UDP_CHECK as a hacore plugin: `type: udp`. */
export const UdpCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  apply(core) {
    defineCheckType(core, PLUGIN_NAME, 'udp', udpCheckOptions, (spec) => new UdpChecker(spec as unknown as UdpCheckSpec));
    core.hooks.collectChecks.tap(PLUGIN_NAME, (checks) => {
      const issues: ConfigIssue[] = [];
      checks.forEach((c, i) => {
        if (c.type !== 'udp') return;
        for (const issue of crossFieldIssues(c as unknown as UdpCheckSpec)) issues.push({ ...issue, path: `checks[${i}].${issue.path}` });
      });
      if (issues.length > 0) throw new ConfigError(undefined, issues);
      return checks;
    });
  },
});

export default UdpCheckerPlugin;
