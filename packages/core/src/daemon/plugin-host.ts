import { CORE_KEYS, SchemaRegistry, parseCheck } from '../config/compose.js';
import * as s from '../config/schema.js';
import { fromStandard, isStandardSchema, type StandardSchemaV1 } from '../config/standard-schema.js';
import { HacoreError } from '../errors.js';
import { EventKinds } from '../events.js';
import { createHooks, type CoreHooks } from '../hooks.js';
import type { HacoreCore, HacorePlugin } from '../plugin.js';
import type { LoadedPlugin } from '../plugins/loader.js';
import type { CheckSpec, EventDeclaration, HacoreConfig, Role } from '../types.js';

const DEFAULT_ROLES: readonly Role[] = ['check'];

export function pluginRoles(p: HacorePlugin): readonly Role[] {
  return p.roles && p.roles.length > 0 ? p.roles : DEFAULT_ROLES;
}

/** True when a plugin's taps belong in a process of this role. */
export function pluginRunsIn(p: HacorePlugin, role: Role | 'single'): boolean {
  return role === 'single' || pluginRoles(p).includes(role) || (p.alsoIn ?? []).includes(role);
}

/**
 * What every process learns from every plugin's apply(), whatever its role:
 * the config sections and check types it owns (so each process validates the
 * whole file) and the event kinds it declares (so each process can replay and
 * render them). Records which plugin registered what, for the error messages.
 */
export class PluginHost {
  readonly registry = new SchemaRegistry();
  readonly events = new EventKinds();
  #applying: LoadedPlugin | undefined;

  get owner(): string {
    return this.#applying?.plugin.name ?? 'core';
  }

  /** Runs one plugin's apply() against `target` (the core itself, or an inert facade for another role). */
  apply(lp: LoadedPlugin, target: HacoreCore): void {
    this.#applying = lp;
    try {
      lp.plugin.apply(target);
    } catch (err) {
      if (err instanceof HacoreError && err.code === 'HACORE_ERR_PLUGIN_APPLY') throw err;
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${lp.plugin.name}" threw in apply(): ${(err as Error)?.message ?? String(err)}`, { cause: err });
    } finally {
      this.#applying = undefined;
    }
  }

  registerSection(key: string, schema: s.Schema<unknown> | StandardSchemaV1, options: { roles?: readonly Role[] } = {}): void {
    const owner = this.owner;
    const existing = this.registry.sections.get(key);
    if (existing || (CORE_KEYS as readonly string[]).includes(key)) {
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${owner}" registers config section "${key}", already owned by ${existing?.owner ?? 'the core'}`);
    }
    const core = isStandardSchema(schema) ? fromStandard(schema) : schema;
    if (typeof (core as Partial<s.Schema<unknown>>).parse !== 'function') {
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${owner}" registers config section "${key}" with something that is neither a core schema nor a Standard Schema validator`);
    }
    this.registry.sections.set(key, { owner, schema: core, roles: options.roles ?? ['check'] });
  }

  registerCheckType<S extends s.Shape>(type: string, options: s.ObjectSchema<S>): void {
    const owner = this.owner;
    const existing = this.registry.checkTypes.get(type);
    if (existing) {
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${owner}" registers check type "${type}", already provided by ${existing.owner}`);
    }
    this.registry.checkTypes.set(type, { owner, schema: options as unknown as s.ObjectSchema<s.Shape> });
  }

  declareEvent(decl: EventDeclaration): void {
    this.events.declare(this.owner, decl);
  }

  parseCheck(raw: unknown, ctx: s.ParseContext, path: string): CheckSpec | s.Invalid {
    return parseCheck(raw, this.registry, ctx, path) ?? s.INVALID;
  }

  /**
   * The core as a plugin of another role sees it: registration and validation
   * work (they are part of validating the whole file in every process); every
   * other hook is inert, and nothing can be emitted or started.
   */
  facade(real: HacoreCore): HacoreCore {
    const hooks: CoreHooks = Object.freeze({ ...createHooks(), collectChecks: real.hooks.collectChecks, validate: real.hooks.validate });
    return {
      apiVersion: real.apiVersion,
      role: real.role,
      hooks,
      logger: real.logger,
      events: this.events,
      get config(): HacoreConfig {
        throw new HacoreError('HACORE_ERR_CONFIG_INVALID', 'plugin does not run in this process');
      },
      registerSection: ((k: string, sc: s.Schema<unknown> | StandardSchemaV1, o?: { roles?: readonly Role[] }) => this.registerSection(k, sc, o)) as HacoreCore['registerSection'],
      registerCheckType: (t, o) => this.registerCheckType(t, o),
      declareEvent: (d) => this.declareEvent(d),
      parseCheck: (raw, ctx, path) => this.parseCheck(raw, ctx, path),
      emit: async () => {},
      targets: () => [],
      runs: () => false,
      statusAll: async () => ({}),
      runAction: async () => {
        throw new HacoreError('HACORE_ERR_ACTION', 'plugin does not run in this process');
      },
    };
  }
}
