/**
 * @hacore/bfd: BFD (RFC 5880 asynchronous mode, RFC 5881 single hop) as
 * libraries: the control packet codec and the session state machine, both
 * pure. The I/O shell (UDP 3784/4784 with TTL 255 through @hacore/native),
 * the `bfd` role and the check type are not written yet (see README.md).
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
export { UdpBfdSession, type UdpSessionCounters, type UdpSessionOptions } from './udp-session.js';
