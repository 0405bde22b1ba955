import { destinationId, pickKey, serviceKeyId } from './reconcile-keys.js';
import type { Destination, DestinationConfig, IpvsBatchOp, IpvsBatchResult, IpvsDataplane, Service, ServiceConfig, ServiceKey, SyncDaemonConfig } from './types.js';

/** The error an in-memory table raises, shaped like a kernel refusal. */
export class MemoryDataplaneError extends Error {
  readonly code = 'HACORE_ERR_IPVS_KERNEL';
  constructor(
    readonly errno: string,
    readonly operation: string,
  ) {
    super(`${operation}: ${errno}`);
    this.name = 'MemoryDataplaneError';
  }
}

/** The schedulers Debian's kernel ships as modules. */
export const KNOWN_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos'] as const;

export type Refusal = (operation: string, key: ServiceKey, dest?: Pick<DestinationConfig, 'address' | 'port'>) => string | undefined;

/**
 * An IpvsDataplane held in memory, for unit tests of the reconciler and for
 * dry runs. It refuses what the kernel refuses that matters to a reconciler
 * (EEXIST, ESRCH, ENOENT for an unknown scheduler or destination) and can be
 * told to refuse any operation with `refuse`.
 */
export class MemoryDataplane implements IpvsDataplane {
  private readonly services = new Map<string, { svc: Service; dests: Map<string, Destination> }>();
  /** Every mutating call, in order: `addService tcp:...`. */
  readonly calls: string[] = [];
  refuse: Refusal | undefined;
  /** Present with `{ batch: true }`: the optional pipelined entry point, one result per op. */
  readonly applyBatch?: (ops: readonly IpvsBatchOp[]) => Promise<IpvsBatchResult[]>;
  /** Number of applyBatch calls. */
  batches = 0;
  /** The sync daemons, at most one per state as in the kernel. */
  readonly daemons: SyncDaemonConfig[] = [];

  constructor(options: { batch?: boolean } = {}) {
    if (options.batch) {
      this.applyBatch = async (ops) => {
        this.batches++;
        const out: IpvsBatchResult[] = [];
        for (const o of ops) {
          try {
            if (o.op === 'addService') await this.addService(o.service);
            else if (o.op === 'editService') await this.editService(o.service);
            else if (o.op === 'deleteService') await this.deleteService(o.key);
            else if (o.op === 'addDestination') await this.addDestination(o.key, o.destination);
            else if (o.op === 'editDestination') await this.editDestination(o.key, o.destination);
            else await this.deleteDestination(o.key, o.destination);
            out.push({ ok: true });
          } catch (err) {
            out.push({ ok: false, error: err as MemoryDataplaneError });
          }
        }
        return out;
      };
    }
  }

  private check(operation: string, key: ServiceKey, dest?: Pick<DestinationConfig, 'address' | 'port'>): void {
    const errno = this.refuse?.(operation, key, dest);
    if (errno) throw new MemoryDataplaneError(errno, operation);
  }

  private get(operation: string, key: ServiceKey): { svc: Service; dests: Map<string, Destination> } {
    const s = this.services.get(serviceKeyId(key));
    if (!s) throw new MemoryDataplaneError('ESRCH', operation);
    return s;
  }

  async listServices(): Promise<Service[]> {
    return [...this.services.values()].map((s) => structuredClone(s.svc));
  }

  async addService(svc: ServiceConfig): Promise<void> {
    this.calls.push(`addService ${serviceKeyId(svc.key)}`);
    this.check('addService', svc.key);
    if (!(KNOWN_SCHEDULERS as readonly string[]).includes(svc.scheduler)) throw new MemoryDataplaneError('ENOENT', 'addService');
    const id = serviceKeyId(svc.key);
    if (this.services.has(id)) throw new MemoryDataplaneError('EEXIST', 'addService');
    this.services.set(id, { svc: structuredClone({ ...svc, key: pickKey(svc.key) }), dests: new Map() });
  }

  async editService(svc: ServiceConfig): Promise<void> {
    this.calls.push(`editService ${serviceKeyId(svc.key)}`);
    this.check('editService', svc.key);
    const s = this.get('editService', svc.key);
    if (!(KNOWN_SCHEDULERS as readonly string[]).includes(svc.scheduler)) throw new MemoryDataplaneError('ENOENT', 'editService');
    s.svc = structuredClone({ ...svc, key: pickKey(svc.key) });
  }

  async deleteService(key: ServiceKey): Promise<void> {
    this.calls.push(`deleteService ${serviceKeyId(key)}`);
    this.check('deleteService', key);
    this.get('deleteService', key);
    this.services.delete(serviceKeyId(key));
  }

  async listDestinations(key: ServiceKey): Promise<Destination[]> {
    return [...this.get('listDestinations', key).dests.values()].map((d) => structuredClone(d));
  }

  async addDestination(key: ServiceKey, dest: DestinationConfig): Promise<void> {
    this.calls.push(`addDestination ${serviceKeyId(key)} ${destinationId(dest)}`);
    this.check('addDestination', key, dest);
    const s = this.get('addDestination', key);
    if (s.dests.has(destinationId(dest))) throw new MemoryDataplaneError('EEXIST', 'addDestination');
    s.dests.set(destinationId(dest), structuredClone(dest));
  }

  async editDestination(key: ServiceKey, dest: DestinationConfig): Promise<void> {
    this.calls.push(`editDestination ${serviceKeyId(key)} ${destinationId(dest)}`);
    this.check('editDestination', key, dest);
    const s = this.get('editDestination', key);
    if (!s.dests.has(destinationId(dest))) throw new MemoryDataplaneError('ENOENT', 'editDestination');
    s.dests.set(destinationId(dest), structuredClone(dest));
  }

  async deleteDestination(key: ServiceKey, dest: Pick<DestinationConfig, 'address' | 'port'>): Promise<void> {
    this.calls.push(`deleteDestination ${serviceKeyId(key)} ${destinationId(dest)}`);
    this.check('deleteDestination', key, dest);
    const s = this.get('deleteDestination', key);
    if (!s.dests.delete(destinationId(dest))) throw new MemoryDataplaneError('ENOENT', 'deleteDestination');
  }

  async listSyncDaemons(): Promise<SyncDaemonConfig[]> {
    return this.daemons.map((d) => ({ ...d }));
  }

  async startSyncDaemon(cfg: SyncDaemonConfig): Promise<void> {
    this.calls.push(`startSyncDaemon ${cfg.state} ${cfg.interface} ${cfg.syncId}`);
    if (this.daemons.some((d) => d.state === cfg.state)) throw new MemoryDataplaneError('EEXIST', 'startSyncDaemon');
    // Like Linux 4.3+, which reports its defaults for what was not given (maxLength from a 1500-byte MTU).
    this.daemons.push({ maxLength: 1472, multicastGroup: '224.0.0.81', multicastPort: 8848, multicastTtl: 1, ...cfg });
  }

  async stopSyncDaemon(state: SyncDaemonConfig['state']): Promise<void> {
    this.calls.push(`stopSyncDaemon ${state}`);
    const i = this.daemons.findIndex((d) => d.state === state);
    if (i < 0) throw new MemoryDataplaneError('ESRCH', 'stopSyncDaemon');
    this.daemons.splice(i, 1);
  }
}
