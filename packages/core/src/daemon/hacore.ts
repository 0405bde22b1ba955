import path from 'node:path';
import type { Logger } from 'pino';
import { CORE_KEYS, SchemaRegistry, parseCheck, preValidate, validateConfig } from '../config/compose.js';
import type { ConfigFormat } from '../config/foreign-format.js';
import { configError, loadRawConfig } from '../config/load.js';
import * as s from '../config/schema.js';
import { ConfigError, HacoreError, type ConfigIssue } from '../errors.js';
import { createHooks, isolateTaps, type CoreHooks } from '../hooks.js';
import { PLUGIN_API_VERSION, type HacoreCore, type HacorePlugin } from '../plugin.js';
import { loadPlugins, type LoadedPlugin } from '../plugins/loader.js';
import { Scheduler, realClock, type SchedulerClock } from '../checks/scheduler.js';
import { silentLogger } from '../logger.js';
import { CORE_VERSION } from '../version.js';
import type { CheckSpec, Checker, EventInput, HacoreConfig, HacoreEvent, Role, StatusReport, Target } from '../types.js';
import { diffConfig } from './config-diff.js';

export interface HacoreOptions {
  /** `--config FILE`; otherwise cosmiconfig searches from `cwd`. */
  configFile?: string | undefined;
  /** A foreign config format (`--keepalived-config`); `configFile` is then unused (see ConfigFormat.overlay). */
  format?: ConfigFormat | undefined;
  cwd?: string;
  /** The process role; `single` runs every plugin here. */
  role?: Role | 'single';
  logger?: Logger;
  clock?: SchedulerClock;
  /** Called with every event emitted here, to relay it to the other roles. */
  relay?: (event: HacoreEvent) => void;
}

export type StatusCollector = () => Promise<Record<string, StatusReport>>;

const DEFAULT_ROLES: readonly Role[] = ['check'];

export function pluginRoles(p: HacorePlugin): readonly Role[] {
  return p.roles && p.roles.length > 0 ? p.roles : DEFAULT_ROLES;
}

/**
 * The core of one process: loads the config and plugins, validates everything
 * before any side effect, runs the checks of this role and fires the hooks.
 */
export class Hacore implements HacoreCore {
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly role: Role | 'single';
  readonly hooks: CoreHooks;
  logger: Logger;
  readonly registry = new SchemaRegistry();
  readonly startedAt = Date.now();
  plugins: LoadedPlugin[] = [];
  configFile: string | undefined;
  private current: HacoreConfig | undefined;
  private readonly scheduler: Scheduler;
  private readonly relay: ((event: HacoreEvent) => void) | undefined;
  private applying: LoadedPlugin | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  readonly pluginErrors = new Map<string, number>();

  private constructor(private readonly opts: HacoreOptions) {
    this.role = opts.role ?? 'single';
    this.logger = opts.logger ?? silentLogger;
    this.relay = opts.relay;
    this.hooks = createHooks();
    isolateTaps(this.hooks, (plugin, hook, err) => this.onTapError(plugin, hook, err));
    this.scheduler = new Scheduler(
      {
        result: (t, r) => this.hooks.checkResult.promise(t, r),
        stateChange: async (t, change) => {
          this.logger.info({ check: t.check, from: change.from, to: change.to, reason: change.reason }, `check ${t.check} is ${change.to}`);
          await this.hooks.targetState.promise(t, change);
          await this.emit({
            kind: 'target-state',
            check: t.check,
            type: t.type,
            target: t.target,
            from: change.from,
            to: change.to,
            reason: change.reason,
            ...(change.weight !== undefined ? { weight: change.weight } : {}),
          });
        },
      },
      opts.clock ?? realClock,
    );
  }

  /** Loads config and plugins and validates everything. Throws HacoreError / ConfigError; starts nothing. */
  static async load(opts: HacoreOptions): Promise<Hacore> {
    const core = new Hacore(opts);
    const raw = await loadRawConfig({ file: opts.configFile, ...(opts.cwd ? { cwd: opts.cwd } : {}), format: opts.format });
    core.configFile = raw.file;
    core.logForeignWarnings(raw.warnings);
    const pre = preValidate(raw.value);
    if (pre.issues.length > 0) throw await configError(raw.file, pre.issues);
    core.plugins = await loadPlugins(pre.plugins, path.dirname(raw.file), PLUGIN_API_VERSION);
    for (const lp of core.plugins) core.applyPlugin(lp);
    core.current = await core.validate(raw.value, raw.file);
    return core;
  }

  /** What a foreign format dropped (keepalived.conf with --lenient): once per load, by the main process. */
  private logForeignWarnings(warnings: string[] | undefined): void {
    if (this.role !== 'main' && this.role !== 'single') return;
    for (const w of warnings ?? []) this.logger.warn({ file: this.configFile }, w);
  }

