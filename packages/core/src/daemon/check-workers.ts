import { availableParallelism } from 'node:os';
import type { HacoreConfig } from '../types.js';

/** The default of `checkWorkers`: one per core, at most 4 (beyond that the check process's hooks, not the probes, set the pace). */
export const MAX_DEFAULT_CHECK_WORKERS = 4;

/** How many check workers the config asks for: `checkWorkers`, else the number of cores up to 4. 1 means none (checks run in the check process). */
export function resolveCheckWorkers(config: Pick<HacoreConfig, 'checkWorkers'>, cores = availableParallelism()): number {
  return config.checkWorkers ?? Math.max(1, Math.min(MAX_DEFAULT_CHECK_WORKERS, cores));
}
