import { describeOp, opKey, planReconcile, type CurrentService, type DesiredService, type ReconcileOp } from './reconcile.js';
import { serviceKeyId } from './reconcile-keys.js';
import type { Destination, IpvsBatchOp, IpvsDataplane, Service } from './types.js';

/** A kernel (or backend) refusal of one operation. */
export interface OpFailure {
  op: ReconcileOp;
  /** `add-destination tcp:198.51.100.10:80 -> 198.51.100.21:80 (weight 1)`. */
  description: string;
  /** errno name when the backend reported one (`EEXIST`, `ENOENT`, ...), else the error's code or `UNKNOWN`. */
  errno: string;
  message: string;
}

export interface ApplyReport {
  /** Operations the backend accepted. */
  applied: ReconcileOp[];
  failed: OpFailure[];
  /** Operations not tried because the service they need failed to be added. */
  skipped: ReconcileOp[];
  /** What still differs after reading the table back: empty when the kernel matches. */
  remaining: ReconcileOp[];
  adopted: string[];
  foreign: string[];
  /** serviceKeyId of every service we own after this pass. */
  owned: string[];
  durationMs: number;
}

/** A backend that can read services with their destinations in one turn (the netlink client's `listAll`). */
interface ListAll {
  listAll(): Promise<(Service & { destinations: Destination[] })[]>;
}

/** Reads the whole table: every service and its destinations. */
export async function readTable(dp: IpvsDataplane, only?: ReadonlySet<string>): Promise<CurrentService[]> {
  const la = (dp as Partial<ListAll>).listAll;
  if (typeof la === 'function') {
    return (await la.call(dp)).map(({ destinations, ...service }) => ({ service, destinations }));
  }
  const services = await dp.listServices();
  const out: CurrentService[] = [];
  for (const service of services) {
    // Destinations of services we will never touch are not needed for the diff.
    const destinations = only && !only.has(serviceKeyId(service.key)) ? [] : await dp.listDestinations(service.key);
    out.push({ service, destinations });
  }
  return out;
}

/** The errno name of a backend error, whatever its shape. */
export function errnoOf(err: unknown): string {
  const e = err as { errno?: unknown; errnoName?: unknown; code?: unknown } | undefined;
  if (e && typeof e.errnoName === 'string') return e.errnoName;
  if (e && typeof e.errno === 'string') return e.errno;
  if (e && typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code)) return e.code;
  if (e && typeof e.code === 'string') return e.code;
  if (e && typeof e.errno === 'number') return `errno ${e.errno}`;
  return 'UNKNOWN';
}

async function runOp(dp: IpvsDataplane, op: ReconcileOp): Promise<void> {
  switch (op.op) {
    case 'add-service':
      return dp.addService(op.service);
    case 'edit-service':
      return dp.editService(op.service);
    case 'delete-service':
      return dp.deleteService(op.key);
    case 'add-destination':
      return dp.addDestination(op.key, op.destination);
    case 'edit-destination':
      return dp.editDestination(op.key, op.destination);
    case 'delete-destination':
      return dp.deleteDestination(op.key, op.destination);
  }
}

function toBatchOp(op: ReconcileOp): IpvsBatchOp {
  switch (op.op) {
    case 'add-service':
      return { op: 'addService', service: op.service };
    case 'edit-service':
      return { op: 'editService', service: op.service };
    case 'delete-service':
      return { op: 'deleteService', key: op.key };
    case 'add-destination':
      return { op: 'addDestination', key: op.key, destination: op.destination };
    case 'edit-destination':
      return { op: 'editDestination', key: op.key, destination: op.destination };
    case 'delete-destination':
      return { op: 'deleteDestination', key: op.key, destination: op.destination };
  }
}

const isServiceOp = (op: ReconcileOp) => op.op === 'add-service' || op.op === 'edit-service' || op.op === 'delete-service';

function failure(op: ReconcileOp, err: unknown): OpFailure {
  return { op, description: describeOp(op), errno: errnoOf(err), message: (err as Error)?.message ?? String(err) };
}

/**
 * Runs the ops in order. A refusal is recorded and the rest still run, except
 * the destinations of a service whose add was refused, which cannot succeed.
 * A backend with `applyBatch` gets two pipelined rounds: the services, then
 * the destinations (so a refused service can still skip its destinations).
 */
