import path from 'node:path';
import type { Logger } from 'pino';
import { preValidate } from '../config/compose.js';
import { configError, loadRawConfig, type RawConfig } from '../config/load.js';
import type { ConfigFormat } from '../config/foreign-format.js';
import * as s from '../config/schema.js';
import type { StandardSchemaV1 } from '../config/standard-schema.js';
import { ConfigError, HacoreError } from '../errors.js';
import { createHooks, isolateTaps, nameTapErrors, type CoreHooks } from '../hooks.js';
import { PLUGIN_API_VERSION, type HacoreCore } from '../plugin.js';
import { loadPlugins, type LoadedPlugin } from '../plugins/loader.js';
import { Scheduler, realClock, type SchedulerClock } from '../checks/scheduler.js';
import { silentLogger } from '../logger.js';
import { CORE_VERSION } from '../version.js';
import type { ActionReply, ActionRequest, CheckSpec, Checker, ConfigDiff, EventDeclaration, EventInput, EventRegistry, GenericEvent, HacoreConfig, Role, StatusReport, Target } from '../types.js';
import { diffConfig } from './config-diff.js';
import { validateWhole } from './config-validator.js';
import { PluginHost, pluginRoles, pluginRunsIn } from './plugin-host.js';

export { pluginRoles } from './plugin-host.js';

export interface HacoreOptions {
  /** `--config FILE`; otherwise cosmiconfig searches from `cwd`. */
  configFile?: string | undefined;
  /** A foreign config format (`--keepalived-config`); `configFile` is then unused (see ConfigFormat.overlay). */
  format?: ConfigFormat | undefined;
  cwd?: string;
  /** May a `.js`/`.ts` config be executed (see LoadOptions.allowCode); default true. */
  allowCode?: boolean;
  /** As root, refuse a config another user can change (LoadOptions.checkOwner); default true. */
  checkOwner?: boolean;
  /** The process role; `single` runs every plugin here. */
  role?: Role | 'single';
  logger?: Logger;
  clock?: SchedulerClock;
  /** Called with every event emitted here, to relay it to the other roles. */
  relay?: (event: GenericEvent) => void;
  /** Reads the config instead of loadRawConfig (a second input format, or a document handed over by the supervisor). */
  readConfig?: () => Promise<RawConfig>;
}

export type StatusCollector = () => Promise<Record<string, StatusReport>>;
export type ActionCollector = (request: ActionRequest) => Promise<ActionReply[]>;

/** A reload validated and prepared in this process, waiting for commit or abort. */
interface PreparedReload {
  diff: ConfigDiff;
  file: string;
  value: unknown;
  checkers: Map<string, Checker>;
}

export interface ReloadSummary {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  sections: string[];
}

/**
 * The core of one process: loads the config and plugins, validates everything
 * before any side effect, runs the checks of this role and fires the hooks.
 * A reload runs in two phases, so that a supervisor can apply it in every
 * process or in none: `prepareReload` (validate, build, ask the plugins), then
 * `commitReload` or `abortReload`.
 */
export class Hacore implements HacoreCore {
  readonly apiVersion = PLUGIN_API_VERSION;
  readonly role: Role | 'single';
  readonly hooks: CoreHooks;
  logger: Logger;
  readonly host = new PluginHost();
  readonly startedAt = Date.now();
  plugins: LoadedPlugin[] = [];
  configFile: string | undefined;
  private current: HacoreConfig | undefined;
  private readonly scheduler: Scheduler;
  private readonly relay: ((event: GenericEvent) => void) | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private prepared: PreparedReload | undefined;
  /** The document the running config was built from (what a restarted child is handed). */
  private document: { file: string; value: unknown } | undefined;
  private reloadFailures: string[] | undefined;
  readonly pluginErrors = new Map<string, number>();

  private constructor(private readonly opts: HacoreOptions) {
    this.role = opts.role ?? 'single';
    this.logger = opts.logger ?? silentLogger;
    this.relay = opts.relay;
    this.hooks = createHooks();
    isolateTaps(this.hooks, (plugin, hook, err) => this.onTapError(plugin, hook, err));
    nameTapErrors(this.hooks);
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
    const raw = await core.readRaw();
    core.configFile = raw.file;
    core.document = { file: raw.file, value: raw.value };
    const pre = preValidate(raw.value);
    if (pre.issues.length > 0) throw await configError(raw.file, pre.issues);
    core.plugins = await loadPlugins(pre.plugins, path.dirname(raw.file), PLUGIN_API_VERSION);
    for (const lp of core.plugins) core.host.apply(lp, pluginRunsIn(lp.plugin, core.role) ? core : core.host.facade(core));
    core.current = await validateWhole(raw.value, raw.file, core.host.registry, core.hooks);
    return core;
  }

