import { unknownNameIssue, type ConfigIssue, type HacoreConfig } from '@hacore/core';
import type { VrrpSectionConfig } from './config-schema.js';

/**
 * What the section schema cannot see, for the `validate` hook (so that
 * check-config, start and reload refuse it before anything runs): a tracked
 * check must exist under `checks:` (a real server's inline check counts, the
 * checks are collected first), and an instance tracks a check or an interface
 * once (a second entry would count its weight twice).
 */
export function vrrpReferenceIssues(config: HacoreConfig): ConfigIssue[] {
  const section = config['vrrp'] as VrrpSectionConfig | undefined;
  if (!section) return [];
  const checks = config.checks.map((c) => c.name);
  const issues: ConfigIssue[] = [];
  section.instances.forEach((inst, i) => {
    const at = `vrrp.instances[${i}].track`;
    const seen = new Set<string>();
    inst.track.checks.forEach((t, j) => {
      const unknown = unknownNameIssue(`${at}.checks[${j}]`, t.name, checks, 'the name of a check under checks:');
      if (unknown) issues.push(unknown);
      else if (seen.has(t.name)) issues.push({ path: `${at}.checks[${j}]`, expected: 'a check tracked once per instance', found: JSON.stringify(t.name) });
      seen.add(t.name);
    });
    const ifs = new Set<string>();
    inst.track.interfaces.forEach((t, j) => {
      if (ifs.has(t.name)) issues.push({ path: `${at}.interfaces[${j}]`, expected: 'an interface tracked once per instance', found: JSON.stringify(t.name) });
      ifs.add(t.name);
    });
  });
  return issues;
}
