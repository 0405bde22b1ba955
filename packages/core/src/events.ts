import { closest } from './config/schema.js';
import { HacoreError } from './errors.js';
import type { DeclaredEvent, EventDeclaration, EventRegistry, GenericEvent } from './types.js';

const KIND = /^[a-z][a-z0-9]*(?:[-.:][a-z0-9]+)*$/;

/** The core's own event kinds; every other kind is declared by the plugin that emits it. */
export const CORE_EVENTS: readonly EventDeclaration[] = [
  {
    kind: 'target-state',
    description: "A check's target went up or down after the rise/fall logic.",
    replayKey: ['check'],
    describe: (e) => {
      const t = e.target as { address?: string; port?: number } | undefined;
      const where = t?.address ? ` (${String(e.type)} ${t.address}${t.port !== undefined ? `:${t.port}` : ''})` : '';
      return {
        title: `Check ${String(e.check)}${where}`,
        change: String(e.to).toUpperCase(),
        detail: `=> ${e.to === 'up' ? 'CHECK succeeded' : 'CHECK failed'}: ${String(e.reason)} <=`,
      };
    },
    counters: [
      { name: 'hacore_target_transitions_total', help: 'Target state changes after rise/fall, by check and new state.', labels: { check: 'check', to: 'to' } },
    ],
  },
  {
    kind: 'daemon',
    description: 'The daemon started, stopped, reloaded (or refused a reload), or a child process exited or started.',
    describe: (e) => ({ title: 'hacore', change: String(e.what), detail: typeof e.detail === 'string' ? e.detail : '' }),
    counters: [{ name: 'hacore_daemon_events_total', help: 'Daemon lifecycle events (start, reload, child-exit, ...).', labels: { what: 'what' } }],
  },
  {
    kind: 'operator-action',
    description: 'An operator action was done (drain, undrain, yield, ... from the CLI or the web console).',
    describe: (e) => ({ title: `Operator ${String(e.action)}`, change: String(e.action), detail: `${render(e.args)} from ${String(e.from)}: ${String(e.result)}` }),
    counters: [{ name: 'hacore_operator_actions_total', help: 'Operator actions done, by action.', labels: { action: 'action' } }],
  },
  {
    kind: 'plugin-error',
    description: "A plugin's tap threw or rejected; it was isolated and the daemon went on.",
    describe: (e) => ({ title: `Plugin ${String(e.plugin)}`, change: `error in ${String(e.hook)}`, detail: String(e.message) }),
  },
];

function render(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** The event kinds of one process: the core's and those its plugins declared in apply(). */
export class EventKinds implements EventRegistry {
  readonly #kinds = new Map<string, DeclaredEvent>();

  constructor() {
    for (const d of CORE_EVENTS) this.#kinds.set(d.kind, { ...d, owner: 'core' });
  }

  declare(owner: string, decl: EventDeclaration): void {
    if (typeof decl?.kind !== 'string' || !KIND.test(decl.kind)) {
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${owner}" declares an event kind ${JSON.stringify(decl?.kind)}: expected lower-case words joined by - . or :`);
    }
    const existing = this.#kinds.get(decl.kind);
    if (existing) {
      throw new HacoreError('HACORE_ERR_PLUGIN_APPLY', `plugin "${owner}" declares event kind "${decl.kind}", already declared by ${existing.owner}`);
    }
    this.#kinds.set(decl.kind, { ...decl, owner });
  }

  get(kind: string): DeclaredEvent | undefined {
    return this.#kinds.get(kind);
  }

  list(): DeclaredEvent[] {
    return [...this.#kinds.values()];
  }

  replayKeyOf(event: GenericEvent): string | undefined {
    const fields = this.#kinds.get(event.kind)?.replayKey;
    if (!fields) return undefined;
    return `${event.kind}:${fields.map((f) => `${f}=${render(event[f])}`).join(',')}`;
  }

  describe(event: GenericEvent): { title: string; change: string; detail: string } {
    const d = this.#kinds.get(event.kind)?.describe?.(event);
    if (d) return { title: d.title, change: d.change, detail: d.detail ?? '' };
    const fields = Object.entries(event)
      .filter(([k]) => k !== 'kind' && k !== 'time' && k !== 'origin')
      .map(([k, v]) => `${k}=${render(v)}`);
    return { title: `Event ${event.kind}`, change: event.kind, detail: fields.join(' ') };
  }
}

/** Narrows a generic event to a kind this compilation has the types of. */
export function isEvent<K extends import('./types.js').HacoreEventKind>(event: GenericEvent, kind: K): event is GenericEvent & import('./types.js').HacoreEventOf<K> {
  return event.kind === kind;
}

/**
 * Config issues for event kinds that no loaded plugin declares (a notifier's
 * `events:` filter): for a `validate` tap, with a "did you mean".
 */
export function undeclaredEventKinds(registry: EventRegistry, kinds: readonly string[] | undefined, path: string): import('./errors.js').ConfigIssue[] {
  const known = registry.list().map((d) => d.kind);
  return (kinds ?? []).flatMap((k, i) => {
    if (registry.get(k)) return [];
    const near = closest(k, known);
    return [{ path: `${path}[${i}]`, expected: `an event kind declared by the core or a loaded plugin (${known.join(', ')})`, found: JSON.stringify(k), ...(near ? { hint: `did you mean "${near}"?` } : {}) }];
  });
}
