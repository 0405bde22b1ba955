/**
 * @hacore/bfd as a hacore plugin: the `bfd` section's sessions run in a `bfd`
 * process of their own (so that no check load can delay a packet), each change
 * of state is a `bfd-state` event that the supervisor relays to the other
 * processes, and `type: bfd` checks (keepalived BFD_CHECK) follow those events
 * in the check process.
 */
import { setPriority } from 'node:os';
import { defineCheckType, definePlugin, type ConfigIssue, type HacoreConfig, type HacoreCore } from '@hacore/core';
import { setRealtime } from '@hacore/native';
import { BfdChecker, BfdStateBook, bfdCheckOptions, type BfdCheckSpec } from './bfd-check.js';
import { bfdSectionSchema, type BfdSectionConfig } from './config-schema.js';
import { BFD_EVENTS } from './events.js';
import { BfdRuntime } from './runtime.js';

export const PLUGIN_NAME = '@hacore/bfd';

function section(config: HacoreConfig): BfdSectionConfig {
  return (config['bfd'] as BfdSectionConfig | undefined) ?? { instances: [] };
}

/** Checks of `type: bfd` must name a session of the `bfd` section. */
export function checkIssues(config: HacoreConfig): ConfigIssue[] {
  const names = section(config).instances.map((i) => i.name);
  const issues: ConfigIssue[] = [];
  config.checks.forEach((c, i) => {
    if (c.type !== 'bfd') return;
    const name = (c as unknown as BfdCheckSpec).session;
    if (!names.includes(name)) issues.push({ path: `checks[${i}].session`, expected: `the name of a session under bfd.instances (${names.join(', ') || 'none defined'})`, found: JSON.stringify(name) });
  });
  return issues;
}

function schedule(sec: BfdSectionConfig, log: HacoreCore['logger']): void {
  if (sec.nice !== undefined) {
    try {
      setPriority(sec.nice);
    } catch (err) {
      log.warn({ err, nice: sec.nice }, 'could not change the bfd process priority (raising it needs CAP_SYS_NICE)');
    }
  }
  if (sec.realtimePriority !== undefined) {
    try {
      setRealtime(sec.realtimePriority, 2_000_000);
      log.info({ priority: sec.realtimePriority }, 'BFD event loop runs SCHED_RR');
    } catch (err) {
      log.warn({ err }, 'could not switch the bfd process to realtime scheduling');
    }
  }
}

export const BfdPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['bfd'],
  // The check type follows sessions from the check process, which runs anyway when checks exist.
  alsoIn: ['check'],
  sections: { bfd: { schema: bfdSectionSchema, roles: ['bfd', 'check'] } },
  events: BFD_EVENTS,
  apply(core) {
    const log = core.logger.child({ plugin: PLUGIN_NAME });
    const book = new BfdStateBook();
    let runtime: BfdRuntime | undefined;
    defineCheckType(core, PLUGIN_NAME, 'bfd', bfdCheckOptions, (spec) => new BfdChecker(spec as BfdCheckSpec, book));
    core.hooks.validate.tap(PLUGIN_NAME, (config, issues) => {
      issues.push(...checkIssues(config));
    });
    core.hooks.event.tap(PLUGIN_NAME, (e) => book.observe(e));
    const emitter = (c: Parameters<ConstructorParameters<typeof BfdRuntime>[1]>[0]): void => {
      void core.emit({ kind: 'bfd-state', ...c }).catch((err: unknown) => log.error({ err }, 'could not emit a bfd-state event'));
    };
    core.hooks.start.tapPromise(PLUGIN_NAME, async (config) => {
      if (!core.runs('bfd')) return;
      const sec = section(config);
      schedule(sec, log);
      const r = new BfdRuntime(log, emitter);
      runtime = r;
      try {
        r.start(sec);
      } catch (err) {
        r.stop();
        runtime = undefined;
        throw err;
      }
      if (sec.instances.length > 0) log.info({ sessions: sec.instances.length }, `${sec.instances.length} BFD session(s) started`);
    });
    core.hooks.reload.tapPromise(PLUGIN_NAME, async (diff) => {
      if (!runtime || !diff.sections.includes('bfd')) return;
      const r = runtime.reload(section(diff.next));
      log.info(r, 'bfd sessions reloaded');
    });
    core.hooks.status.tap(PLUGIN_NAME, (doc) => {
      if (runtime) doc['bfd'] = runtime.status();
      return doc;
    });
    core.hooks.shutdown.tapPromise(PLUGIN_NAME, async () => {
      runtime?.stop();
      runtime = undefined;
    });
  },
});

export default BfdPlugin;