  /** The document of the running config: as loaded, or as the last committed reload prepared it. */
  configDocument(): { file: string; value: unknown } | undefined {
    return this.document;
  }

  /** Reads the config document as `load` and `reload` do (the file, or the configured reader). */
  readConfigDocument(): Promise<RawConfig> {
    return this.readRaw();
  }

  private async readRaw(): Promise<RawConfig> {
    if (this.opts.readConfig) return this.opts.readConfig();
    // A foreign format (keepalived.conf) is read from its own file each time and translated again.
    const file = this.opts.format ? this.opts.configFile : (this.configFile ?? this.opts.configFile);
    const raw = await loadRawConfig({
      file,
      ...(this.opts.cwd ? { cwd: this.opts.cwd } : {}),
      ...(this.opts.format ? { format: this.opts.format } : {}),
      ...(this.opts.allowCode !== undefined ? { allowCode: this.opts.allowCode } : {}),
      ...(this.opts.checkOwner !== undefined ? { checkOwner: this.opts.checkOwner } : {}),
    });
    this.logForeignWarnings(raw.warnings);
    return raw;
  }

  /** What a foreign format dropped (keepalived.conf with --lenient): once per read, by the main process. */
  private logForeignWarnings(warnings: string[] | undefined): void {
    if (this.role !== 'main' && this.role !== 'single') return;
    for (const w of warnings ?? []) this.logger.warn({ file: this.configFile }, w);
  }

  get config(): HacoreConfig {
    if (!this.current) throw new HacoreError('HACORE_ERR_CONFIG_INVALID', 'the config is not validated yet: read core.config in the start hook, not in apply()');
    return this.current;
  }