export async function applyOps(dp: IpvsDataplane, ops: readonly ReconcileOp[]): Promise<Pick<ApplyReport, 'applied' | 'failed' | 'skipped'>> {
  const applied: ReconcileOp[] = [];
  const failed: OpFailure[] = [];
  const skipped: ReconcileOp[] = [];
  const missing = new Set<string>();
  if (dp.applyBatch) {
    const rounds = [ops.filter(isServiceOp), ops.filter((o) => !isServiceOp(o))];
    for (const round of rounds) {
      const todo = round.filter((op) => {
        if (!isServiceOp(op) && missing.has(serviceKeyId(opKey(op)))) {
          skipped.push(op);
          return false;
        }
        return true;
      });
      if (todo.length === 0) continue;
      const results = await dp.applyBatch(todo.map(toBatchOp));
      todo.forEach((op, i) => {
        const r = results[i];
        if (r?.ok) applied.push(op);
        else {
          if (op.op === 'add-service') missing.add(serviceKeyId(op.service.key));
          failed.push(failure(op, r ? r.error : new Error('no result from applyBatch')));
        }
      });
    }
    return { applied, failed, skipped };
  }
  for (const op of ops) {
    const id = serviceKeyId(opKey(op));
    if ((op.op === 'add-destination' || op.op === 'edit-destination') && missing.has(id)) {
      skipped.push(op);
      continue;
    }
    try {
      await runOp(dp, op);
      applied.push(op);
    } catch (err) {
      if (op.op === 'add-service') missing.add(id);
      failed.push(failure(op, err));
    }
  }
  return { applied, failed, skipped };
}

/**
 * Reads back after a pass: the service list (one dump) and the destinations
 * of the services the pass touched; the others are taken from `before`.
 */
export async function readBack(dp: IpvsDataplane, before: readonly CurrentService[], touched: ReadonlySet<string>, relevant: ReadonlySet<string>): Promise<CurrentService[]> {
  const prev = new Map(before.map((c) => [serviceKeyId(c.service.key), c]));
  const out: CurrentService[] = [];
  for (const service of await dp.listServices()) {
    const id = serviceKeyId(service.key);
    const p = prev.get(id);
    const destinations =
      touched.has(id) || (!p && relevant.has(id)) ? await dp.listDestinations(service.key) : (p?.destinations ?? []);
    out.push({ service, destinations });
  }
  return out;
}

export interface ReconcileOptions {
  /**
   * The table as the previous pass left it: no read before the diff, and only
   * the touched services are read back. Without it the whole table is read.
   */
  current?: readonly CurrentService[];
}

/** A pass's report, with the table as read back (to hand to the next pass as `current`). */
export interface ReconcileResult extends ApplyReport {
  table: CurrentService[];
  /** True when the pass started from `current` instead of reading the table. */
  incremental: boolean;
}

/**
 * One reconcile pass: read, diff, apply, read back. `owned` is what we owned
 * before the pass; the report's `owned` is what we own after it. A pass with
 * nothing to do writes nothing and reads nothing back.
 */
export async function reconcile(
  dp: IpvsDataplane,
  desired: readonly DesiredService[],
  owned: ReadonlySet<string>,
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const t0 = performance.now();
  const relevant = new Set<string>([...owned, ...desired.map((d) => serviceKeyId(d.service.key))]);
  const before = options.current ? [...options.current] : await readTable(dp, relevant);
  const plan = planReconcile(desired, before, owned);
  const { applied, failed, skipped } = plan.ops.length > 0 ? await applyOps(dp, plan.ops) : { applied: [], failed: [], skipped: [] };
  const after = plan.ops.length > 0 ? await readBack(dp, before, new Set(plan.ops.map((o) => serviceKeyId(opKey(o)))), relevant) : before;
  const verify = plan.ops.length > 0 ? planReconcile(desired, after, owned) : plan;
  const present = new Set(after.map((c) => serviceKeyId(c.service.key)));
  // We own what we wanted and what we owned but could not delete.
  const nowOwned = [...relevant].filter((id) => present.has(id));
  return {
    applied,
    failed,
    skipped,
    remaining: verify.ops,
    adopted: plan.adopted,
    foreign: plan.foreign,
    owned: nowOwned,
    durationMs: performance.now() - t0,
    table: after,
    incremental: options.current !== undefined,
  };
}
