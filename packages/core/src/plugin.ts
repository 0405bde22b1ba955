import type { Logger } from 'pino';
import type { CoreHooks } from './hooks.js';
import type { Invalid, ObjectSchema, ParseContext, Schema, Shape } from './config/schema.js';
import type { StandardOutput, StandardSchemaV1 } from './config/standard-schema.js';
import type { ActionReply, ActionRequest, CheckSpec, EventDeclaration, EventInput, EventRegistry, HacoreConfig, Role, StatusReport, Target } from './types.js';

/** The version of the plugin API this core implements; plugins declare a semver range of it. */
export const PLUGIN_API_VERSION = '1.0.0';

/** What a plugin sees of the core in `apply(core)`. */
export interface HacoreCore {
  /** The plugin API version, compared with each plugin's `hacore` range. */
  readonly apiVersion: string;
  /** The process this core runs in: `single` when everything runs in one process. */
  readonly role: Role | 'single';
  readonly hooks: CoreHooks;
  /** The core's logger; prefer `logger.child({ plugin: NAME })`. */
  readonly logger: Logger;
  /** The validated config. Throws before validation (that is, inside `apply`). */
  readonly config: HacoreConfig;
  /**
   * Owns a top-level config section. The core validates it with `schema` before
   * anything starts. `roles` lists the processes that need the section's plugin.
   */
  registerSection<T>(key: string, schema: Schema<T>, options?: { roles?: readonly Role[] }): void;
  /** The same with a Standard Schema validator (zod, valibot, arktype, ...): its issues read like the core's. */
  registerSection<S extends StandardSchemaV1>(key: string, schema: S, options?: { roles?: readonly Role[] }): void;
  /**
   * Declares an event kind this plugin emits (its fields are typed by augmenting
   * `HacoreEventMap`). Every process knows every declaration, so the
   * supervisor replays, and notifiers and metrics render, kinds they were not
   * compiled with. `emit()` refuses a kind nobody declared.
   */
  declareEvent(declaration: EventDeclaration): void;
  /** The declared event kinds (the core's and every loaded plugin's). */
  readonly events: EventRegistry;
  /**
   * Validates and normalizes one check written inside a plugin's own section
   * (e.g. a real server's inline check): the common fields plus the options of
   * its type, exactly as a top-level `checks[]` entry. Call it while parsing
   * (from a schema), not in `apply`. Issues go to `ctx` with `path`.
   */
  parseCheck(raw: unknown, ctx: ParseContext, path: string): CheckSpec | Invalid;
  /** Declares a check type and the schema of its own options (added to the common check fields). */
  registerCheckType<S extends Shape>(type: string, options: ObjectSchema<S>): void;
  /** Emits an event on the `event` hook (stamped with time and origin) and relays it to the other roles. */
  emit(event: EventInput): Promise<void>;
  /** The current targets of the scheduler in this process. */
  targets(): Target[];
  /** True when this process runs the given role (always true in single-process mode). */
  runs(role: Role): boolean;
  /**
   * The status documents of every process of the daemon, keyed by role
   * (`single`, or `main`, `check`, `vrrp`): what `hacore status --json` prints.
   */
  statusAll(): Promise<Record<string, StatusReport>>;
  /**
   * Runs an operator action in every process of the daemon (the CLI's `hacore
   * drain`, the web console's buttons) and records it as an `operator-action`
   * event. Rejects with HACORE_ERR_ACTION when no process owns it.
   */
  runAction(request: ActionRequest): Promise<ActionReply[]>;
}

/** A hacore plugin, as exported by a package or a local file (object or class with a no-arg constructor). */
export interface HacorePlugin {
  /** Unique name, used as the tap name in every hook, in logs and in errors. */
  readonly name: string;
  /** Semver range of the plugin API this plugin targets, e.g. `^1.0.0`. */
  readonly hacore: string;
  /** The package version, shown by `hacore --version`. */
  readonly version?: string;
  /**
   * Processes the plugin runs in. Checkers and IPVS run in `check`, VRRP in
   * `vrrp`, notifiers and metrics in `main` (the supervisor, which sees every
   * role's events). Default: `['check']`.
   */
  readonly roles?: readonly Role[];
  /**
   * Processes the plugin also joins when they run anyway, without causing the
   * supervisor to fork them (metrics counts probes in the `check` child if there is one).
   */
  readonly alsoIn?: readonly Role[];
  /** Registers schemas and taps hooks. Must not open sockets or start timers: use the `start` hook. */
  apply(core: HacoreCore): void;
  /**
   * Imports what the plugin needs only where it runs (its checker, its protocol
   * engine, an HTTP client), so that the processes that only validate its section
   * do not load it. Called in each process the plugin runs in, right after
   * `apply`, and awaited before the config is accepted, so the `start` hook and
   * the checker factory find it loaded. May be called more than once and on
   * another instance (a preforked child warms it up): keep what it loads in the
   * module (an `import()` is cached).
   */
  loadRuntime?(): Promise<void>;
}

/** What `definePlugin` needs: the rest comes from the package's own package.json. */
export interface PluginDefinition {
  /**
   * `import.meta.url` of a module of the plugin, or the URL of its package.json:
   * the name, version and API range (`hacore`) are read from the nearest
   * package.json at or above it, so they cannot drift from what npm publishes.
   */
  packageUrl: string | URL;
  /** Overrides the package name (a package with several plugins). */
  name?: string;
  roles?: readonly Role[];
  alsoIn?: readonly Role[];
  /** Called first in apply(): the sections this plugin owns, with their schemas. */
  sections?: Readonly<Record<string, Schema<unknown> | StandardSchemaV1 | { schema: Schema<unknown> | StandardSchemaV1; roles?: readonly Role[] }>>;
  /** Event kinds the plugin emits. */
  events?: readonly EventDeclaration[];
  apply(core: HacoreCore, plugin: HacorePlugin & { readonly name: string }): void;
  /** HacorePlugin.loadRuntime. */
  loadRuntime?: () => Promise<void>;
}

export type { StandardOutput };
