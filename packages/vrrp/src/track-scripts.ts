/** The track scripts (keepalived vrrp_script) the running section uses, one runner each, shared by the instances. */
import type { Logger } from '@hacore/core';
import type { VrrpSectionConfig } from './config-schema.js';
import type { VrrpInstance } from './instance.js';
import { TrackScriptRunner } from './tracking-script.js';

export class TrackScripts {
  private readonly scripts = new Map<string, TrackScriptRunner>();

  constructor(
    private readonly instances: () => Iterable<VrrpInstance>,
    private readonly log: () => Logger,
  ) {}

  /** Starts the runners `section` uses, stops those it no longer uses or whose definition changed since `previous`. */
  sync(section: VrrpSectionConfig, previous: VrrpSectionConfig | undefined): void {
    const used = new Set<string>();
    for (const i of section.instances) for (const t of i.track.scripts) used.add(t.name);
    for (const [name, runner] of this.scripts) {
      if (!used.has(name) || JSON.stringify(section.scripts[name]) !== JSON.stringify(previous?.scripts[name])) {
        runner.stop();
        this.scripts.delete(name);
      }
    }
    for (const name of used) {
      if (this.scripts.has(name)) {
        // Hand the known state to instances that were just created.
        const st = this.scripts.get(name)!.state;
        for (const i of this.instances()) i.setTracked('script', name, st);
        continue;
      }
      const cfg = section.scripts[name];
      if (!cfg) continue;
      const runner = new TrackScriptRunner(name, cfg, (n, state, reason) => {
        this.log().info({ script: n, state, reason }, `track script ${n} is ${state}`);
        for (const i of this.instances()) i.setTracked('script', n, state);
      });
      this.scripts.set(name, runner);
      runner.start();
    }
  }

  stop(): void {
    for (const r of this.scripts.values()) r.stop();
    this.scripts.clear();
  }

  status(): { name: string; state: string; lastResult: string | undefined }[] {
    return [...this.scripts.values()].map((s) => ({ name: s.name, state: s.state, lastResult: s.lastReason }));
  }
}
