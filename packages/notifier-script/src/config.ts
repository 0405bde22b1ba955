import { schema as s, type Infer } from '@hacore/core';
import { checkScript } from '@hacore/core';
import { resolveGroup, resolveUser } from './users.js';

/** A command: `[program, arg...]`, or an object when it needs its own user or timeout. */
// Arguments may be empty strings; the program is checked to be an absolute path.
const argvSchema = s.array(s.string(), { minItems: 1 });
const commandSchema = s.union(
  argvSchema,
  s.object({
    command: argvSchema.describe('[program, arg...]: run without a shell.'),
    user: s.optional(s.string({ minLength: 1 })).describe('Run as this user (name or uid) instead of notify.user.'),
    group: s.optional(s.string({ minLength: 1 })).describe('Run with this group (name or gid).'),
    timeout: s.optional(s.duration({ min: 1 })).describe('Overrides notify.timeout for this command.'),
  }),
);

export type CommandInput = Infer<typeof commandSchema>;

const cmd = (doc: string) => s.optional(commandSchema).describe(doc);

const vrrpScripts = s.object({
  notifyMaster: cmd('Run on a transition to MASTER (keepalived notify_master).'),
  notifyBackup: cmd('Run on a transition to BACKUP (keepalived notify_backup).'),
  notifyFault: cmd('Run on a transition to FAULT (keepalived notify_fault).'),
  notifyStop: cmd('Run when the instance or group stops (keepalived notify_stop).'),
  notify: cmd('Run on every transition, after the specific script, with 4 more arguments: INSTANCE|GROUP, name, MASTER|BACKUP|FAULT|STOP, priority (keepalived notify).'),
});

const upDownScripts = s.object({
  notifyUp: cmd('Run when it comes up (keepalived notify_up).'),
  notifyDown: cmd('Run when it goes down (keepalived notify_down).'),
});

const checkScripts = s.object({
  notifyUp: cmd('Run when the check goes up.'),
  notifyDown: cmd('Run when the check goes down.'),
  notify: cmd('Run on every change with 4 more arguments: CHECK, name, UP|DOWN, weight (0 when the check has none).'),
});

const virtualServerScripts = s.object({
  quorumUp: cmd('Run when the virtual server gains quorum (keepalived quorum_up).'),
  quorumDown: cmd('Run when the virtual server loses quorum (keepalived quorum_down).'),
  realServers: s.optional(s.record(upDownScripts)).describe('By real server as the IPVS plugin names it (e.g. "198.51.100.11:80"); "*" matches any real server of this virtual server.'),
});

