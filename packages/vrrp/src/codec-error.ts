/** Thrown by the encoders (never by the decoders) when asked to build something the wire cannot carry. */
export class VrrpCodecError extends Error {
  readonly code: 'HACORE_ERR_VRRP_ENCODE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VrrpCodecError';
    this.code = 'HACORE_ERR_VRRP_ENCODE';
  }
}
