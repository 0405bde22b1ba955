import { definePlugin, ConfigError, defineCheckType, type ConfigIssue } from '@hacore/core';
import { HttpChecker, type HttpCheckSpec } from './http-checker.js';
import { crossFieldIssues, httpCheckOptions } from './options.js';

export { HttpChecker, DEFAULT_USER_AGENT, requestHeaders, type HttpCheckOptions, type HttpCheckSpec, type HttpUrlOptions } from './http-checker.js';
export { httpCheckOptions, urlOptions, crossFieldIssues, DEFAULT_MAX_BODY_BYTES } from './options.js';
export { fetchUrl, type FetchOutcome, type FetchRequest, type FetchResponse } from './fetch-url.js';
export { createClient, hostPort, originOf, readTlsMaterial, type ConnectionOptions, type ManagedClient } from './connection.js';
export { errorReason } from './error-reason.js';
export { DEFAULT_STATUS, parseStatusEntry, statusMatches, formatStatus, type StatusRange } from './status-codes.js';

export const PLUGIN_NAME = '@hacore/checker-http';

/** keepalived's HTTP_GET and SSL_GET as a hacore plugin: `type: http` (with `tls: true` for SSL_GET). */
export const HttpCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  apply(core) {
    defineCheckType(core, PLUGIN_NAME, 'http', httpCheckOptions, (spec) => {
      const issues = crossFieldIssues(spec as HttpCheckSpec);
      if (issues.length > 0) throw new ConfigError(undefined, issues.map((i) => ({ ...i, path: `checks[name=${spec.name}].${i.path}` })));
      return new HttpChecker(spec as HttpCheckSpec);
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
export { runGenhash, parseGenhashArgs, formatGenhash, GENHASH_USAGE, GenhashUsageError, type GenhashRequest, type GenhashResult } from './genhash.js';
