/**
 * The vrrp plugin's contract with the core: its section, events, hooks and taps.
 * What runs in the vrrp process lives in runtime.ts, imported there only
 * (`loadRuntime`): the other processes validate the section with this module alone
 * (package.json `hacorePlugin` names it, not the library's index).
 */
import { isEvent, type HacoreCore, type HacorePlugin, readOwnPackage } from '@hacore/core';
import { VRRP_EVENTS } from './events.js';
import { vrrpSectionSchema, type VrrpSectionConfig } from './config-schema.js';
import { vrrpReferenceIssues } from './cross-references.js';
import { bfdTrackingFor } from './tracking-bfd.js';
import { vrrpHooksFor, type VrrpHooks } from './plugin-hooks.js';
import { PLUGIN_NAME } from './plugin-name.js';
import type { VrrpRuntime } from './runtime.js';

export { PLUGIN_NAME } from './plugin-name.js';
export { VrrpPluginError } from './plugin-error.js';
export { crossCheck } from './cross-check.js';
export type { VrrpHooks } from './plugin-hooks.js';

/** Name, version and API range from this package's own package.json (the header definePlugin reads). */
const pkg = readOwnPackage(import.meta.url);

/** VRRPv2/v3 (keepalived vrrp_instance / vrrp_sync_group) as a hacore plugin; runs in the `vrrp` child. */
export class VrrpPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['vrrp'] as const;

  async loadRuntime(): Promise<void> {
    await import('./runtime.js');
    // netlink's rtnetlink files (~20 ms), required on the first request otherwise: at start, after the config came.
    (await import('./netlink.js')).netlinkModule();
  }

  static getHooks(core: HacoreCore): VrrpHooks {
    return vrrpHooksFor(core);
  }

  apply(core: HacoreCore): void {
    core.registerSection('vrrp', vrrpSectionSchema, { roles: ['vrrp'] });
    for (const d of VRRP_EVENTS) core.declareEvent(d);
    bfdTrackingFor(core).tap(core, PLUGIN_NAME);
    core.hooks.validate.tap(PLUGIN_NAME, (config, issues) => void issues.push(...vrrpReferenceIssues(config)));
    let runtime: VrrpRuntime | undefined;
    core.hooks.start.tapPromise(PLUGIN_NAME, async (config) => {
      if (!core.runs('vrrp')) return;
      const section = config['vrrp'] as VrrpSectionConfig | undefined;
      if (!section || section.instances.length === 0) return;
      const r = await newRuntime(core);
      await r.start(section, config);
      runtime = r;
    });
    core.hooks.reload.tapPromise(PLUGIN_NAME, async (diff) => {
      if (!core.runs('vrrp') || !diff.sections.includes('vrrp')) return;
      const next = diff.next['vrrp'] as VrrpSectionConfig | undefined;
      if (!runtime) {
        if (!next || next.instances.length === 0) return;
        const r = await newRuntime(core);
        await r.start(next, diff.next);
        runtime = r;
        return;
      }
      await runtime.reload(next ?? { instances: [], syncGroups: [], scripts: {} }, diff.next);
    });
    for (const y of [true, false]) {
      core.hooks.action.for(y ? 'yield' : 'unyield').tapPromise(PLUGIN_NAME, async (req) => runtime?.yieldAction(req, y));
    }
    core.hooks.event.tap(PLUGIN_NAME, (event) => {
      if (isEvent(event, 'target-state')) runtime?.checkState(event.check, event.to);
    });
    core.hooks.status.tap(PLUGIN_NAME, (doc) => {
      if (runtime) doc['vrrp'] = runtime.status();
      return doc;
    });
    // The priority-0 adverts go before anything else the process does on stop.
    core.hooks.stopping.tap(PLUGIN_NAME, () => runtime?.leave());
    core.hooks.shutdown.tapPromise(PLUGIN_NAME, async (reason) => {
      const r = runtime;
      runtime = undefined;
      await r?.stop(reason);
    });
  }
}

async function newRuntime(core: HacoreCore): Promise<VrrpRuntime> {
  const { VrrpRuntime } = await import('./runtime.js');
  return new VrrpRuntime(core, core.logger.child({ plugin: PLUGIN_NAME }));
}

export default VrrpPlugin;
