export { HttpChecker, DEFAULT_USER_AGENT, requestHeaders, type HttpCheckOptions, type HttpCheckSpec, type HttpUrlOptions } from './http-checker.js';
export { httpCheckOptions, urlOptions, crossFieldIssues, DEFAULT_MAX_BODY_BYTES } from './options.js';
export { fetchUrl, type FetchOutcome, type FetchRequest, type FetchResponse } from './fetch-url.js';
export { createClient, hostPort, originOf, readTlsMaterial, type ConnectionOptions, type ManagedClient } from './connection.js';
export { errorReason } from './error-reason.js';
export { DEFAULT_STATUS, parseStatusEntry, statusMatches, formatStatus, type StatusRange } from './status-codes.js';

export { HttpCheckerPlugin, PLUGIN_NAME } from './plugin.js';
import { HttpCheckerPlugin } from './plugin.js';
export default HttpCheckerPlugin;
export { runGenhash, parseGenhashArgs, formatGenhash, GENHASH_USAGE, GenhashUsageError, type GenhashRequest, type GenhashResult } from './genhash.js';
