import { definePlugin, defineCheckType, schema as s } from '@hacore/core';
import { ScriptChecker, type ScriptCheckSpec } from './script-checker.js';

export { ScriptChecker, type ScriptCheckOptions, type ScriptCheckSpec } from './script-checker.js';
export { verdictOf, type ScriptVerdict } from './exit-status.js';
export { BoundedOutput } from './bounded-output.js';
export { insecureProgram, locateProgram } from '@hacore/core';
export { ScriptCheckError, resolveIdentity, parsePasswd, parseGroup, type ScriptErrorCode } from './identity.js';

const PLUGIN_NAME = '@hacore/checker-script';

const userOrGroup = s.union(s.integer({ min: 0, max: 0xfffffffe }), s.string({ minLength: 1 }));

/** Options of a `type: script` check, on top of the common check fields. */
export const scriptCheckOptions = s.object({
  command: s.array(s.string({ minLength: 1 }), { minItems: 1 }).describe('Program and arguments, run without a shell: [program, arg, ...] (keepalived misc_path).'),
  user: s.optional(userOrGroup).describe('User to run as, a name or a uid (keepalived user in misc_path\'s script security).'),
  group: s.optional(userOrGroup).describe('Group to run as, a name or a gid. Default: the user\'s primary group.'),
  dynamicWeight: s.optional(s.boolean(), false).describe('Exit code 2..255 means up with weight = code - 2, 1 means down (keepalived misc_dynamic).'),
  maxOutputBytes: s.optional(s.integer({ min: 0, max: 1_048_576 }), 4096).describe('Bytes of stdout and of stderr kept and logged at debug level. Default 4096.'),
  env: s.optional(s.record(s.string())).describe('Extra environment variables for the program.'),
  cwd: s.optional(s.string({ minLength: 1 })).describe('Working directory of the program. Default /.'),
  scriptSecurity: s.optional(s.boolean(), true).describe('Refuse, at start or reload, a program that a user other than root (or the daemon user) owns or can write, or that sits in such a directory (keepalived enable_script_security). Default true.'),
});

/** keepalived's MISC_CHECK as a hacore plugin: `type: script`. */
export const ScriptCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  apply(core) {
    const logger = core.logger.child({ plugin: PLUGIN_NAME });
    defineCheckType(core, PLUGIN_NAME, 'script', scriptCheckOptions, (spec) => new ScriptChecker(spec as unknown as ScriptCheckSpec, logger));
  },
});

export default ScriptCheckerPlugin;
