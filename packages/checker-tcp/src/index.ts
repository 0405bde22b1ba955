import { definePlugin, defineCheckType, schema as s } from '@hacore/core';
import { TcpChecker } from './tcp-checker.js';

export { TcpChecker, compileExpect, type TcpCheckOptions, type TcpCheckSpec } from './tcp-checker.js';

const PLUGIN_NAME = '@hacore/checker-tcp';

/** Options of a `type: tcp` check, on top of the common check fields. */
export const tcpCheckOptions = s.object({
  address: s.ip().describe('Address to connect to (IPv4 or IPv6).'),
  port: s.port().describe('Port to connect to.'),
  connectTimeout: s.optional(s.duration({ min: 1 })).describe('Connect timeout (keepalived connect_timeout). Default: the check timeout.'),
  sourceAddress: s.optional(s.ip()).describe('Local address to connect from (keepalived bindto).'),
  send: s.optional(s.string()).describe('Bytes to send once connected, e.g. "PING\\r\\n".'),
  expect: s.optional(s.string({ minLength: 1 })).describe('Expected reply: a prefix, or a regular expression written /re/flags.'),
  maxReplyBytes: s.optional(s.integer({ min: 1, max: 1_048_576 }), 4096).describe('Reply bytes read at most while looking for expect.'),
});

/** keepalived's TCP_CHECK as a hacore plugin: `type: tcp`. */
export const TcpCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  apply(core) {
    defineCheckType(core, PLUGIN_NAME, 'tcp', tcpCheckOptions, (spec) => new TcpChecker(spec));
  },
});

export default TcpCheckerPlugin;
