// The plugin alone (package.json `hacorePlugin`): what every process needs to validate
// an http check. The index adds the library (the checker, the client, genhash).
import { definePlugin, ConfigError, defineCheckType, type ConfigIssue } from '@hacore/core';
import type { HttpChecker, HttpCheckSpec } from './http-checker.js';
import { crossFieldIssues, httpCheckOptions } from './options.js';

let checkerClass: typeof HttpChecker | undefined;

export const PLUGIN_NAME = '@hacore/checker-http';

/** keepalived's HTTP_GET and SSL_GET as a hacore plugin: `type: http` (with `tls: true` for SSL_GET). */
export const HttpCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  // The checker and its HTTP client (undici) load only where checks run.
  async loadRuntime() {
    checkerClass ??= (await import('./http-checker.js')).HttpChecker;
  },
  apply(core) {
    defineCheckType(core, PLUGIN_NAME, 'http', httpCheckOptions, (spec) => {
      const issues = crossFieldIssues(spec as HttpCheckSpec);
      if (issues.length > 0) throw new ConfigError(undefined, issues.map((i) => ({ ...i, path: `checks[name=${spec.name}].${i.path}` })));
      if (!checkerClass) throw new Error(`${PLUGIN_NAME}: loadRuntime() was not awaited before a checker was made`);
      return new checkerClass(spec as HttpCheckSpec);
    });
    // Rules spanning several fields, checked while the core validates the file
    // (before anything starts); the per-field schema cannot express them.
    core.hooks.collectChecks.tap(PLUGIN_NAME, (checks) => {
      const issues: ConfigIssue[] = [];
      checks.forEach((c, i) => {
        if (c.type !== 'http') return;
        for (const issue of crossFieldIssues(c as unknown as HttpCheckSpec)) issues.push({ ...issue, path: `checks[${i}].${issue.path}` });
      });
      if (issues.length > 0) throw new ConfigError(undefined, issues);
      return checks;
    });
  },
});

export default HttpCheckerPlugin;
