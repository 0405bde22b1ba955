/**
 * @hacore/bfd: BFD (RFC 5880 asynchronous mode, RFC 5881 single hop, RFC 5883
 * multihop). As libraries: the control packet codec and the session state
 * machine (both pure), and UdpBfdSession, the UDP shell. As a plugin (the
 * default export): the `bfd` section's sessions in a `bfd` process, `bfd-state`
 * events, and the `type: bfd` check (keepalived BFD_CHECK).
 */
export {
  BFD_VERSION,
  BfdDiag,
  BfdState,
  DIAG_TEXT,
  MANDATORY_LENGTH,
  STATE_NAMES,
  decodeControl,
  encodeControl,
  type BfdAuth,
  type BfdStateName,
  type ControlFields,
  type ControlPacket,
  type DecodeError,
} from './codec.js';
export {
  BfdSession,
  SLOW_START_US,
  type ReceiveResult,
  type SessionAction,
  type SessionDiscard,
  type SessionOptions,
  type SessionTimers,
  type SessionVariables,
} from './state-machine.js';
export { SINGLE_HOP_PORT, MULTIHOP_PORT, SOURCE_PORT_MIN, SOURCE_PORT_MAX, SINGLE_HOP_TTL } from './ports.js';
export { SESSION_DISCARD_KEYS, UdpBfdSession, type SessionDiscardKey, type UdpSessionCounters, type UdpSessionOptions } from './udp-session.js';
export { BfdReceiver, DECODE_ERROR_KEYS, canonicalAddress, type DecodeErrorKey, type ReceiverCounters, type ReceiverMember, type ReceiverStatus } from './receiver.js';
export { bfdSectionSchema, bfdInstanceShape, type BfdInstanceConfig, type BfdSectionConfig } from './config-schema.js';
export { BFD_EVENTS, BFD_STATE_EVENT, readBfdState, type BfdEventState } from './events.js';
export { BfdRuntime, sessionOptions, type BfdSessionStatus, type BfdStateChange } from './runtime.js';
export { BfdChecker, BfdStateBook, bfdCheckOptions, type BfdCheckSpec, type BookEntry } from './bfd-check.js';
export { BfdPlugin, PLUGIN_NAME, checkIssues } from './plugin.js';
export { BfdPlugin as default } from './plugin.js';