  get config(): HacoreConfig {
    if (!this.current) throw new HacoreError('HACORE_ERR_CONFIG_INVALID', 'the config is not validated yet: read core.config in the start hook, not in apply()');
    return this.current;
  }

  runs(role: Role): boolean {
    return this.role === 'single' || this.role === role;
  }

  /** The roles the supervisor must fork a child for, given the loaded plugins. */
  childRoles(): Role[] {
    const roles = new Set<Role>();
    for (const lp of this.plugins) for (const r of pluginRoles(lp.plugin)) if (r !== 'main') roles.add(r);
    if (this.config.checks.length > 0) roles.add('check');
    return [...roles].sort();
  }

  private applyPlugin(lp: LoadedPlugin): void {
    const here =
      this.role === 'single' || pluginRoles(lp.plugin).includes(this.role as Role) || (lp.plugin.alsoIn ?? []).includes(this.role as Role);
    // A plugin of another role still contributes its schemas (so every process
    // validates the whole file), but its taps go to hooks that never fire here.
    const target: HacoreCore = here ? this : this.schemaOnlyFacade();
    this.applying = lp;
    try {
      lp.plugin.apply(target);
    } catch (err) {
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${lp.plugin.name}" threw in apply(): ${(err as Error)?.message ?? String(err)}`, { cause: err });
    } finally {
      this.applying = undefined;
    }
  }

  private schemaOnlyFacade(): HacoreCore {
    // collectChecks is part of validation, so it runs in every process; every other hook here is inert.
    const hooks: CoreHooks = Object.freeze({ ...createHooks(), collectChecks: this.hooks.collectChecks });
    const facade: HacoreCore = {
      apiVersion: this.apiVersion,
      role: this.role,
      hooks,
      logger: this.logger,
      get config(): HacoreConfig {
        throw new HacoreError('HACORE_ERR_CONFIG_INVALID', 'plugin does not run in this process');
      },
      registerSection: (k, sc, o) => this.registerSection(k, sc, o),
      registerCheckType: (t, o) => this.registerCheckType(t, o),
      parseCheck: (raw, ctx, path) => this.parseCheck(raw, ctx, path),
      emit: async () => {},
      targets: () => [],
      runs: () => false,
      statusAll: async () => ({}),
    };
    return facade;
  }

  registerSection<T>(key: string, schema: s.Schema<T>, options: { roles?: readonly Role[] } = {}): void {
    const owner = this.applying?.plugin.name ?? 'core';
    const existing = this.registry.sections.get(key);
    if (existing || (CORE_KEYS as readonly string[]).includes(key)) {
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${owner}" registers config section "${key}", already owned by ${existing?.owner ?? 'the core'}`);
    }
    this.registry.sections.set(key, { owner, schema: schema as s.Schema<unknown>, roles: options.roles ?? ['check'] });
  }

  registerCheckType<S extends s.Shape>(type: string, options: s.ObjectSchema<S>): void {
    const owner = this.applying?.plugin.name ?? 'core';
    const existing = this.registry.checkTypes.get(type);
    if (existing) {
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${owner}" registers check type "${type}", already provided by ${existing.owner}`);
    }
    this.registry.checkTypes.set(type, { owner, schema: options as unknown as s.ObjectSchema<s.Shape> });
  }

  parseCheck(raw: unknown, ctx: s.ParseContext, path: string): CheckSpec | s.Invalid {
    return parseCheck(raw, this.registry, ctx, path) ?? s.INVALID;
  }

