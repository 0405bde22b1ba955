/**
 * Track files (keepalived track_file) in the vrrp process: one FileWatch
 * (inotify plus a poll, from @hacore/checker-file) per file that an instance
 * tracks, each new reading handed to every instance at once. The mapping of a
 * value to priority or Fault is per instance, in tracking.ts.
 */
import { FileWatch, type FileReading } from '@hacore/checker-file';
import type { Logger } from '@hacore/core';
import type { TrackFileConfig, VrrpSectionConfig } from './config-schema.js';
import type { TrackItemState, TrackKind } from './tracking.js';

/** What the runners need of an instance. */
export interface FileTrackingTarget {
  setTracked(kind: TrackKind, name: string, state: TrackItemState): void;
}

/** The watched files of one runtime, kept in step with the section by sync(). */
export class TrackFileRunners {
  private readonly watches = new Map<string, { config: TrackFileConfig; watch: FileWatch }>();

  constructor(
    private readonly instances: () => Iterable<FileTrackingTarget>,
    private readonly log: () => Pick<Logger, 'info'> | undefined = () => undefined,
  ) {}

  /** Watches the files the section's instances track; stops the others, and those whose config changed. */
  sync(section: VrrpSectionConfig): void {
    const used = new Set<string>();
    for (const i of section.instances) for (const t of i.track.files ?? []) used.add(t.name);
    const files = section.files ?? {};
    for (const [name, w] of this.watches) {
      if (!used.has(name) || JSON.stringify(files[name]) !== JSON.stringify(w.config)) {
        w.watch.close();
        this.watches.delete(name);
      }
    }
    for (const name of used) {
      const kept = this.watches.get(name);
      if (kept) {
        // Instances made by a reload learn the reading at once.
        if (kept.watch.reading) this.publish(name, kept.watch.reading);
        continue;
      }
      const config = files[name];
      if (!config) continue;
      const watch = new FileWatch(config.path, { watch: config.watch, pollInterval: config.pollInterval, settle: config.settle, ...(config.initFile ? { initFile: config.initFile } : {}) }, (r) => {
        this.log()?.info({ file: name, path: config.path, reading: r }, `track file ${name}: ${'invalid' in r ? r.invalid : r.missing ? 'missing (0)' : `value ${r.value}`}`);
        this.publish(name, r);
      });
      this.watches.set(name, { config, watch });
      void watch.start();
    }
  }

  private publish(name: string, r: FileReading): void {
    for (const i of this.instances()) i.setTracked('file', name, r);
  }

  stop(): void {
    for (const w of this.watches.values()) w.watch.close();
    this.watches.clear();
  }

  status(): { name: string; path: string; reading: FileReading | undefined; watching: boolean; watchError: string | undefined }[] {
    return [...this.watches].map(([name, w]) => ({ name, path: w.config.path, reading: w.watch.reading, watching: w.watch.watching, watchError: w.watch.watchError }));
  }
}
