import { definePlugin, defineCheckType, schema as s, type HacoreConfig } from '@hacore/core';
import { IcmpChecker, socketKeyOf, type IcmpCheckSpec } from './icmp-checker.js';
import type { IcmpError } from './errors.js';
import { socketKeyId, type IcmpSocket, type IcmpSocketKey } from './icmp-socket.js';
import { processIcmpSockets } from './socket-pool.js';
import { MIN_PAYLOAD_BYTES } from './payload.js';

export { IcmpChecker, socketKeyOf, type IcmpCheckOptions, type IcmpCheckSpec } from './icmp-checker.js';
export { IcmpSocket, socketKeyId, type IcmpSocketKey, type IcmpSocketStats, type PingOptions, type PingResult } from './icmp-socket.js';
export { IcmpSocketPool, processIcmpSockets } from './socket-pool.js';
export { IcmpError, type IcmpErrorCode } from './errors.js';
export { ProbeTable, keyOf, idOf, seqOf, type MatchResult, type PendingProbe, type ProbeOutcome, type ProbeTableCounters } from './probe-table.js';
export { decodeIcmp, encodeEchoRequest, encodeIpv4Header, encodeIpv6Header, type Decoded } from './codec.js';
export { internetChecksum, icmpv6Checksum } from './checksum.js';
export { makePayload, MIN_PAYLOAD_BYTES } from './payload.js';

const PLUGIN_NAME = '@hacore/checker-icmp';

/** Options of a `type: icmp` check, on top of the common check fields. */
export const icmpCheckOptions = s.object({
  address: s.ip().describe('Address to ping, IPv4 or IPv6 (keepalived connect_ip).'),
  payloadBytes: s.optional(s.integer({ min: MIN_PAYLOAD_BYTES, max: 8192 }), 56).describe('Payload bytes of each echo request (ping -s). Default 56.'),
  sourceAddress: s.optional(s.ip()).describe('Source address of the echo requests (keepalived bindto); must be of the target\'s family.'),
  interface: s.optional(s.string({ minLength: 1 })).describe('Interface the requests leave by, SO_BINDTODEVICE (keepalived bind_if).'),
});

/** keepalived's PING_CHECK as a hacore plugin: `type: icmp`. */
export const IcmpCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  apply(core) {
    const pool = processIcmpSockets;
    // The plugin holds one reference per socket its config needs, from start to
    // shutdown: the socket opens at start (so a missing CAP_NET_RAW stops the
    // start with a clear error) and closes when the last check releases it.
    const held = new Map<string, IcmpSocket>();
    const keysOf = (config: HacoreConfig): Map<string, IcmpSocketKey> => {
      const keys = new Map<string, IcmpSocketKey>();
      for (const c of config.checks) {
        if (c.type !== 'icmp') continue;
        const key = socketKeyOf(c as unknown as IcmpCheckSpec);
        keys.set(socketKeyId(key), key);
      }
      return keys;
    };
    const log = core.logger.child({ plugin: PLUGIN_NAME });
    const hold = (keys: Map<string, IcmpSocketKey>): void => {
      for (const [id, key] of keys) {
        if (held.has(id)) continue;
        try {
          held.set(id, pool.acquire(key));
        } catch (err) {
          // Without the capability (or the native module) no ICMP check can work: refuse to start.
          const code = (err as IcmpError).code;
          if (code === 'HACORE_ERR_ICMP_CAP_NET_RAW' || code === 'HACORE_ERR_ICMP_RAW_SOCKET_MISSING') throw err;
          // Anything else (an interface that does not exist yet) fails only the checks
          // that need this socket, each probe trying again.
          log.warn({ err, socket: id }, `cannot open ICMP socket ${id}: ${(err as Error).message}`);
        }
      }
      for (const [id, sock] of [...held]) {
        if (keys.has(id)) continue;
        held.delete(id);
        pool.release(sock);
      }
    };

    defineCheckType(core, PLUGIN_NAME, 'icmp', icmpCheckOptions, (spec) => new IcmpChecker(spec as unknown as IcmpCheckSpec, pool));
    core.hooks.start.tapPromise(PLUGIN_NAME, async (config) => hold(keysOf(config)));
    core.hooks.reload.tapPromise(PLUGIN_NAME, async (diff) => hold(keysOf(diff.next)));
    core.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => hold(new Map()));
    core.hooks.status.tap(PLUGIN_NAME, (doc) => {
      doc.icmp = { sockets: pool.status() };
      return doc;
    });
  },
});

export default IcmpCheckerPlugin;
