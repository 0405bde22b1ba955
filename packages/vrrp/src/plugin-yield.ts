import { StateFile } from '@hacore/core';

function parseYielded(raw: unknown): Record<string, number> {
  const y = (raw as { yielded?: unknown })?.yielded;
  if (typeof y !== 'object' || y === null || Array.isArray(y)) throw new Error('no "yielded" map');
  const out: Record<string, number> = {};
  for (const [name, since] of Object.entries(y)) out[name] = typeof since === 'number' ? since : 0;
  return out;
}

/**
 * Instances an operator made give up master for maintenance (`hacore yield`,
 * the web console): stopped as on a graceful stop (a priority-0 advert, VIPs
 * removed) and kept out of elections, across reloads and restarts, until
 * `unyield`. Stored under stateDir by instance name.
 */
export class YieldedInstances {
  private yielded: Record<string, number> = {};
  private store: StateFile<{ yielded: Record<string, number> }> | undefined;

  open(stateDir: string): string | undefined {
    this.store = new StateFile(stateDir, 'vrrp-yielded.json', (raw) => ({ yielded: parseYielded(raw) }), () => ({ yielded: {} }));
    const r = this.store.read();
    this.yielded = r.value.yielded;
    return r.problem;
  }

  has(name: string): boolean {
    return Object.hasOwn(this.yielded, name);
  }

  since(name: string): number | undefined {
    return this.yielded[name];
  }

  /** Records the change before it is made, so that a restart cannot undo it. */
  set(name: string, yielded: boolean, now = Date.now()): void {
    const next = { ...this.yielded };
    if (yielded) next[name] = now;
    else delete next[name];
    this.store?.write({ yielded: next });
    this.yielded = next;
  }
}