  /** Validates a raw config completely, including that a checker can be built for every check. */
  private async validate(raw: unknown, file: string): Promise<HacoreConfig> {
    const r = validateConfig(raw, this.registry);
    if (!r.config) throw await configError(file, r.issues);
    const config = r.config;
    try {
      config.checks = this.hooks.collectChecks.call(config.checks, config);
    } catch (err) {
      // A plugin's cross-section check: report it like any other config problem.
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
    return config;
  }

  /** Builds the checker of a check through `checkerFactory`. */
  createChecker(spec: CheckSpec): Checker {
    const hook = this.hooks.checkerFactory.get(spec.type);
    const checker = hook?.call(spec);
    if (!checker) {
      throw new HacoreError('HACORE_ERR_CHECK_TYPE_UNKNOWN', `no plugin in this process creates checks of type "${spec.type}" (check "${spec.name}")`);
    }
    return checker;
  }

  /** Runs the `start` hook and schedules the checks of this process. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.hooks.start.promise(this.config);
    if (this.runs('check')) {
      for (const spec of this.config.checks) this.scheduler.add(spec, this.createChecker(spec));
    }
    this.logger.info({ checks: this.runs('check') ? this.config.checks.length : 0, file: this.configFile }, 'hacore started');
    await this.emit({ kind: 'daemon', what: 'start', detail: `${this.role}` });
  }

  /**
   * Re-reads the config file and validates it entirely. A bad file leaves the
   * running config untouched and throws; a good one is applied as a diff.
   */
  async reload(): Promise<{ added: string[]; removed: string[]; changed: string[]; unchanged: string[] }> {
    const raw = await loadRawConfig(this.opts.format ? { file: this.opts.configFile, ...(this.opts.cwd ? { cwd: this.opts.cwd } : {}), format: this.opts.format } : { file: this.configFile });
    this.logForeignWarnings(raw.warnings);
    const pre = preValidate(raw.value);
    if (pre.issues.length > 0) throw await configError(raw.file, pre.issues);
    const before = this.plugins.map((p) => p.spec);
    if (JSON.stringify(before) !== JSON.stringify(pre.plugins)) {
      throw await configError(raw.file, [
        { path: 'plugins', expected: `the same plugin list as the running daemon (${JSON.stringify(before)}); restart to change plugins`, found: JSON.stringify(pre.plugins) },
      ]);
    }
    const next = await this.validate(raw.value, raw.file);
    const diff = diffConfig(this.config, next);
    if (this.runs('check')) {
      // Build all new checkers first: a factory that throws must not leave a half-applied reload.
      const fresh = new Map<string, Checker>();
      for (const name of [...diff.checks.added, ...diff.checks.changed]) {
        const spec = next.checks.find((c) => c.name === name)!;
        fresh.set(name, this.createChecker(spec));
      }
      for (const name of [...diff.checks.removed, ...diff.checks.changed]) await this.scheduler.remove(name);
      for (const [name, checker] of fresh) this.scheduler.add(next.checks.find((c) => c.name === name)!, checker);
    }
    this.current = next;
    // Taps are isolated (every plugin gets the diff), but a plugin that failed to apply it must be reported.
    const failed: string[] = [];
    this.reloadFailures = failed;
    try {
      await this.hooks.reload.promise(diff);
    } finally {
      this.reloadFailures = undefined;
    }
    if (failed.length > 0) {
      await this.emit({ kind: 'daemon', what: 'reload-failed', detail: failed.join('; ') });
      throw new HacoreError('HACORE_ERR_RELOAD_PARTIAL', `the new config was validated and applied, but ${failed.join('; ')}`);
    }
    this.logger.info({ ...diff.checks, sections: diff.sections }, 'config reloaded');
    await this.emit({ kind: 'daemon', what: 'reload', detail: `+${diff.checks.added.length} -${diff.checks.removed.length} ~${diff.checks.changed.length}` });
    return diff.checks;
  }

  /** Stops the checks and runs the `shutdown` hook. Idempotent. */
  stop(reason = 'stop'): Promise<void> {
    this.stopping ??= (async () => {
      await this.scheduler.stopAll();
      await this.emit({ kind: 'daemon', what: 'stop', detail: reason });
      try {
        await this.hooks.shutdown.promise(reason);
      } catch (err) {
        this.logger.error({ err }, 'a plugin failed during shutdown');
      }
      this.logger.info({ reason }, 'hacore stopped');
    })();
    return this.stopping;
  }

  async emit(input: EventInput): Promise<void> {
    const event = { ...input, time: Date.now(), origin: this.role } as HacoreEvent;
    this.relay?.(event);
    await this.hooks.event.promise(event);
  }

  /** Delivers an event that happened in another process (relayed by the supervisor). */
  async deliverRemote(event: HacoreEvent): Promise<void> {
    await this.hooks.event.promise(event);
  }

  targets(): Target[] {
    return this.scheduler.targets();
  }

  /** Set by the supervisor so that `statusAll` gathers the children's documents. */
  statusCollector: StatusCollector | undefined;

  statusAll(): Promise<Record<string, StatusReport>> {
    return this.statusCollector ? this.statusCollector() : Promise.resolve({ [this.role]: this.status() });
  }

  status(): StatusReport {
    const base: StatusReport = {
      version: CORE_VERSION,
      pid: process.pid,
      role: this.role,
      startedAt: this.startedAt,
      configFile: this.configFile,
      plugins: this.plugins.map((p) => ({ name: p.plugin.name, version: p.plugin.version })),
      targets: this.targets().map((t) => ({ ...t })),
      pluginErrors: Object.fromEntries(this.pluginErrors),
    };
    return this.hooks.status.call(base);
  }

  private reloadFailures: string[] | undefined;

  private onTapError(plugin: string, hook: string, err: unknown): void {
    if (hook === 'reload') this.reloadFailures?.push(`plugin ${plugin} failed to apply it: ${(err as Error)?.message ?? String(err)}`);
    this.pluginErrors.set(plugin, (this.pluginErrors.get(plugin) ?? 0) + 1);
    this.logger.error({ plugin, hook, err }, `plugin ${plugin} failed in hook ${hook}`);
    if (hook === 'event') return; // never recurse on a failing event consumer
    void this.emit({ kind: 'plugin-error', plugin, hook, message: (err as Error)?.message ?? String(err) });
  }
}

export { ConfigError };
