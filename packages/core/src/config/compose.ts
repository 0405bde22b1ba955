import type { ConfigIssue } from '../errors.js';
import type { CheckSpec, HacoreConfig, Role } from '../types.js';
import { commonCheckShape } from './check-schema.js';
import { SYSLOG_FACILITIES } from '../log-destination.js';
import { LOG_LEVELS } from '../log-levels.js';
import * as s from './schema.js';

export interface SectionEntry {
  owner: string;
  schema: s.Schema<unknown>;
  roles: readonly Role[];
}

export interface CheckTypeEntry {
  owner: string;
  schema: s.ObjectSchema<s.Shape>;
}

/** The schemas contributed by the core and the loaded plugins. */
export class SchemaRegistry {
  readonly sections = new Map<string, SectionEntry>();
  readonly checkTypes = new Map<string, CheckTypeEntry>();
}

export const CORE_KEYS = ['plugins', 'logLevel', 'logging', 'controlSocket', 'pidFile', 'stateDir', 'checkWorkers', 'checks'] as const;

const syslogShape = s.object({
  facility: s.optional(s.enumOf(SYSLOG_FACILITIES), 'daemon').describe('Syslog facility.'),
  ident: s.optional(s.string({ minLength: 1 }), 'hacore').describe('Syslog identifier (the tag before the pid).'),
  socket: s.optional(s.string({ minLength: 1 }), '/dev/log').describe('The syslog datagram socket.'),
});

export const coreShape = {
  plugins: s.optional(s.array(s.string({ minLength: 1 })), []).describe('npm package names or relative paths of the plugins to load, in order.'),
  logLevel: s.optional(s.enumOf(LOG_LEVELS), 'info').describe('Log level; --log-level overrides it.'),
  logging: s
    .optional(
      s.object({
        syslog: s
          .optional(s.union(s.transform(s.literal(true), () => ({ facility: 'daemon' as const, ident: 'hacore', socket: '/dev/log' })), syslogShape))
          .describe('Send the JSON logs of every process to syslog instead (RFC 3164 lines on /dev/log): `true`, or { facility, ident, socket }.'),
      }),
    )
    .describe('Where logs go. By default JSON lines on stdout, to the journal with fields (ROLE, PLUGIN, CHECK, INSTANCE, PRIORITY) when systemd connected stdout to it, human-readable on a terminal.'),
  controlSocket: s
    .optional(s.string({ minLength: 1 }))
    .describe(
      'Path of the control socket (mode 0600, its directory 0700) used by hacore status/reload/stop; `start --socket` overrides it. Default: hacore.sock in $RUNTIME_DIRECTORY (systemd), else /run/hacore as root, else $XDG_RUNTIME_DIR/hacore.',
    ),
  pidFile: s.optional(s.string({ minLength: 1 })).describe('Path of the supervisor pid file. Default: hacore.pid in the same directory as the default control socket.'),
  checkWorkers: s
    .optional(s.number({ min: 1, max: 64, integer: true }))
    .describe(
      'Worker processes the check process shards its checks over (each a child of it running the probes, the schedule and rise/fall; hooks, IPVS and events stay in the check process). 1: every check in the check process itself, no worker. Default: the number of cores, at most 4. Fixed at start: a reload that changes it is refused.',
    ),
  stateDir: s.optional(s.string({ minLength: 1 }), '/var/lib/hacore').describe('Directory where plugins keep state that must outlive a restart (drained real servers, yielded instances). Created 0700 when first written.'),
};

/** Validates only `plugins`, which must be known before the plugins can contribute their schemas. */
export function preValidate(raw: unknown): { plugins: string[]; issues: ConfigIssue[] } {
  if (!s.isPlainObject(raw)) {
    return { plugins: [], issues: [{ path: '', expected: 'a mapping of settings at the top level', found: s.renderFound(raw) }] };
  }
  const r = s.validate(coreShape.plugins, raw.plugins, 'plugins');
  return { plugins: r.value ?? [], issues: r.issues };
}

