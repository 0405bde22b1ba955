import { getSystemErrorMap } from 'node:util';

/** Stable codes of this package's errors: match on `code`, never on the wording. */
export type IcmpErrorCode =
  /** The process may not open raw sockets: it lacks CAP_NET_RAW. */
  | 'HACORE_ERR_ICMP_CAP_NET_RAW'
  /** The @hacore/native addon could not be loaded (no prebuild fits and none was compiled). */
  | 'HACORE_ERR_ICMP_RAW_SOCKET_MISSING'
  /** A raw socket could not be opened or configured for another reason. */
  | 'HACORE_ERR_ICMP_SOCKET'
  /** A check's sourceAddress is not of its target's address family. */
  | 'HACORE_ERR_ICMP_SOURCE_FAMILY';

export class IcmpError extends Error {
  readonly code: IcmpErrorCode;
  /** The errno name behind it, e.g. `EPERM`, when there is one. */
  readonly errno: string | undefined;
  constructor(code: IcmpErrorCode, message: string, options: { cause?: unknown; errno?: string } = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'IcmpError';
    this.code = code;
    this.errno = options.errno;
  }
}

let byMessage: Map<string, string> | undefined;

/**
 * The errno name of an error: @hacore/native's carry it as `code`; for an
 * Error with only a strerror(errno) message, libuv's messages are the same
 * texts in lower case, so the name is found by message (e.g. "Operation not
 * permitted" -> EPERM).
 */
export function errnoName(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.message !== 'string') return undefined;
  if (!byMessage) {
    byMessage = new Map();
    for (const [name, message] of getSystemErrorMap().values()) byMessage.set(message.toLowerCase(), name);
  }
  return byMessage.get(e.message.toLowerCase());
}
