/**
 * A typed client of the kernel's IPVS over generic netlink (family "IPVS"),
 * usable as a library on its own and the default IpvsDataplane of the
 * reconciler. Every kernel refusal becomes an IpvsError naming the operation
 * and the errno.
 */
import { GenlTransport, type GenlReply, type GenlTransportOptions } from './genl-transport.js';
import { IpvsError, type IpvsOperation, IpvsProtocolError } from './errors.js';
import { formatHostPort } from '@hacore/core/ip-address';
import { normalizeAddress } from './nf-inet-addr.js';
import {
  decodeDaemon, decodeDestination, decodeInfo, decodeService, decodeTimeouts, encodeDaemon, encodeDaemonState,
  encodeDestination, encodeDestinationKey, encodeService, encodeServiceKey, encodeTimeouts,
} from './ipvs-codec.js';
import { Cmd, IPVS_GENL_NAME } from './ipvs-attrs.js';
import type {
  Destination, DestinationConfig, IpvsBatchOp, IpvsBatchResult, IpvsDataplane, IpvsInfo, IpvsTimeouts, Service,
  ServiceConfig, ServiceKey, SyncDaemonConfig,
} from './types.js';

export type IpvsClientOptions = GenlTransportOptions;

/** A service with its destinations, as `listAll` reads them. */
export interface ServiceWithDestinations extends Service {
  destinations: Destination[];
}

/** `tcp 198.51.100.10:80`, `fwmark 7 (IPv6)`: names a service in error messages. */
export function describeServiceKey(key: ServiceKey): string {
  if (key.fwmark !== undefined) return `fwmark ${key.fwmark}${key.family === 6 ? ' (IPv6)' : ''}`;
  let addr = key.address;
  try {
    addr = normalizeAddress(key.address);
  } catch {
    // left as given; the codec reports the bad address
  }
  return `${key.protocol} ${formatHostPort(addr, key.port)}`;
}

function describeDest(key: ServiceKey, dest: Pick<DestinationConfig, 'address' | 'port'>): string {
  return `${describeServiceKey(key)} -> ${formatHostPort(dest.address, dest.port)}`;
}

export class IpvsClient implements IpvsDataplane {
  readonly #t: GenlTransport;

  private constructor(t: GenlTransport) {
    this.#t = t;
  }

  /** Opens a netlink socket and resolves the IPVS family (IpvsUnavailableError without IPVS). */
  static async open(options: IpvsClientOptions = {}): Promise<IpvsClient> {
    return new IpvsClient(await GenlTransport.open(IPVS_GENL_NAME, options));
  }

  /** The resolved generic-netlink family (id, version, number of operations). */
  get family(): GenlTransport['family'] {
    return this.#t.family;
  }

  close(): void {
    this.#t.close();
  }