/** Validates a whole config against the core schema and every registered section and check type. */
export function validateConfig(raw: unknown, registry: SchemaRegistry): { config?: HacoreConfig; issues: ConfigIssue[] } {
  const ctx: s.ParseContext = { issues: [] };
  if (!s.isPlainObject(raw)) {
    return { issues: [{ path: '', expected: 'a mapping of settings at the top level', found: s.renderFound(raw) }] };
  }
  const known = new Set<string>([...CORE_KEYS, ...registry.sections.keys()]);
  for (const key of Object.keys(raw)) {
    if (known.has(key)) continue;
    const hint = s.closest(key, known);
    const owner = hint ? `did you mean "${hint}"?` : 'no loaded plugin owns this section; is its plugin listed under plugins?';
    ctx.issues.push({ path: key, expected: `a known section (${[...known].join(', ')})`, found: `unknown section "${key}"`, hint: owner });
  }
  const out: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(coreShape)) {
    const v = (schema as s.Schema<unknown>).parse(raw[key], ctx, key);
    if (v !== s.INVALID) out[key] = v;
  }
  for (const [key, entry] of registry.sections) {
    const schema = raw[key] === undefined && !entry.schema.optional ? s.optional(entry.schema) : entry.schema;
    const v = schema.parse(raw[key], ctx, key);
    if (v !== s.INVALID && v !== undefined) out[key] = v;
  }
  out.checks = validateChecks(raw.checks, registry, ctx);
  if (ctx.issues.length > 0) return { issues: ctx.issues };
  return { config: out as HacoreConfig, issues: [] };
}

function validateChecks(raw: unknown, registry: SchemaRegistry, ctx: s.ParseContext): CheckSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    s.fail(ctx, 'checks', 'a list of checks', raw);
    return [];
  }
  const seen = new Map<string, number>();
  const out: CheckSpec[] = [];
  raw.forEach((item, i) => {
    const path = `checks[${i}]`;
    const spec = parseCheck(item, registry, ctx, path);
    if (!spec) return;
    const prev = seen.get(spec.name);
    if (prev !== undefined) {
      s.fail(ctx, `${path}.name`, `a name not used by another check (checks[${prev}] is also named "${spec.name}")`, spec.name);
      return;
    }
    seen.set(spec.name, i);
    out.push(spec);
  });
  return out;
}

/** Validates one check: the common fields, then the options of its type. */
export function parseCheck(item: unknown, registry: SchemaRegistry, ctx: s.ParseContext, path: string): CheckSpec | undefined {
  if (!s.isPlainObject(item)) {
    s.fail(ctx, path, 'a check (an object with name and type)', item);
    return undefined;
  }
  const type = item.type;
  if (typeof type !== 'string') {
    s.fail(ctx, `${path}.type`, `a checker type (${[...registry.checkTypes.keys()].join(', ') || 'none loaded'}) (required)`, type);
    return undefined;
  }
  const entry = registry.checkTypes.get(type);
  if (!entry) {
    const hint = s.closest(type, registry.checkTypes.keys());
    s.fail(
      ctx,
      `${path}.type`,
      `a checker type provided by a loaded plugin (${[...registry.checkTypes.keys()].join(', ') || 'none loaded'})`,
      type,
      hint ? `did you mean "${hint}"?` : 'is the checker plugin listed under plugins?',
    );
    return undefined;
  }
  const schema = s.object(commonCheckShape).extend(entry.schema.shape);
  const v = schema.parse(item, ctx, path);
  if (v === s.INVALID) return undefined;
  const { address, port, ...rest } = v as Record<string, unknown> & { address?: string; port?: number; interval: number; retryDelay?: number; warmup?: number };
  const interval = rest.interval as number;
  const spec = {
    ...rest,
    target: { address: address ?? '', ...(port !== undefined ? { port } : {}) },
    retryDelay: (rest.retryDelay as number | undefined) ?? Math.min(1000, interval),
    warmup: (rest.warmup as number | undefined) ?? interval,
  } as unknown as CheckSpec;
  return spec;
}

/** A stand-alone check parser over the given check types: for plugins' unit tests and tools. */
export function createCheckParser(types: Record<string, s.ObjectSchema<s.Shape>>): (raw: unknown, ctx: s.ParseContext, path: string) => CheckSpec | s.Invalid {
  const registry = new SchemaRegistry();
  for (const [type, schema] of Object.entries(types)) registry.checkTypes.set(type, { owner: 'test', schema });
  return (raw, ctx, path) => parseCheck(raw, registry, ctx, path) ?? s.INVALID;
}
