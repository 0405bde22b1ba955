import { StateFile } from '@hacore/core';

/** What a stored service id looks like (serviceKeyId): `tcp:198.51.100.10:80`, `udp:[2001:db8::1]:53`, `fwmark4:7`. */
const SERVICE_ID = /^(?:(?:tcp|udp|sctp):(?:[0-9.]+|\[[0-9a-f:.]+\]):\d{1,5}|fwmark[46]:\d{1,10})$/;

interface OwnedDoc {
  version: 1;
  services: string[];
}

function parseOwned(raw: unknown): OwnedDoc {
  const doc = raw as { version?: unknown; services?: unknown };
  if (doc?.version !== 1) throw new Error('no "version": 1');
  if (!Array.isArray(doc.services)) throw new Error('no "services" list');
  for (const id of doc.services) {
    if (typeof id !== 'string' || !SERVICE_ID.test(id)) throw new Error(`${JSON.stringify(id)} is not a service id`);
  }
  return { version: 1, services: doc.services as string[] };
}

/**
 * The kernel services hacore owns (created or adopted), kept in
 * `stateDir/ipvs-owned.json` across restarts: a service removed from the
 * config while hacore was stopped (or killed) is still ours at the next start,
 * and is removed instead of being left as a foreign one. A missing or
 * unreadable file means "own nothing": nothing is deleted that the config
 * does not name.
 */
export class OwnershipStore {
  private store: StateFile<OwnedDoc> | undefined;
  private saved = '';
  private warned = false;

  /** Reads the stored set; `problem` is a line to log when the file was unusable. */
  open(stateDir: string): { owned: Set<string>; problem?: string } {
    this.store = new StateFile(stateDir, 'ipvs-owned.json', parseOwned, () => ({ version: 1, services: [] }));
    const r = this.store.read();
    const services = r.value.services;
    this.saved = JSON.stringify([...services].sort());
    this.warned = false;
    return { owned: new Set(services), ...(r.problem ? { problem: r.problem } : {}) };
  }

  get file(): string | undefined {
    return this.store?.file;
  }

  /** Writes the set when it changed (atomically); a write failure is returned once, for a log line. */
  save(owned: Iterable<string>): string | undefined {
    if (!this.store) return undefined;
    const services = [...owned].sort();
    const text = JSON.stringify(services);
    if (text === this.saved) return undefined;
    try {
      this.store.write({ version: 1, services });
      this.saved = text;
      this.warned = false;
      return undefined;
    } catch (err) {
      if (this.warned) return undefined;
      this.warned = true;
      return `ipvs: cannot persist the owned services (${(err as Error).message}); a service removed from the config while hacore is stopped will be left in the kernel`;
    }
  }
}