  async #do(op: IpvsOperation, cmd: number, attrs: Buffer, target?: string): Promise<GenlReply[]> {
    const { errno, replies } = await this.#t.exclusive(() => this.#t.request(cmd, attrs));
    if (errno) throw new IpvsError(op, errno, target);
    return replies;
  }

  async #dump(op: IpvsOperation, cmd: number, attrs: Buffer, target?: string): Promise<GenlReply[]> {
    const { errno, replies } = await this.#t.exclusive(() => this.#t.dump(cmd, attrs));
    if (errno) throw new IpvsError(op, errno, target);
    return replies;
  }

  /** IPVS version and connection table size. */
  async getInfo(): Promise<IpvsInfo> {
    const [reply] = await this.#do('getInfo', Cmd.GET_INFO, Buffer.alloc(0));
    if (!reply) throw new IpvsProtocolError('no reply to IPVS_CMD_GET_INFO');
    return decodeInfo(reply.payload);
  }

  /** Every service with its statistics, in the kernel's order. */
  async listServices(): Promise<Service[]> {
    const replies = await this.#dump('listServices', Cmd.GET_SERVICE, Buffer.alloc(0));
    return replies.map((r) => decodeService(r.payload)).filter((s): s is Service => s !== undefined);
  }

  /** One service, or undefined when the kernel has none with this key. */
  async getService(key: ServiceKey): Promise<Service | undefined> {
    try {
      const [reply] = await this.#do('getService', Cmd.GET_SERVICE, encodeServiceKey(key), describeServiceKey(key));
      return reply ? decodeService(reply.payload) : undefined;
    } catch (err) {
      if (err instanceof IpvsError && (err.errno === 'ESRCH' || err.errno === 'ENOENT')) return undefined;
      throw err;
    }
  }

  async addService(svc: ServiceConfig): Promise<void> {
    await this.#do('addService', Cmd.NEW_SERVICE, encodeService(svc), describeServiceKey(svc.key));
  }

  /** Changes scheduler, flags, persistence of an existing service (the key stays). */
  async editService(svc: ServiceConfig): Promise<void> {
    await this.#do('editService', Cmd.SET_SERVICE, encodeService(svc), describeServiceKey(svc.key));
  }

  async deleteService(key: ServiceKey): Promise<void> {
    await this.#do('deleteService', Cmd.DEL_SERVICE, encodeServiceKey(key), describeServiceKey(key));
  }

  /**
   * The destinations of a service; IpvsError ESRCH when the service does not
   * exist (the kernel's dump alone would return an empty list).
   */
  async listDestinations(key: ServiceKey): Promise<Destination[]> {
    const target = describeServiceKey(key);
    return this.#t.exclusive(async () => {
      const check = await this.#t.request(Cmd.GET_SERVICE, encodeServiceKey(key));
      if (check.errno) throw new IpvsError('listDestinations', check.errno, target);
      const { errno, replies } = await this.#t.dump(Cmd.GET_DEST, encodeServiceKey(key));
      if (errno) throw new IpvsError('listDestinations', errno, target);
      return replies.map((r) => decodeDestination(r.payload, key.family)).filter((d): d is Destination => d !== undefined);
    });
  }

  /** Every service with its destinations, read in one turn. */
  async listAll(): Promise<ServiceWithDestinations[]> {
    return this.#t.exclusive(async () => {
      const s = await this.#t.dump(Cmd.GET_SERVICE, Buffer.alloc(0));
      if (s.errno) throw new IpvsError('listServices', s.errno);
      const out: ServiceWithDestinations[] = [];
      for (const r of s.replies) {
        const svc = decodeService(r.payload);
        if (!svc) continue;
        const d = await this.#t.dump(Cmd.GET_DEST, encodeServiceKey(svc.key));
        if (d.errno) throw new IpvsError('listDestinations', d.errno, describeServiceKey(svc.key));
        const destinations = d.replies
          .map((x) => decodeDestination(x.payload, svc.key.family))
          .filter((x): x is Destination => x !== undefined);
        out.push({ ...svc, destinations });
      }
      return out;
    });
  }

  async addDestination(key: ServiceKey, dest: DestinationConfig): Promise<void> {
    await this.#do('addDestination', Cmd.NEW_DEST, encodeDestination(key, dest), describeDest(key, dest));
  }

  async editDestination(key: ServiceKey, dest: DestinationConfig): Promise<void> {
    await this.#do('editDestination', Cmd.SET_DEST, encodeDestination(key, dest), describeDest(key, dest));
  }

  async deleteDestination(key: ServiceKey, dest: Pick<DestinationConfig, 'address' | 'port' | 'family'>): Promise<void> {
    await this.#do('deleteDestination', Cmd.DEL_DEST, encodeDestinationKey(key, dest), describeDest(key, dest));
  }

  /** Removes every service and destination (`ipvsadm -C`). */
  async flush(): Promise<void> {
    await this.#do('flush', Cmd.FLUSH, Buffer.alloc(0));
  }

  /** Zeroes the counters of one service, or of everything (`ipvsadm -Z`). */
  async zero(key?: ServiceKey): Promise<void> {
    await this.#do('zero', Cmd.ZERO, key ? encodeServiceKey(key) : Buffer.alloc(0), key ? describeServiceKey(key) : undefined);
  }

  async getTimeouts(): Promise<IpvsTimeouts> {
    const [reply] = await this.#do('getTimeouts', Cmd.GET_CONFIG, Buffer.alloc(0));
    if (!reply) throw new IpvsProtocolError('no reply to IPVS_CMD_GET_CONFIG');
    return decodeTimeouts(reply.payload);
  }

  /** Sets the tcp / tcpfin / udp timeouts in seconds; 0 or absent leaves one unchanged. */
  async setTimeouts(t: Partial<IpvsTimeouts>): Promise<void> {
    await this.#do('setTimeouts', Cmd.SET_CONFIG, encodeTimeouts(t));
  }

  /** The running connection-sync daemons (master and/or backup). */
  async listSyncDaemons(): Promise<SyncDaemonConfig[]> {
    const replies = await this.#dump('listSyncDaemons', Cmd.GET_DAEMON, Buffer.alloc(0));
    return replies.map((r) => decodeDaemon(r.payload)).filter((d): d is SyncDaemonConfig => d !== undefined);
  }

  /** Starts keepalived's lvs_sync_daemon: connections survive a failover between two directors. */
  async startSyncDaemon(cfg: SyncDaemonConfig): Promise<void> {
    await this.#do('startSyncDaemon', Cmd.NEW_DAEMON, encodeDaemon(cfg), `${cfg.state} on ${cfg.interface}`);
  }

  async stopSyncDaemon(state: SyncDaemonConfig['state']): Promise<void> {
    await this.#do('stopSyncDaemon', Cmd.DEL_DAEMON, encodeDaemonState(state), state);
  }

  /**
   * Applies many changes in one pipelined turn (several commands per
   * datagram). Each op gets its result in order; a refusal (or a bad input,
   * reported without reaching the kernel) leaves the others applied.
   */
  async applyBatch(ops: readonly IpvsBatchOp[]): Promise<IpvsBatchResult[]> {
    const results: IpvsBatchResult[] = new Array<IpvsBatchResult>(ops.length);
    const requests: { cmd: number; attrs: Buffer }[] = [];
    const index: number[] = [];
    ops.forEach((o, i) => {
      try {
        requests.push(batchRequest(o));
        index.push(i);
      } catch (err) {
        results[i] = { ok: false, error: err as Error };
      }
    });
    const errnos = await this.#t.exclusive(() => this.#t.batch(requests));
    errnos.forEach((errno, k) => {
      const i = index[k]!;
      // Described only on failure: the happy path of a large batch stays cheap.
      results[i] = errno ? { ok: false, error: new IpvsError(ops[i]!.op, errno, describeOp(ops[i]!)) } : { ok: true };
    });
    return results;
  }
}

