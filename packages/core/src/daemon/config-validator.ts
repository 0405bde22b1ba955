import { validateConfig, type SchemaRegistry } from '../config/compose.js';
import { configError } from '../config/load.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import type { CoreHooks } from '../hooks.js';
import type { HacoreConfig } from '../types.js';

/**
 * Validates a raw config completely, in this order, stopping at the first
 * stage with problems: every section and check against its schema; the checks
 * plugins derive from their sections (`collectChecks`); unique check names;
 * then every cross-reference (`validate`). Nothing here has a side effect.
 */
export async function validateWhole(raw: unknown, file: string | undefined, registry: SchemaRegistry, hooks: CoreHooks): Promise<HacoreConfig> {
  const r = validateConfig(raw, registry);
  if (!r.config) throw await configError(file, r.issues);
  const config = r.config;
  try {
    config.checks = hooks.collectChecks.call(config.checks, config);
  } catch (err) {
    // A plugin's check derived from its section: reported like any other config problem.
    if (err instanceof ConfigError) throw await configError(file, [...err.issues]);
    throw err;
  }
  const issues: ConfigIssue[] = [];
  const names = new Set<string>();
  config.checks.forEach((c, i) => {
    if (names.has(c.name)) issues.push({ path: `checks[${i}].name`, expected: 'a unique check name', found: JSON.stringify(c.name) });
    names.add(c.name);
  });
  if (issues.length > 0) throw await configError(file, issues);
  hooks.validate.call(config, issues);
  if (issues.length > 0) throw await configError(file, issues);
  return config;
}