  get events(): EventRegistry {
    return this.host.events;
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

  registerSection(key: string, schema: s.Schema<unknown> | StandardSchemaV1, options: { roles?: readonly Role[] } = {}): void {
    this.host.registerSection(key, schema, options);
  }

  registerCheckType<S extends s.Shape>(type: string, options: s.ObjectSchema<S>): void {
    this.host.registerCheckType(type, options);
  }

  declareEvent(declaration: EventDeclaration): void {
    this.host.declareEvent(declaration);
  }

  parseCheck(raw: unknown, ctx: s.ParseContext, path: string): CheckSpec | s.Invalid {
    return this.host.parseCheck(raw, ctx, path);
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
   * Phase 1 of a reload: reads (or takes) the new config, validates it entirely,
   * builds the new checkers and asks every plugin (`prepareReload`). Changes
   * nothing that runs. Throws, having released what it built, if anything refuses.
   * `raw` is the document the supervisor read, so every process prepares the same one.
   */
  async prepareReload(raw?: RawConfig): Promise<ReloadSummary> {
    if (this.prepared) await this.abortReload();
    const doc = raw ?? (await this.readRaw());
    const pre = preValidate(doc.value);
    if (pre.issues.length > 0) throw await configError(doc.file, pre.issues);
    const before = this.plugins.map((p) => p.spec);
    if (JSON.stringify(before) !== JSON.stringify(pre.plugins)) {
      throw await configError(doc.file, [
        { path: 'plugins', expected: `the same plugin list as the running daemon (${JSON.stringify(before)}); restart to change plugins`, found: JSON.stringify(pre.plugins) },
      ]);
    }
    const next = await validateWhole(doc.value, doc.file, this.host.registry, this.hooks);
    const diff = diffConfig(this.config, next);
    const checkers = new Map<string, Checker>();
    try {
      if (this.runs('check')) {
        for (const name of [...diff.checks.added, ...diff.checks.changed]) checkers.set(name, this.createChecker(next.checks.find((c) => c.name === name)!));
      }
      await this.hooks.prepareReload.promise(diff);
    } catch (err) {
      await Promise.all([...checkers.values()].map(async (c) => c.close?.()));
      throw err;
    }
    this.prepared = { diff, file: doc.file, value: doc.value, checkers };
    return { ...diff.checks, sections: diff.sections };
  }

  /** A prepared reload was refused elsewhere: releases what prepare built. Nothing that runs changed. */
  async abortReload(): Promise<void> {
    const p = this.prepared;
    this.prepared = undefined;
    if (!p) return;
    await Promise.all([...p.checkers.values()].map(async (c) => c.close?.()));
    await this.hooks.abortReload.promise(p.diff);
    this.logger.info('prepared reload aborted; the running config stays');
  }

  /** Phase 2: applies the prepared reload. A plugin that fails here makes it partial (HACORE_ERR_RELOAD_PARTIAL). */
  async commitReload(): Promise<ReloadSummary> {
    const p = this.prepared;
    if (!p) throw new HacoreError('HACORE_ERR_CONTROL', 'no prepared reload to commit');
    this.prepared = undefined;
    this.document = { file: p.file, value: p.value };
    const { diff } = p;
    if (this.runs('check')) {
      for (const name of [...diff.checks.removed, ...diff.checks.changed]) await this.scheduler.remove(name);
      for (const [name, checker] of p.checkers) this.scheduler.add(diff.next.checks.find((c) => c.name === name)!, checker);
    }
    this.current = diff.next;
    this.configFile = p.file;
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
    return { ...diff.checks, sections: diff.sections };
  }

  /** Both phases in this one process (single-process mode, tests). A bad file leaves the running config untouched. */
  async reload(raw?: RawConfig): Promise<ReloadSummary> {
    await this.prepareReload(raw);
    return this.commitReload();
  }

  /** Stops the checks and runs the `shutdown` hook. Idempotent. */
  stop(reason = 'stop'): Promise<void> {
    if (this.stopping) return this.stopping;
    try {
      // Before anything else (and synchronously): what must leave at once, e.g. VRRP's priority 0.
      this.hooks.stopping.call(reason);
    } catch (err) {
      this.logger.error({ err }, 'a plugin failed in the stopping hook');
    }
    this.stopping = (async () => {
      if (this.prepared) await this.abortReload().catch(() => {});
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
    if (!this.host.events.get(input.kind)) {
      throw new HacoreError('HACORE_ERR_EVENT_UNDECLARED', `event kind "${input.kind}" was emitted but no plugin declared it (core.declareEvent)`);
    }
    const event = { ...input, time: Date.now(), origin: this.role } as GenericEvent;
    this.relay?.(event);
    await this.hooks.event.promise(event);
  }

  /** Delivers an event that happened in another process (relayed by the supervisor). */
  async deliverRemote(event: GenericEvent): Promise<void> {
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

  /** Set by the supervisor so that `runAction` reaches every child as well. */
  actionCollector: ActionCollector | undefined;

  /** The action in this process only: what its owning plugin says it did, or `undefined` if no plugin here owns it. */
  async runActionHere(request: ActionRequest): Promise<string | undefined> {
    const hook = this.hooks.action.get(request.name);
    return hook ? hook.promise(request) : undefined;
  }

  async runAction(request: ActionRequest): Promise<ActionReply[]> {
    let replies: ActionReply[];
    if (this.actionCollector) replies = await this.actionCollector(request);
    else {
      const result = await this.runActionHere(request);
      replies = result === undefined ? [] : [{ role: this.role, result }];
    }
    if (replies.length === 0) {
      const args = Object.entries(request.args).map(([k, v]) => `${k}=${v}`).join(' ');
      throw new HacoreError('HACORE_ERR_ACTION', `${request.name}${args ? ` ${args}` : ''}: no plugin of this daemon does it (is the plugin that provides "${request.name}" loaded, and the name right?)`);
    }
    const result = replies.map((r) => r.result).join('; ');
    this.logger.info({ action: request.name, args: request.args, from: request.origin }, `operator action ${request.name}: ${result}`);
    await this.emit({ kind: 'operator-action', action: request.name, args: request.args, from: request.origin, result });
    return replies;
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

  /** Counts and logs a failure that was isolated (a tap, an unhandled rejection of a plugin). */
  onTapError(plugin: string, hook: string, err: unknown): void {
    if (hook === 'reload') this.reloadFailures?.push(`plugin ${plugin} failed to apply it: ${(err as Error)?.message ?? String(err)}`);
    this.pluginErrors.set(plugin, (this.pluginErrors.get(plugin) ?? 0) + 1);
    this.logger.error({ plugin, hook, err }, `plugin ${plugin} failed in ${hook}`);
    if (hook === 'event') return; // never recurse on a failing event consumer
    void this.emit({ kind: 'plugin-error', plugin, hook, message: (err as Error)?.message ?? String(err) }).catch(() => {});
  }
}

export { ConfigError };