export const notifyShape = {
  instances: s.optional(s.record(vrrpScripts)).describe('Scripts by VRRP instance name; "*" matches instances not listed.'),
  groups: s.optional(s.record(vrrpScripts)).describe('Scripts by VRRP sync group name; "*" matches groups not listed.'),
  virtualServers: s.optional(s.record(virtualServerScripts)).describe('Quorum and real-server scripts by virtual server name; "*" matches virtual servers not listed.'),
  checks: s.optional(s.record(checkScripts)).describe('Scripts by check name (hacore target-state events); "*" matches checks not listed.'),
  events: s.optional(s.record(commandSchema)).describe('A script by event kind, for any declared kind (a third-party plugin\'s too): run with the event as JSON in HACORE_EVENT and its kind in HACORE_EVENT_KIND, after the keepalived-style scripts of that event. `hacore check-config` refuses a kind no loaded plugin declares.'),
  fifo: s.optional(s.string({ pattern: /^\//, patternText: 'an absolute path' })).describe('FIFO that receives one line per event (keepalived notify_fifo); created if missing.'),
  fifoChecks: s.optional(s.boolean(), false).describe('Also write CHECK lines (target-state of checks, a hacore extension) to the FIFO. Default false: only keepalived\'s INSTANCE, GROUP, VS and RS lines.'),
  fifoScript: cmd('Long-running reader of the FIFO, started with the FIFO path as its last argument and restarted if it exits (keepalived notify_fifo_script). Needs fifo.'),
  user: s.optional(s.string({ minLength: 1 })).describe('Run scripts as this user (name or uid; keepalived script_user). Default: the daemon user.'),
  group: s.optional(s.string({ minLength: 1 })).describe('Run scripts with this group (name or gid). Default: the user\'s primary group.'),
  timeout: s.optional(s.duration({ min: 1 }), 10_000).describe('A script still running after this is killed with its whole process group. Default 10s.'),
  killGrace: s.optional(s.duration({ min: 0 }), 1000).describe('Time between SIGTERM and SIGKILL at the timeout. Default 1s.'),
  maxOutputBytes: s.optional(s.integer({ min: 0, max: 1_048_576 }), 4096).describe('Bytes of stdout and of stderr logged per run; more is cut. Default 4096.'),
  maxQueuedPerKey: s.optional(s.integer({ min: 1, max: 10_000 }), 64).describe('Events waiting per instance/group/server; past that the oldest is dropped and counted. Default 64.'),
  concurrency: s.optional(s.integer({ min: 1, max: 256 }), 8).describe('Scripts running at once across all keys. Default 8.'),
  scriptSecurity: s.optional(s.boolean(), true).describe('Refuse a script that a user other than root (or the daemon user) owns or can write, or that sits in such a directory (keepalived enable_script_security). Default true.'),
};

const baseSchema = s.object(notifyShape);
type NotifyInput = Infer<typeof baseSchema>;

/** A command ready to run: ids resolved, program checked. */
export interface Command {
  argv: string[];
  uid?: number;
  gid?: number;
  timeout?: number;
}

type Resolve<T> = T extends CommandInput | undefined ? Command | undefined : T;
type Resolved<O> = { [K in keyof O]: Resolve<O[K]> };

export type VrrpScripts = Resolved<Infer<typeof vrrpScripts>>;
export type CheckScripts = Resolved<Infer<typeof checkScripts>>;
export type UpDownScripts = Resolved<Infer<typeof upDownScripts>>;
export interface VirtualServerScripts {
  quorumUp?: Command;
  quorumDown?: Command;
  realServers?: Record<string, UpDownScripts>;
}

export interface NotifyConfig {
  instances: Record<string, VrrpScripts>;
  groups: Record<string, VrrpScripts>;
  virtualServers: Record<string, VirtualServerScripts>;
  checks: Record<string, CheckScripts>;
  /** Scripts by event kind. */
  events: Record<string, Command>;
  fifo?: string;
  fifoScript?: Command;
  fifoChecks: boolean;
  uid?: number;
  gid?: number;
  timeout: number;
  killGrace: number;
  maxOutputBytes: number;
  maxQueuedPerKey: number;
  concurrency: number;
  scriptSecurity: boolean;
}

function ids(user: string | undefined, group: string | undefined, path: string, ctx: s.ParseContext): { uid?: number; gid?: number } | undefined {
  const out: { uid?: number; gid?: number } = {};
  if (user !== undefined) {
    const u = resolveUser(user);
    if (!u) {
      s.fail(ctx, `${path}.user`, 'a user that exists on this host', user);
      return undefined;
    }
    out.uid = u.uid;
    out.gid = u.gid;
  }
  if (group !== undefined) {
    const g = resolveGroup(group);
    if (g === undefined) {
      s.fail(ctx, `${path}.group`, 'a group that exists on this host', group);
      return undefined;
    }
    out.gid = g;
  }
  return out;
}

/**
 * Resolves users and checks every program, so that a script that cannot run,
 * or that an unprivileged user could replace, stops the daemon from starting
 * with an error naming the file, instead of failing at the first failover.
 */
function resolveSection(v: NotifyInput, ctx: s.ParseContext, path: string): NotifyConfig | s.Invalid {
  const before = ctx.issues.length;
  const top = ids(v.user, v.group, path, ctx);
  const trusted = new Set<number>([0, process.geteuid?.() ?? 0]);
  const command = (c: CommandInput | undefined, where: string): Command | undefined => {
    if (c === undefined) return undefined;
    const input = Array.isArray(c) ? { command: c } : c;
    const argv = [...input.command];
    const problem = checkScript(argv[0] as string, { trustedUids: trusted, strict: v.scriptSecurity });
    if (problem) {
      s.fail(ctx, Array.isArray(c) ? `${where}[0]` : `${where}.command[0]`, 'a script that exists, is executable and only root can modify (script security)', argv[0], `${problem.file} ${problem.why}`);
      return undefined;
    }
    const own = Array.isArray(c) ? {} : ids(c.user, c.group, where, ctx);
    if (own === undefined) return undefined;
    const r: Command = { argv };
    const uid = own.uid ?? top?.uid;
    const gid = own.gid ?? top?.gid;
    if (uid !== undefined) r.uid = uid;
    if (gid !== undefined) r.gid = gid;
    if (!Array.isArray(c) && c.timeout !== undefined) r.timeout = c.timeout;
    return r;
  };
  const scripts = <T extends object>(o: T, where: string): Resolved<T> => {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) {
      if (k === 'realServers') continue;
      const c = command(x as CommandInput, `${where}.${k}`);
      if (c) out[k] = c;
    }
    return out as Resolved<T>;
  };
  const mapOf = <T extends object>(rec: Record<string, T> | undefined, where: string): Record<string, Resolved<T>> =>
    Object.fromEntries(Object.entries(rec ?? {}).map(([name, o]) => [name, scripts(o, `${where}.${name}`)]));
  const virtualServers: Record<string, VirtualServerScripts> = {};
  for (const [name, vs] of Object.entries(v.virtualServers ?? {})) {
    const where = `${path}.virtualServers.${name}`;
    const e: VirtualServerScripts = scripts({ quorumUp: vs.quorumUp, quorumDown: vs.quorumDown }, where) as VirtualServerScripts;
    if (vs.realServers) e.realServers = mapOf(vs.realServers, `${where}.realServers`);
    virtualServers[name] = e;
  }
  const out: NotifyConfig = {
    instances: mapOf(v.instances, `${path}.instances`),
    groups: mapOf(v.groups, `${path}.groups`),
    virtualServers,
    checks: mapOf(v.checks, `${path}.checks`),
    events: Object.fromEntries(
      Object.entries(v.events ?? {}).flatMap(([kind, c]) => {
        const r = command(c, `${path}.events.${kind}`);
        return r ? [[kind, r]] : [];
      }),
    ),
    timeout: v.timeout,
    killGrace: v.killGrace,
    maxOutputBytes: v.maxOutputBytes,
    maxQueuedPerKey: v.maxQueuedPerKey,
    concurrency: v.concurrency,
    scriptSecurity: v.scriptSecurity,
    fifoChecks: v.fifoChecks,
  };
  if (v.fifo !== undefined) out.fifo = v.fifo;
  if (v.fifoScript !== undefined) {
    if (v.fifo === undefined) s.fail(ctx, `${path}.fifoScript`, 'a fifo to read (set notify.fifo)', v.fifoScript);
    const c = command(v.fifoScript, `${path}.fifoScript`);
    if (c) out.fifoScript = c;
  }
  if (top?.uid !== undefined) out.uid = top.uid;
  if (top?.gid !== undefined) out.gid = top.gid;
  return ctx.issues.length > before ? s.INVALID : out;
}

/** The section's schema; `shape` is kept so that the configuration reference can list the keys. */
export const notifySchema = Object.assign(s.transform(baseSchema, resolveSection), { shape: baseSchema.shape });
