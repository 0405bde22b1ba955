import type { FamilyDef, Sample } from './status-map.js';

/**
 * A metric whose samples are computed at scrape time from the status
 * documents. It implements the part of prom-client's metric interface that a
 * Registry uses (name, help, type, get, reset), so its samples are formatted
 * and escaped by prom-client like every other metric.
 */
export class SnapshotMetric {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyDef['type'];
  readonly aggregator = 'sum' as const;
  samples: Sample[] = [];

  constructor(d: FamilyDef) {
    this.name = d.name;
    this.help = d.help;
    this.type = d.type;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: { labels: Record<string, string>; value: number; metricName?: string }[] }> {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.samples.map((s) => (s.series ? { labels: s.labels, value: s.value, metricName: this.name + s.series } : { labels: s.labels, value: s.value })),
    });
  }

  reset(): void {
    this.samples = [];
  }
}