function batchRequest(o: IpvsBatchOp): { cmd: number; attrs: Buffer } {
  switch (o.op) {
    case 'addService':
      return { cmd: Cmd.NEW_SERVICE, attrs: encodeService(o.service) };
    case 'editService':
      return { cmd: Cmd.SET_SERVICE, attrs: encodeService(o.service) };
    case 'deleteService':
      return { cmd: Cmd.DEL_SERVICE, attrs: encodeServiceKey(o.key) };
    case 'addDestination':
      return { cmd: Cmd.NEW_DEST, attrs: encodeDestination(o.key, o.destination) };
    case 'editDestination':
      return { cmd: Cmd.SET_DEST, attrs: encodeDestination(o.key, o.destination) };
    case 'deleteDestination':
      return { cmd: Cmd.DEL_DEST, attrs: encodeDestinationKey(o.key, o.destination) };
  }
}

function describeOp(o: IpvsBatchOp): string {
  switch (o.op) {
    case 'addService':
    case 'editService':
      return describeServiceKey(o.service.key);
    case 'deleteService':
      return describeServiceKey(o.key);
    default:
      return describeDest(o.key, o.destination);
  }
}

/** Opens the client as the reconciler's data plane. */
export function openIpvsDataplane(options: IpvsClientOptions = {}): Promise<IpvsClient> {
  return IpvsClient.open(options);
}
