import type { HacoreConfig } from '@hacore/core';
import type { VrrpSectionConfig } from './config-schema.js';

/** Checks what the section schema cannot see: tracked checks must exist under `checks:`. */
export function crossCheck(section: VrrpSectionConfig, config: Pick<HacoreConfig, 'checks'>): string[] {
  const names = new Set(config.checks.map((c) => c.name));
  const problems: string[] = [];
  section.instances.forEach((inst, i) => {
    inst.track.checks.forEach((t, j) => {
      if (!names.has(t.name)) problems.push(`vrrp.instances[${i}].track.checks[${j}]: expected the name of a check under checks: (${[...names].join(', ') || 'none defined'}), found "${t.name}"`);
    });
  });
  return problems;
}
