import { describeOp, opKey, planReconcile, type CurrentService, type DesiredService, type ReconcileOp } from './reconcile.js';
import { serviceKeyId } from './reconcile-keys.js';
import type { IpvsDataplane } from './types.js';

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

/** Reads the whole table: every service and its destinations. */
export async function readTable(dp: IpvsDataplane, only?: ReadonlySet<string>): Promise<CurrentService[]> {
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

/**
 * Runs the ops in order. A refusal is recorded and the rest still run, except
 * the destinations of a service whose add was refused, which cannot succeed.
 */
export async function applyOps(dp: IpvsDataplane, ops: readonly ReconcileOp[]): Promise<Pick<ApplyReport, 'applied' | 'failed' | 'skipped'>> {
  const applied: ReconcileOp[] = [];
  const failed: OpFailure[] = [];
  const skipped: ReconcileOp[] = [];
  const missing = new Set<string>();
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
      failed.push({ op, description: describeOp(op), errno: errnoOf(err), message: (err as Error)?.message ?? String(err) });
    }
  }
  return { applied, failed, skipped };
}

/**
 * One reconcile pass: read, diff, apply, read back. `owned` is what we owned
 * before the pass; the report's `owned` is what we own after it.
 */
export async function reconcile(dp: IpvsDataplane, desired: readonly DesiredService[], owned: ReadonlySet<string>): Promise<ApplyReport> {
  const t0 = performance.now();
  const relevant = new Set<string>([...owned, ...desired.map((d) => serviceKeyId(d.service.key))]);
  const before = await readTable(dp, relevant);
  const plan = planReconcile(desired, before, owned);
  const { applied, failed, skipped } = await applyOps(dp, plan.ops);
  const after = await readTable(dp, relevant);
  const verify = planReconcile(desired, after, owned);
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
  };
}
