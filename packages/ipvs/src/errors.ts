/**
 * Errors of the IPVS client, each with a stable `code` (tests and callers
 * assert the code, never the wording).
 */
import { getSystemErrorName } from 'node:util';

/** The operations of the client, as they appear in `IpvsError.op`. */
export type IpvsOperation =
  | 'getInfo'
  | 'listServices'
  | 'getService'
  | 'addService'
  | 'editService'
  | 'deleteService'
  | 'listDestinations'
  | 'addDestination'
  | 'editDestination'
  | 'deleteDestination'
  | 'flush'
  | 'zero'
  | 'getTimeouts'
  | 'setTimeouts'
  | 'listSyncDaemons'
  | 'startSyncDaemon'
  | 'stopSyncDaemon';

/** The kernel refused an operation: `errno` is its name (`EEXIST`), `op` the operation. */
export class IpvsError extends Error {
  readonly code = 'HACORE_ERR_IPVS' as const;
  readonly errno: string;
  /** The positive errno number (17 for EEXIST). */
  readonly errnoNumber: number;
  readonly op: IpvsOperation;
  /** What the operation was about (`tcp 198.51.100.10:80`, `-> 203.0.113.5:80`), for messages. */
  readonly target: string | undefined;

  constructor(op: IpvsOperation, errnoNumber: number, target?: string, options?: ErrorOptions) {
    const errno = errnoName(errnoNumber);
    super(`IPVS ${op}${target ? ` ${target}` : ''} failed: ${errno} (${describeErrno(op, errno)})`, options);
    this.name = 'IpvsError';
    this.errno = errno;
    this.errnoNumber = errnoNumber;
    this.op = op;
    this.target = target;
  }
}

/** The kernel has no IPVS (module not loaded, or not built). */
export class IpvsUnavailableError extends Error {
  readonly code = 'HACORE_ERR_IPVS_UNAVAILABLE' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IpvsUnavailableError';
  }
}

/** A request the client refuses before it reaches the kernel (bad address, port, name). */
export class IpvsInputError extends Error {
  readonly code = 'HACORE_ERR_IPVS_INPUT' as const;
  constructor(message: string) {
    super(message);
    this.name = 'IpvsInputError';
  }
}

/** The netlink conversation itself failed (timeout, malformed reply, socket closed). */
export class IpvsProtocolError extends Error {
  readonly code = 'HACORE_ERR_IPVS_PROTOCOL' as const;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IpvsProtocolError';
  }
}

export function errnoName(errnoNumber: number): string {
  try {
    return getSystemErrorName(-Math.abs(errnoNumber));
  } catch {
    return `E${Math.abs(errnoNumber)}`;
  }
}

/** What ipvsadm would say, so that messages read familiar to operators. */
function describeErrno(op: IpvsOperation, errno: string): string {
  const service = /Service/.test(op);
  switch (errno) {
    case 'EEXIST':
      return op === 'startSyncDaemon' ? 'sync daemon already running' : service ? 'service already exists' : 'destination already exists';
    case 'ESRCH':
      return 'no such service';
    case 'ENOENT':
      return service ? 'scheduler or persistence engine not found' : 'no such destination';
    case 'EINVAL':
      return 'invalid request';
    case 'EAFNOSUPPORT':
      return 'address family not supported';
    case 'EPERM':
      return 'permission denied (CAP_NET_ADMIN needed)';
    case 'ENODEV':
      return 'no such interface';
    case 'EBUSY':
      return 'busy';
    default:
      return 'refused by the kernel';
  }
}
