/**
 * Turns what a failed request threw into the short, stable `reason` of a
 * CheckResult. The reasons are part of the operator interface (they show up in
 * events, logs and notifications), so they stay few and predictable.
 */

/** OpenSSL verification results as Node reports them in `err.code`. */
const CERT_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Where in the exchange the error happened: it tells a closed socket's meaning. */
export type ProbePhase = 'request' | 'body';

export function errorReason(err: unknown, phase: ProbePhase, aborted: boolean): string {
  // Whatever undici reports after our signal fired is a consequence of the abort.
  if (aborted) return 'timeout';
  const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code !== undefined) {
    if (CERT_CODES.has(code)) return `certificate: ${code}`;
    switch (code) {
      case 'UND_ERR_CONNECT_TIMEOUT':
        return 'connect timeout';
      case 'UND_ERR_HEADERS_TIMEOUT':
      case 'UND_ERR_BODY_TIMEOUT':
      case 'ABORT_ERR':
      case 'UND_ERR_ABORTED':
        return 'timeout';
      case 'UND_ERR_SOCKET':
        // undici's "other side closed": the peer closed without (or in the middle of) an answer.
        return phase === 'body' ? 'body truncated' : 'closed before response';
      case 'UND_ERR_HEADERS_OVERFLOW':
        return 'headers too large';
      case 'HPE_INVALID_CONSTANT':
      case 'HPE_INVALID_STATUS':
      case 'HPE_INVALID_VERSION':
        return 'invalid HTTP response';
      default:
        if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return `tls: ${code}`;
        if (code.startsWith('HPE_')) return 'invalid HTTP response';
        return code;
    }
  }
  if (e?.name === 'HTTPParserError') return 'invalid HTTP response';
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'timeout';
  const causeCode = (e?.cause as { code?: unknown } | undefined)?.code;
  if (typeof causeCode === 'string') return errorReason(e?.cause, phase, aborted);
  return typeof e?.message === 'string' && e.message ? e.message.slice(0, 120) : String(err).slice(0, 120);
}
