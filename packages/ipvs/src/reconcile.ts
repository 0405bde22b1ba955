import {
  destinationDiff,
  destinationId,
  pickKey,
  serviceDiff,
  serviceKeyId,
} from './reconcile-keys.js';
import type { Destination, DestinationConfig, Service, ServiceConfig, ServiceKey } from './types.js';

/** A service as it should be in the kernel, with all its destinations. */
export interface DesiredService {
  service: ServiceConfig;
  destinations: DestinationConfig[];
}

/** A service as read from the kernel, with its destinations. */
export interface CurrentService {
  service: Service;
  destinations: Destination[];
}

/** One data-plane operation. `reason` says why the diff asked for it (for logs and status). */
export type ReconcileOp =
  | { op: 'add-service'; service: ServiceConfig }
  | { op: 'edit-service'; service: ServiceConfig; changed: string[] }
  | { op: 'delete-service'; key: ServiceKey }
  | { op: 'add-destination'; key: ServiceKey; destination: DestinationConfig }
  | { op: 'edit-destination'; key: ServiceKey; destination: DestinationConfig; changed: string[] }
  | { op: 'delete-destination'; key: ServiceKey; destination: Pick<DestinationConfig, 'address' | 'port'> };

export type ReconcileOpName = ReconcileOp['op'];

export interface ReconcilePlan {
  ops: ReconcileOp[];
  /** Keys (serviceKeyId) of desired services found in the kernel and taken over as they are. */
  adopted: string[];
  /** Keys of kernel services that are neither desired nor owned: left alone. */
  foreign: string[];
}

/** The service key of an op. */
export function opKey(op: ReconcileOp): ServiceKey {
  return op.op === 'add-service' || op.op === 'edit-service' ? op.service.key : op.key;
}

/** One line describing an op, for logs and errors: `add-destination tcp:198.51.100.10:80 -> 198.51.100.21:80`. */
export function describeOp(op: ReconcileOp): string {
  const key = serviceKeyId(opKey(op));
  switch (op.op) {
    case 'add-service':
      return `add-service ${key} (${op.service.scheduler})`;
    case 'edit-service':
      return `edit-service ${key} (${op.changed.join(', ')})`;
    case 'delete-service':
      return `delete-service ${key}`;
    case 'add-destination':
      return `add-destination ${key} -> ${destinationId(op.destination)} (weight ${op.destination.weight})`;
    case 'edit-destination':
      return `edit-destination ${key} -> ${destinationId(op.destination)} (${op.changed.join(', ')})`;
    case 'delete-destination':
      return `delete-destination ${key} -> ${destinationId(op.destination)}`;
  }
}

const ORDER: Record<ReconcileOpName, number> = {
  // Deleting a service takes its destinations with it, so it goes first and
  // frees what a later add might need; services exist before their destinations.
  'delete-service': 0,
  'add-service': 1,
  'edit-service': 2,
  'delete-destination': 3,
  'edit-destination': 4,
  'add-destination': 5,
};

/**
 * The pure diff: the fewest operations that bring the kernel's table from
 * `current` to `desired`, touching only services in `desired` or `owned`.
 *
 * - A desired service that already exists is adopted (edited in place if its
 *   settings differ, its destinations reconciled), never deleted and re-added,
 *   even if it was made by someone else: the config claims that key, and two
 *   owners of one kernel service could only fight.
 * - A kernel service that is not desired is deleted only if it is in `owned`
 *   (we made or adopted it before and the config no longer has it); any other
 *   is foreign and left exactly as it is.
 * - A second run over the result yields no operations.
 */
export function planReconcile(
  desired: readonly DesiredService[],
  current: readonly CurrentService[],
  owned: ReadonlySet<string> = new Set(),
): ReconcilePlan {
  const ops: ReconcileOp[] = [];
  const adopted: string[] = [];
  const foreign: string[] = [];
  const byId = new Map<string, CurrentService>();
  for (const c of current) byId.set(serviceKeyId(c.service.key), c);
  const wanted = new Set<string>();

  for (const d of desired) {
    const id = serviceKeyId(d.service.key);
    if (wanted.has(id)) continue; // a duplicate key in the input: the first one wins
    wanted.add(id);
    const cur = byId.get(id);
    const dests = dedupeDestinations(d.destinations);
    if (!cur) {
      ops.push({ op: 'add-service', service: d.service });
      for (const dest of dests) ops.push({ op: 'add-destination', key: pickKey(d.service.key), destination: dest });
      continue;
    }
    if (!owned.has(id)) adopted.push(id);
    const changed = serviceDiff(d.service, cur.service);
    if (changed.length > 0) ops.push({ op: 'edit-service', service: d.service, changed });
    const have = new Map<string, Destination>();
    for (const cd of cur.destinations) have.set(destinationId(cd), cd);
    const key = pickKey(d.service.key);
    for (const dest of dests) {
      const existing = have.get(destinationId(dest));
      have.delete(destinationId(dest));
      if (!existing) ops.push({ op: 'add-destination', key, destination: dest });
      else {
        const dchanged = destinationDiff(dest, existing);
        if (dchanged.length > 0) ops.push({ op: 'edit-destination', key, destination: dest, changed: dchanged });
      }
    }
    for (const extra of have.values()) ops.push({ op: 'delete-destination', key, destination: { address: extra.address, port: extra.port } });
  }

  for (const c of current) {
    const id = serviceKeyId(c.service.key);
    if (wanted.has(id)) continue;
    if (owned.has(id)) ops.push({ op: 'delete-service', key: pickKey(c.service.key) });
    else foreign.push(id);
  }

  // Stable sort: within one kind, the order of the config is kept.
  const sorted = ops.map((op, i) => ({ op, i })).sort((a, b) => ORDER[a.op.op] - ORDER[b.op.op] || a.i - b.i).map((x) => x.op);
  return { ops: sorted, adopted, foreign };
}

function dedupeDestinations(list: readonly DestinationConfig[]): DestinationConfig[] {
  const seen = new Set<string>();
  const out: DestinationConfig[] = [];
  for (const d of list) {
    const id = destinationId(d);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out;
}
