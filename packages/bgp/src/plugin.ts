import { definePlugin, HacoreError, isEvent, unknownNameIssue, type ConfigIssue, type HacoreConfig } from '@hacore/core';
import { references } from './condition.js';
import { bgpSectionSchema, type BgpSectionConfig } from './config-schema.js';
import { BGP_EVENTS } from './events.js';
import { BgpRuntime } from './runtime.js';

export const PLUGIN_NAME = '@hacore/bgp';

/** The names another plugin's section gives its entries, read generically (this package depends on neither). */
function namesIn(list: unknown): string[] {
  return Array.isArray(list) ? list.map((x) => (x as { name?: unknown })?.name).filter((n): n is string => typeof n === 'string') : [];
}

/**
 * What the schema cannot see: the checks, virtual servers (`quorum`) and VRRP
 * instances (`vrrpMaster`) that a condition names must exist.
 */
export function crossCheck(section: BgpSectionConfig, config: Pick<HacoreConfig, 'checks'> & Record<string, unknown>): ConfigIssue[] {
  const checks = config.checks.map((c) => c.name);
  const virtualServers = namesIn(config['virtualServers']);
  const instances = namesIn((config['vrrp'] as { instances?: unknown } | undefined)?.instances);
  const issues: ConfigIssue[] = [];
  section.prefixes.forEach((p, i) => {
    const refs = references(p.when);
    if (p.degraded) references(p.degraded.when, refs);
    const path = `bgp.prefixes[${i}].when`;
    for (const c of refs.checks) {
      const issue = unknownNameIssue(path, c, checks, 'the name of a check under checks:');
      if (issue) issues.push(issue);
    }
    for (const v of refs.quorum) {
      const issue = unknownNameIssue(path, v, virtualServers, 'the name of a virtual server under virtualServers: (its quorum)');
      if (issue) issues.push(issue);
    }
    for (const v of refs.vrrpMaster) {
      const issue = unknownNameIssue(path, v, instances, 'the name of a vrrp instance (is the @hacore/vrrp plugin loaded?)');
      if (issue) issues.push(issue);
    }
  });
  return issues;
}

/** Announces healthy VIPs over BGP through a private FRR bgpd; runs in the `bgp` child. */
export const BgpPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['bgp'],
  sections: { bgp: bgpSectionSchema },
  events: BGP_EVENTS,
  apply(core, plugin) {
    let runtime: BgpRuntime | undefined;
    core.hooks.validate.tap(plugin.name, (config, issues) => {
      const s = config['bgp'] as BgpSectionConfig | undefined;
      if (s) issues.push(...crossCheck(s, config));
    });
    core.hooks.start.tapPromise(plugin.name, async (config) => {
      if (!core.runs('bgp')) return;
      const s = config['bgp'] as BgpSectionConfig | undefined;
      if (!s) return;
      runtime = new BgpRuntime(core, s, core.logger.child({ plugin: plugin.name }));
      await runtime.start();
    });
    core.hooks.event.tap(plugin.name, (event) => {
      const r = runtime;
      if (!r) return;
      if (isEvent(event, 'target-state')) r.world.checks.set(event.check, event.to === 'up');
      else if (event.kind === 'quorum') r.world.quorum.set(String(event['virtualServer']), event['up'] === true);
      else if (event.kind === 'vrrp-transition') r.world.vrrpMaster.set(String(event['instance']), event['to'] === 'MASTER');
      else return;
      r.reevaluate(`${event.kind}`);
    });
    core.hooks.prepareReload.tapPromise(plugin.name, async (diff) => {
      const next = diff.next['bgp'] as BgpSectionConfig | undefined;
      if (!runtime || !diff.sections.includes('bgp')) return;
      if (!next) throw new HacoreError('HACORE_ERR_RELOAD_REFUSED', 'bgp: the section cannot be removed by a reload while the bgp process runs; restart hacore');
      runtime.prepareReload(next);
    });
    core.hooks.reload.tapPromise(plugin.name, async (diff) => {
      const next = diff.next['bgp'] as BgpSectionConfig | undefined;
      if (runtime && next && diff.sections.includes('bgp')) await runtime.reload(next);
    });
    core.hooks.status.tap(plugin.name, (doc) => {
      if (runtime) doc['bgp'] = runtime.status();
      return doc;
    });
    core.hooks.shutdown.tapPromise(plugin.name, async (reason) => {
      const r = runtime;
      runtime = undefined;
      await r?.stop(reason);
    });
  },
});
