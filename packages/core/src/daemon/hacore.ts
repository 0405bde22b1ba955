import path from 'node:path';
import type { Logger } from 'pino';
import { preValidate } from '../config/compose.js';
import { configError, type RawConfig } from '../config/load.js';
import * as s from '../config/schema.js';
import type { StandardSchemaV1 } from '../config/standard-schema.js';
import { ConfigError, HacoreError } from '../errors.js';
import { createHooks, isolateTaps, moveTaps, nameTapErrors, type CoreHooks } from '../hooks.js';
import { PLUGIN_API_VERSION, type HacoreCore } from '../plugin.js';
import { loadPlugins, type LoadedPlugin } from '../plugins/loader.js';
import { Scheduler, realClock, type SchedulerClock, type SchedulerSink } from '../checks/scheduler.js';
import { silentLogger } from '../logger.js';
import { CORE_VERSION } from '../version.js';
import type { ActionReply, ActionRequest, CheckSpec, Checker, EventDeclaration, EventInput, EventRegistry, GenericEvent, HacoreConfig, Role, StatusReport, Target } from '../types.js';
import type { CheckHost } from './check-host.js';
import { checkSink } from './check-sink.js';
import { CheckWorkerPool } from './check-worker-pool.js';
import { resolveCheckWorkers } from './check-workers.js';
import type { ProbeRecord, WorkerHandOver } from './ipc.js';
import { LocalChecks } from './local-checks.js';
import { mergeWorkerStatus } from './status-merge.js';
import { WorkerSink } from './worker-sink.js';
import { readConfigDocument, type ConfigSourceOptions } from './config-source.js';
import { validateWhole } from './config-validator.js';
import { runActionHere, runOperatorAction, type ActionCollector } from './operator-actions.js';
import { PluginHost, pluginRoles, pluginRunsIn } from './plugin-host.js';
import { ReloadPhases, type ReloadSummary } from './reload-phases.js';

export { pluginRoles } from './plugin-host.js';
export type { ReloadSummary } from './reload-phases.js';
export type { ActionCollector } from './operator-actions.js';

export interface HacoreOptions extends ConfigSourceOptions {
  /** The process role; `single` runs every plugin here. */
  role?: Role | 'single';
  logger?: Logger;
  clock?: SchedulerClock;
  /** Called with every event emitted here, to relay it to the other roles. */
  relay?: (event: GenericEvent) => void;
  /**
   * Set in a check worker (child-main `--worker N`): the checks it runs, and where
   * its scheduler's results go (to the check process, where the hooks fire).
   */
  worker?: { handOver: WorkerHandOver; send(batch: ProbeRecord[]): void };
  /** Set in the supervisor's check child: it may shard its checks over `checkWorkers` workers, started with these arguments. */
  workers?: { args: readonly string[]; execArgv: readonly string[] };
}

