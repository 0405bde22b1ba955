/**
 * The pure half of @hacore/vrrp (codec, validation, state machine, announce
 * frames), usable as a library without the daemon. index.ts re-exports it.
 */
export * from './announce-frames.js';
export * from './checksum.js';
export * from './codec.js';
export * from './codec-error.js';
export * from './drop-reasons.js';
export { compareIp, formatIp, formatIpv4, formatIpv6, normalizeIp, parseAnyIp, parseIp, parseIpv4, parseIpv6 } from '@hacore/core/ip-address';
export * from './ip-header.js';
export * from './mac.js';
export * from './rate-limit.js';
export * from './state-machine.js';
export * from './validate.js';
