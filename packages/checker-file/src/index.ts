import { definePlugin, ConfigError, defineCheckType, schema as s, type ConfigIssue } from '@hacore/core';
import { FileChecker, type FileCheckOptions } from './file-checker.js';
import { FileWatchPool } from './file-watch.js';

export { FileChecker, type FileCheckOptions, type FileCheckSpec } from './file-checker.js';
export { FileWatch, FileWatchPool, initTrackFile, readFileValue, type FileWatchOptions } from './file-watch.js';
export { clamp, fileCheckStatus, isInvalid, parseFileValue, sameReading, type FileCheckMapping, type FileReading } from './file-value.js';

const PLUGIN_NAME = '@hacore/checker-file';

const INT32 = s.integer({ min: -2147483648, max: 2147483647 });

/** An absolute path of a file to track. */
export const trackFilePath = s.string({ pattern: /^\/[^\0]*[^/\0]$/, patternText: 'an absolute path of a file, e.g. /etc/hacore/maintenance' });

/** keepalived init_file: `{ value, overwrite }`. */
export const initFileSchema = s.object({
  value: s.optional(INT32, 0).describe('Value written at start (keepalived init_file VALUE). Default 0.'),
  overwrite: s.optional(s.boolean(), false).describe('Write it even when the file exists (keepalived init_file overwrite). Default false: only a missing file is created.'),
});

/** How a file is watched: shared by `type: file` checks and `vrrp.files`. */
export const fileWatchShape = {
  watch: s.optional(s.boolean(), true).describe('Watch the file\'s directory with inotify (fs.watch). false: poll only. Default true.'),
  pollInterval: s.optional(s.duration({ min: 10, max: 3_600_000 }), 1000).describe('Also read the file this often, for file systems that do not notify (NFS, FUSE, /proc, /sys). Default 1s.'),
  settle: s.optional(s.duration({ min: 1, max: 5000 }), 50).describe('A change is taken once two reads this far apart agree (an editor replacing the file passes through missing and empty). Default 50ms.'),
  initFile: s.optional(initFileSchema).describe('Create the file with a value at start (keepalived init_file).'),
};

/** Options of a `type: file` check, on top of the common check fields. */
export const fileCheckOptions = s.object({
  path: trackFilePath.describe('The file holding an integer (keepalived track_file `file`). Missing or empty reads as 0.'),
  dynamic: s.optional(s.boolean(), false).describe('The value adjusts the real server\'s weight: weight + value × multiplier (keepalived FILE_CHECK dynamic). Without it: 0 is up, anything else down.'),
  multiplier: s.optional(s.integer({ min: -2147483647, max: 2147483647 })).describe('With dynamic: the value\'s multiplier (keepalived FILE_CHECK weight). Default 1.'),
  reverse: s.optional(s.boolean(), false).describe('Reverse the direction (keepalived weight … reverse): without dynamic non-zero is up and 0 down; with it the product is negated.'),
  ...fileWatchShape,
});

/** Rules spanning fields. Paths relative to the check. */
export function fileCrossFieldIssues(spec: Partial<FileCheckOptions>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!spec.dynamic && spec.multiplier !== undefined) issues.push({ path: 'multiplier', expected: 'no multiplier unless dynamic: true (without dynamic the value is only up or down)', found: String(spec.multiplier) });
  if (spec.dynamic && spec.multiplier === 0) issues.push({ path: 'multiplier', expected: 'a non-zero multiplier (multiplier 0 is the up/down mode: drop dynamic)', found: '0' });
  return issues;
}

/** keepalived's FILE_CHECK as a hacore plugin: `type: file`. */
export const FileCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  apply(core) {
    // One watch per file (and options) for every check on it, in this process.
    const pool = new FileWatchPool();
    defineCheckType(core, PLUGIN_NAME, 'file', fileCheckOptions, (spec) => new FileChecker(spec, pool));
    core.hooks.collectChecks.tap(PLUGIN_NAME, (checks) => {
      const issues: ConfigIssue[] = [];
      checks.forEach((c, i) => {
        if (c.type !== 'file') return;
        for (const issue of fileCrossFieldIssues(c as unknown as FileCheckOptions)) issues.push({ ...issue, path: `checks[${i}].${issue.path}` });
      });
      if (issues.length > 0) throw new ConfigError(undefined, issues);
      return checks;
    });
  },
});

export default FileCheckerPlugin;
