/** RFC 5881 / 5883 numbers the transport uses. */
export const SINGLE_HOP_PORT = 3784;
export const MULTIHOP_PORT = 4784;
/** Source ports MUST be in this range (RFC 5881 section 4). */
export const SOURCE_PORT_MIN = 49152;
export const SOURCE_PORT_MAX = 65535;
/** Single hop: sent with TTL / hop limit 255, and anything received with less is discarded (RFC 5881 section 5). */
export const SINGLE_HOP_TTL = 255;
