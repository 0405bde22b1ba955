/**
 * The BFD control packet (RFC 5880 section 4.1), pure: encode and decode the
 * 24-octet mandatory section, and parse the optional authentication section
 * far enough to check it is well formed (section 4.2 to 4.4). hacore sends no
 * authentication; a packet that carries it is refused by the session layer, as
 * 6.8.6 says for a session without authentication configured.
 */

export const BFD_VERSION = 1;
export const MANDATORY_LENGTH = 24;

/** bfd.SessionState values as on the wire. */
export enum BfdState {
  AdminDown = 0,
  Down = 1,
  Init = 2,
  Up = 3,
}

export const STATE_NAMES = ['AdminDown', 'Down', 'Init', 'Up'] as const;
export type BfdStateName = (typeof STATE_NAMES)[number];

/** Diagnostic codes (RFC 5880 4.1). */
export enum BfdDiag {
  None = 0,
  ControlDetectionTimeExpired = 1,
  EchoFunctionFailed = 2,
  NeighborSignaledSessionDown = 3,
  ForwardingPlaneReset = 4,
  PathDown = 5,
  ConcatenatedPathDown = 6,
  AdministrativelyDown = 7,
  ReverseConcatenatedPathDown = 8,
}

export const DIAG_TEXT: Readonly<Record<number, string>> = {
  0: 'no diagnostic',
  1: 'control detection time expired',
  2: 'echo function failed',
  3: 'neighbor signaled session down',
  4: 'forwarding plane reset',
  5: 'path down',
  6: 'concatenated path down',
  7: 'administratively down',
  8: 'reverse concatenated path down',
};

/** The optional authentication section, as parsed (never verified: hacore configures none). */
export interface BfdAuth {
  type: number;
  length: number;
}

export interface ControlPacket {
  version: number;
  diag: number;
  state: BfdState;
  poll: boolean;
  final: boolean;
  /** C: control plane independent. */
  cpi: boolean;
  /** A: authentication present. */
  auth: boolean;
  demand: boolean;
  multipoint: boolean;
  detectMult: number;
  length: number;
  myDiscr: number;
  yourDiscr: number;
  /** Microseconds. */
  desiredMinTx: number;
  requiredMinRx: number;
  requiredMinEchoRx: number;
  authSection?: BfdAuth;
}

/** Why a received packet was refused by the codec (6.8.6's first checks). */
export type DecodeError =
  | 'short'
  | 'bad version'
  | 'bad length'
  | 'length exceeds payload'
  | 'zero detect multiplier'
  | 'multipoint set'
  | 'zero my discriminator'
  | 'bad auth section';

/** Lengths of the authentication section by type (4.2–4.4); type 1 ranges 4..19. */
function authLengthOk(type: number, len: number): boolean {
  switch (type) {
    case 1:
      return len >= 4 && len <= 19;
    case 2:
    case 3:
      return len === 24;
    case 4:
    case 5:
      return len === 28;
    default:
      return false;
  }
}

/** Decodes one datagram; returns the reason on anything 6.8.6 says to discard before session lookup. */
export function decodeControl(buf: Uint8Array): ControlPacket | DecodeError {
  if (buf.length < MANDATORY_LENGTH) return 'short';
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  const version = b0 >> 5;
  if (version !== BFD_VERSION) return 'bad version';
  const auth = (b1 & 0x04) !== 0;
  const length = buf[3]!;
  if (length < (auth ? 26 : MANDATORY_LENGTH)) return 'bad length';
  if (length > buf.length) return 'length exceeds payload';
  const detectMult = buf[2]!;
  if (detectMult === 0) return 'zero detect multiplier';
  const multipoint = (b1 & 0x01) !== 0;
  if (multipoint) return 'multipoint set';
  const myDiscr = v.getUint32(4);
  if (myDiscr === 0) return 'zero my discriminator';
  const p: ControlPacket = {
    version,
    diag: b0 & 0x1f,
    state: (b1 >> 6) as BfdState,
    poll: (b1 & 0x20) !== 0,
    final: (b1 & 0x10) !== 0,
    cpi: (b1 & 0x08) !== 0,
    auth,
    demand: (b1 & 0x02) !== 0,
    multipoint,
    detectMult,
    length,
    myDiscr,
    yourDiscr: v.getUint32(8),
    desiredMinTx: v.getUint32(12),
    requiredMinRx: v.getUint32(16),
    requiredMinEchoRx: v.getUint32(20),
  };
  if (auth) {
    const type = buf[24]!;
    const alen = buf[25]!;
    if (!authLengthOk(type, alen) || MANDATORY_LENGTH + alen !== length) return 'bad auth section';
    p.authSection = { type, length: alen };
  }
  return p;
}

/** What a session puts in a packet it sends; the rest is fixed (version 1, no auth, no demand). */
export interface ControlFields {
  diag: number;
  state: BfdState;
  poll: boolean;
  final: boolean;
  detectMult: number;
  myDiscr: number;
  yourDiscr: number;
  desiredMinTx: number;
  requiredMinRx: number;
  requiredMinEchoRx: number;
}

/** Encodes the 24-octet packet hacore sends (A, D, M and C clear). */
export function encodeControl(f: ControlFields): Buffer {
  if (f.poll && f.final) throw new RangeError('a BFD packet never has both Poll and Final set');
  const b = Buffer.alloc(MANDATORY_LENGTH);
  b[0] = (BFD_VERSION << 5) | (f.diag & 0x1f);
  b[1] = ((f.state & 0x3) << 6) | (f.poll ? 0x20 : 0) | (f.final ? 0x10 : 0);
  b[2] = f.detectMult;
  b[3] = MANDATORY_LENGTH;
  b.writeUInt32BE(f.myDiscr >>> 0, 4);
  b.writeUInt32BE(f.yourDiscr >>> 0, 8);
  b.writeUInt32BE(f.desiredMinTx >>> 0, 12);
  b.writeUInt32BE(f.requiredMinRx >>> 0, 16);
  b.writeUInt32BE(f.requiredMinEchoRx >>> 0, 20);
  return b;
}
