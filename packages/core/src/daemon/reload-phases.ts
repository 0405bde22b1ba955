import type { Logger } from 'pino';
import type { SchemaRegistry } from '../config/compose.js';
import { preValidate } from '../config/compose.js';
import { configError, type RawConfig } from '../config/load.js';
import { HacoreError } from '../errors.js';
import type { CoreHooks } from '../hooks.js';
import type { ConfigDiff, EventInput, HacoreConfig } from '../types.js';
import type { CheckHost } from './check-host.js';
import { diffConfig } from './config-diff.js';
import { validateWhole } from './config-validator.js';

export interface ReloadSummary {
  added: string[];
  removed: string[];
  changed: string[];
  unchanged: string[];
  sections: string[];
}

/** A reload validated and prepared in this process, waiting for commit or abort. */
interface PreparedReload {
  diff: ConfigDiff;
  file: string;
  value: unknown;
}

/** What the reload phases use of their core's public face. */
export interface ReloadCore {
  readonly hooks: CoreHooks;
  readonly logger: Logger;
  readonly config: HacoreConfig;
  emit(event: EventInput): Promise<void>;
}

/** ... and of its insides. */
export interface ReloadInternals {
  readonly registry: SchemaRegistry;
  /** Where this process's checks run (here, in check workers, or none). */
  checks(): CheckHost;
  /** Refuses what cannot change without a restart (besides the plugin list). */
  refuse?(next: HacoreConfig, file: string): Promise<void>;
  /** The `plugins:` entries the running daemon loaded. */
  pluginSpecs(): unknown[];
  /** Keeps the document the committed config is built from (what a restarted child is handed). */
  adoptDocument(file: string, value: unknown): void;
  /** Makes the new config the running one. */
  adopt(config: HacoreConfig, file: string): void;
}

/**
 * A reload in two phases, so that a supervisor can apply it in every process
 * or in none: `prepare` (validate, build, ask the plugins; changes nothing that
 * runs), then `commit` or `abort`.
 */
export class ReloadPhases {
  private prepared: PreparedReload | undefined;
  private failures: string[] | undefined;

  constructor(
    private readonly core: ReloadCore,
    private readonly own: ReloadInternals,
  ) {}

  get pending(): boolean {
    return this.prepared !== undefined;
  }

  /**
   * Phase 1: validates `doc` entirely, builds the new checkers and asks every
   * plugin (`prepareReload`). Throws, having released what it built, if anything refuses.
   */
  async prepare(doc: RawConfig): Promise<ReloadSummary> {
    const { core, own } = this;
    const pre = preValidate(doc.value);
    if (pre.issues.length > 0) throw await configError(doc.file, pre.issues);
    const before = own.pluginSpecs();
    if (JSON.stringify(before) !== JSON.stringify(pre.plugins)) {
      throw await configError(doc.file, [
        { path: 'plugins', expected: `the same plugin list as the running daemon (${JSON.stringify(before)}); restart to change plugins`, found: JSON.stringify(pre.plugins) },
      ]);
    }
    const next = await validateWhole(doc.value, doc.file, own.registry, core.hooks);
    await own.refuse?.(next, doc.file);
    const diff = diffConfig(core.config, next);
    const checks = own.checks();
    await checks.prepare(diff, { file: doc.file, value: doc.value });
    try {
      await core.hooks.prepareReload.promise(diff);
    } catch (err) {
      await checks.abort();
      throw err;
    }
    this.prepared = { diff, file: doc.file, value: doc.value };
    return { ...diff.checks, sections: diff.sections };
  }

  /** A prepared reload was refused elsewhere: releases what prepare built. Nothing that runs changed. */
  async abort(): Promise<void> {
    const p = this.prepared;
    this.prepared = undefined;
    if (!p) return;
    await this.own.checks().abort();
    await this.core.hooks.abortReload.promise(p.diff);
    this.core.logger.info('prepared reload aborted; the running config stays');
  }

  /** Phase 2: applies the prepared reload. A plugin that fails here makes it partial (HACORE_ERR_RELOAD_PARTIAL). */
  async commit(): Promise<ReloadSummary> {
    const { core, own } = this;
    const p = this.prepared;
    if (!p) throw new HacoreError('HACORE_ERR_CONTROL', 'no prepared reload to commit');
    this.prepared = undefined;
    own.adoptDocument(p.file, p.value);
    const { diff } = p;
    const failed: string[] = [];
    try {
      await own.checks().commit(diff);
    } catch (err) {
      failed.push((err as Error).message);
    }
    own.adopt(diff.next, p.file);
    this.failures = failed;
    try {
      await core.hooks.reload.promise(diff);
    } finally {
      this.failures = undefined;
    }
    if (failed.length > 0) {
      await core.emit({ kind: 'daemon', what: 'reload-failed', detail: failed.join('; ') });
      throw new HacoreError('HACORE_ERR_RELOAD_PARTIAL', `the new config was validated and applied, but ${failed.join('; ')}`);
    }
    core.logger.info({ ...diff.checks, sections: diff.sections }, 'config reloaded');
    await core.emit({ kind: 'daemon', what: 'reload', detail: `+${diff.checks.added.length} -${diff.checks.removed.length} ~${diff.checks.changed.length}` });
    return { ...diff.checks, sections: diff.sections };
  }

  /** A `reload` tap failed (isolated): the commit in progress becomes partial. */
  noteFailure(plugin: string, err: unknown): void {
    this.failures?.push(`plugin ${plugin} failed to apply it: ${(err as Error)?.message ?? String(err)}`);
  }
}
