import { definePlugin, isEvent } from '@hacore/core';
import { z } from 'zod';
import { FlapWindow } from './flap-window.js';

export { FlapWindow } from './flap-window.js';

// The plugin's own event kind, typed for everyone who imports this package.
declare module '@hacore/core' {
  interface HacoreEventMap {
    /** A check changed state `flips` times within `windowMs`. */
    'check-flapping': { check: string; flips: number; windowMs: number };
  }
}

/** The `flapDetector` section, with zod: the core accepts any Standard Schema validator. */
export const flapDetectorSchema = z
  .object({
    threshold: z.number().int().min(2).default(3),
    windowMs: z.number().int().positive().default(60_000),
  })
  .strict();

export type FlapDetectorConfig = z.infer<typeof flapDetectorSchema>;

/**
 * Emits `check-flapping` when a check flips `threshold` times within
 * `windowMs`. Runs in the supervisor, which sees every role's events; any
 * notifier delivers the event without knowing this plugin.
 */
export default definePlugin({
  packageUrl: import.meta.url,
  roles: ['main'],
  sections: { flapDetector: flapDetectorSchema },
  events: [
    {
      kind: 'check-flapping',
      description: 'A check changed state `threshold` times within `windowMs` (hacore-flap-detector).',
      replayKey: ['check'],
      describe: (e) => ({ title: `Check ${String(e.check)}`, change: 'FLAPPING', detail: `=> ${String(e.flips)} state changes within ${String(e.windowMs)} ms <=` }),
      counters: [{ name: 'hacore_check_flapping_total', help: 'Times a check was found flapping (hacore-flap-detector).', labels: { check: 'check' } }],
    },
  ],
  apply(core, plugin) {
    let window: FlapWindow | undefined;
    let cfg: FlapDetectorConfig | undefined;
    const configure = (c: unknown): void => {
      cfg = c as FlapDetectorConfig | undefined;
      window = cfg ? new FlapWindow(cfg.windowMs, cfg.threshold) : undefined;
    };
    core.hooks.start.tap(plugin.name, (config) => configure(config['flapDetector']));
    core.hooks.reload.tap(plugin.name, (diff) => {
      if (diff.sections.includes('flapDetector')) configure(diff.next['flapDetector']);
    });
    core.hooks.event.tap(plugin.name, (event) => {
      if (!window || !cfg || !isEvent(event, 'target-state') || event.from === 'unknown') return;
      const flips = window.flip(event.check, event.time);
      if (flips === undefined) return;
      core.logger.warn({ plugin: plugin.name, check: event.check, flips }, `check ${event.check} is flapping`);
      void core.emit({ kind: 'check-flapping', check: event.check, flips, windowMs: cfg.windowMs });
    });
  },
});