export type StatusCollector = () => Promise<Record<string, StatusReport>>;

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
  private readonly ownHooks: CoreHooks;
  /** While a check worker applies one plugin: the hooks its taps are staged on (see applyInWorker). */
  private staging: CoreHooks | undefined;
  logger: Logger;
  readonly host = new PluginHost();
  readonly startedAt = Date.now();
  plugins: LoadedPlugin[] = [];
  configFile: string | undefined;
  private current: HacoreConfig | undefined;
  private readonly scheduler: Scheduler;
  private readonly workerSink: WorkerSink | undefined;
  private checkHost: CheckHost;
  private readonly relay: ((event: GenericEvent) => void) | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly reloads: ReloadPhases;
  /** The document the running config was built from (what a restarted child is handed). */
  private document: { file: string; value: unknown } | undefined;
  readonly pluginErrors = new Map<string, number>();

  private constructor(private readonly opts: HacoreOptions) {
    this.role = opts.role ?? 'single';
    this.logger = opts.logger ?? silentLogger;
    this.relay = opts.relay;
    this.ownHooks = createHooks();
    isolateTaps(this.ownHooks, (plugin, hook, err) => this.onTapError(plugin, hook, err));
    nameTapErrors(this.ownHooks);
    this.workerSink = opts.worker ? new WorkerSink(opts.worker.send) : undefined;
    const sink: SchedulerSink = this.workerSink ?? checkSink(this);
    this.scheduler = new Scheduler(sink, opts.clock ?? realClock);
    this.checkHost = this.localChecks();
    this.reloads = new ReloadPhases(this, {
      registry: this.host.registry,
      checks: () => this.checkHost,
      refuse: (next, file) => this.refuseWorkerChange(next, file),
      pluginSpecs: () => this.plugins.map((p) => p.spec),
      adoptDocument: (file, value) => {
        this.document = { file, value };
      },
      adopt: (config, file) => {
        this.current = config;
        this.configFile = file;
      },
    });
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
    const runtimes: Promise<void>[] = [];
    for (const lp of core.plugins) {
      let runsHere = pluginRunsIn(lp.plugin, core.role);
      if (!runsHere) core.host.apply(lp, core.host.facade(core));
      else if (opts.worker) runsHere = core.applyInWorker(lp);
      else core.host.apply(lp, core);
      if (runsHere) runtimes.push(loadRuntime(lp));
    }
    // The runtimes load while the file is validated; a failure to load one is reported after a config error.
    const loaded = Promise.all(runtimes);
    loaded.catch(() => {});
    core.current = await validateWhole(raw.value, raw.file, core.host.registry, core.hooks);
    await loaded;
    return core;
  }

  get hooks(): CoreHooks {
    return this.staging ?? this.ownHooks;
  }

  /**
   * A check worker runs the checker plugins, nothing else of the check role: a
   * plugin's taps are staged while it applies, and become this core's only if it
   * registered a check type (a checker, unchanged, third-party ones too). The
   * others (IPVS, metrics, a plugin tapping checkResult) run once, in the check
   * process, which the workers feed; here they count for validation only
   * (`collectChecks`, `validate`), as the plugins of another role.
   */
  private applyInWorker(lp: LoadedPlugin): boolean {
    const staged = Object.freeze({ ...createHooks({ reverseShutdown: false }), collectChecks: this.ownHooks.collectChecks, validate: this.ownHooks.validate });
    this.staging = staged;
    try {
      this.host.apply(lp, this);
    } finally {
      this.staging = undefined;
    }
    const checker = [...this.host.registry.checkTypes.values()].some((e) => e.owner === lp.plugin.name);
    if (checker) moveTaps(staged, this.ownHooks);
    return checker;
  }

  /** Where the checks of this process run when none are sharded: all of them (check role), a worker's share, or none. */
  private localChecks(): LocalChecks {
    const create = (spec: CheckSpec): Checker => this.createChecker(spec);
    if (this.opts.worker) return new LocalChecks(this.scheduler, create, this.opts.worker.handOver.checks, this.opts.worker.handOver.resume);
    return new LocalChecks(this.scheduler, create, this.runs('check') ? 'all' : 'none');
  }

  /** True in the check process when its checks run in check workers. */
  private get sharded(): boolean {
    return this.checkHost instanceof CheckWorkerPool;
  }

  /** A check worker's checks once the reload it prepares is committed (sent by the check process with the document). */
  assignNextChecks(names: readonly string[] | undefined): void {
    if (this.checkHost instanceof LocalChecks) this.checkHost.assignNext(names);
  }

  private async refuseWorkerChange(next: HacoreConfig, file: string): Promise<void> {
    if (!this.opts.workers) return;
    const now = resolveCheckWorkers(this.config);
    const then = resolveCheckWorkers(next);
    if (now === then) return;
    throw await configError(file, [{ path: 'checkWorkers', expected: `the number of check workers the check process started with (${now}); restart to change it`, found: String(then) }]);
  }

  /** The pids of this process's check workers (none unless its checks are sharded). */
  checkWorkerPids(): number[] {
    return this.checkHost instanceof CheckWorkerPool ? this.checkHost.pids().filter((p): p is number => p !== undefined) : [];
  }

  /** The check process's workers start probing (see CheckWorkerPool.go). */
  releaseWorkers(): void {
    if (this.checkHost instanceof CheckWorkerPool) this.checkHost.go();
  }

  /** A check worker starts probing: its check process said go. */
  releaseChecks(): void {
    if (this.checkHost instanceof LocalChecks) this.checkHost.release();
  }

  /** Sends what a check worker's scheduler queued, before any other message of it (see WorkerSink). */
  flushProbes(): void {
    this.workerSink?.flush();
  }

  /** An event emitted in one of this process's check workers: emitted here as this process's own. */
  fromWorker(event: GenericEvent, worker: number): void {
    this.relay?.(event);
    this.checkHost.observe?.(event, worker);
    void this.hooks.event.promise(event);
  }

  /** The document of the running config: as loaded, or as the last committed reload prepared it. */
  configDocument(): { file: string; value: unknown } | undefined {
    return this.document;
  }

  /** Reads the config document as `load` and `reload` do (the file, or the configured reader). */
  readConfigDocument(): Promise<RawConfig> {
    return this.readRaw();
  }

  private readRaw(): Promise<RawConfig> {
    return readConfigDocument(this.opts, this.configFile, this.role, this.logger);
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

  /**
   * Runs the `start` hook and schedules the checks of this process. With
   * `holdWorkers` (the check child, until it has said ready) check workers probe
   * nothing until `releaseWorkers()`.
   */
  async start(opts: { holdWorkers?: boolean } = {}): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.hooks.start.promise(this.config);
    const workers = this.opts.workers && this.role === 'check' ? resolveCheckWorkers(this.config) : 1;
    if (workers > 1) {
      this.checkHost = new CheckWorkerPool(
        {
          logger: this.logger,
          configDocument: () => this.configDocument(),
          fromWorker: (event, w) => this.fromWorker(event, w),
          replayKeyOf: (event) => this.events.replayKeyOf(event),
          emit: (event) => this.emit(event),
        },
        checkSink(this),
        { count: workers, args: this.opts.workers!.args, execArgv: this.opts.workers!.execArgv },
      );
    }
    if (this.opts.worker && this.checkHost instanceof LocalChecks) await this.checkHost.start(this.config.checks, true);
    else await this.checkHost.start(this.config.checks);
    if (!opts.holdWorkers) this.releaseWorkers();
    if (this.opts.worker) {
      this.logger.info({ checks: this.opts.worker.handOver.checks.length, worker: this.opts.worker.handOver.index }, 'check worker started');
      return;
    }
    this.logger.info({ checks: this.runs('check') ? this.config.checks.length : 0, ...(workers > 1 ? { workers } : {}), file: this.configFile }, 'hacore started');
    await this.emit({ kind: 'daemon', what: 'start', detail: `${this.role}` });
  }

  /**
   * Phase 1 of a reload: reads (or takes) the new config, validates it entirely,
   * builds the new checkers and asks every plugin (`prepareReload`). Changes
   * nothing that runs. Throws, having released what it built, if anything refuses.
   * `raw` is the document the supervisor read, so every process prepares the same one.
   */
  async prepareReload(raw?: RawConfig, workerChecks?: readonly string[]): Promise<ReloadSummary> {
    if (this.reloads.pending) await this.reloads.abort();
    this.assignNextChecks(workerChecks);
    return this.reloads.prepare(raw ?? (await this.readRaw()));
  }

  /** A prepared reload was refused elsewhere: releases what prepare built. Nothing that runs changed. */
  abortReload(): Promise<void> {
    return this.reloads.abort();
  }

  /** Phase 2: applies the prepared reload. A plugin that fails here makes it partial (HACORE_ERR_RELOAD_PARTIAL). */
  commitReload(): Promise<ReloadSummary> {
    return this.reloads.commit();
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
      if (this.reloads.pending) await this.reloads.abort().catch(() => {});
      await this.checkHost.stop();
      this.workerSink?.flush();
      if (!this.opts.worker) await this.emit({ kind: 'daemon', what: 'stop', detail: reason });
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
    // A worker's results before its event: the check process reads them in the order they happened.
    this.workerSink?.flush();
    this.relay?.(event);
    this.checkHost.observe?.(event);
    await this.hooks.event.promise(event);
  }

  /** Delivers an event that happened in another process (relayed by the supervisor). */
  async deliverRemote(event: GenericEvent): Promise<void> {
    this.checkHost.observe?.(event);
    await this.hooks.event.promise(event);
  }

  targets(): Target[] {
    return this.checkHost.targets();
  }

  /** Set by the supervisor so that `statusAll` gathers the children's documents. */
  statusCollector: StatusCollector | undefined;

  statusAll(): Promise<Record<string, StatusReport>> {
    return this.statusCollector ? this.statusCollector() : Promise.resolve({ [this.role]: this.status() });
  }

  /** Set by the supervisor so that `runAction` reaches every child as well. */
  actionCollector: ActionCollector | undefined;

  /** The action in this process only: what its owning plugin says it did, or `undefined` if no plugin here owns it. */
  runActionHere(request: ActionRequest): Promise<string | undefined> {
    return runActionHere(this.hooks, request);
  }

  runAction(request: ActionRequest): Promise<ActionReply[]> {
    return runOperatorAction(this, this.actionCollector, request);
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
      ...(this.sharded ? this.checkHost.status?.() : {}),
    };
    return this.hooks.status.call(base);
  }

  /** This process's status; the check process with workers adds the sections their checker plugins report (status-merge.ts). */
  async statusHere(): Promise<StatusReport> {
    const base = this.status();
    if (!(this.checkHost instanceof CheckWorkerPool)) return base;
    return mergeWorkerStatus(base, await this.checkHost.workerStatus());
  }

  /** Counts and logs a failure that was isolated (a tap, an unhandled rejection of a plugin). */
  onTapError(plugin: string, hook: string, err: unknown): void {
    if (hook === 'reload') this.reloads.noteFailure(plugin, err);
    this.pluginErrors.set(plugin, (this.pluginErrors.get(plugin) ?? 0) + 1);
    this.logger.error({ plugin, hook, err }, `plugin ${plugin} failed in ${hook}`);
    if (hook === 'event') return; // never recurse on a failing event consumer
    void this.emit({ kind: 'plugin-error', plugin, hook, message: (err as Error)?.message ?? String(err) }).catch(() => {});
  }
}

export { ConfigError };

/** A plugin's `loadRuntime()`, its failure named as the plugin's. */
async function loadRuntime(lp: LoadedPlugin): Promise<void> {
  try {
    await lp.plugin.loadRuntime?.();
  } catch (err) {
    throw new HacoreError('HACORE_ERR_PLUGIN_INVALID', `plugin "${lp.plugin.name}" (${lp.spec}) failed to load its runtime: ${(err as Error).message}`, { cause: err });
  }
}
