import { readOwnPackage } from '@hacore/core';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventRegistry, GenericEvent, HacoreCore, HacorePlugin, Logger, StatusReport } from '@hacore/core';
import { Counter, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { DEFAULT_LISTEN, metricsSchema, parseListen, type MetricsConfig } from './config.js';
import { ProbeStats } from './probe-stats.js';
import { SnapshotMetric } from './snapshot-metric.js';
import { STATUS_FAMILIES, mapStatus, type EventState, type FamilyName } from './status-map.js';

export { metricsSchema, parseListen, DEFAULT_LISTEN, type MetricsConfig, type ListenAddress } from './config.js';
export { ProbeStats, LATENCY_BUCKETS, type CheckProbeStats } from './probe-stats.js';
export { mapStatus, STATUS_FAMILIES, VRRP_STATES, type Sample, type FamilyDef, type FamilyName } from './status-map.js';

export const PLUGIN_NAME = '@hacore/metrics';
/** Name, version and API range from this package's own package.json (the header definePlugin reads). */
const pkg = readOwnPackage(import.meta.url);

/** The `metrics` section of the supervisor's status document. */
export interface MetricsStatus {
  /** Where the listener is bound, e.g. `127.0.0.1:9650`. */
  listen: string;
  scrapes: number;
  statusErrors: number;
}

function hostPort(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/**
 * Prometheus metrics and the JSON status over one opt-in HTTP listener
 * (section `metrics`). It runs in the supervisor, which serves the listener
 * and sees every event, and in the check process, where it counts probes
 * (their counts reach the supervisor through the status documents).
 */
export class MetricsPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['main'] as const;
  readonly alsoIn = ['check'] as const;

  private server: http.Server | undefined;
  private registry: Registry | undefined;
  private snapshot = new Map<FamilyName, SnapshotMetric>();
  private probes: ProbeStats | undefined;
  private readonly events: EventState = { vrrp: new Map() };
  private status: MetricsStatus | undefined;
  private eventCounters: ReturnType<typeof makeEventCounters> | undefined;

  apply(core: HacoreCore): void {
    core.registerSection('metrics', metricsSchema, { roles: ['main', 'check'] });
    const log = core.logger.child({ plugin: PLUGIN_NAME });

    // Stage -100: counting before other plugins' start taps, which may already emit events.
    core.hooks.start.tapPromise({ name: PLUGIN_NAME, stage: -100 }, async (config) => {
      const cfg = config.metrics as MetricsConfig | undefined;
      if (!cfg?.enabled) return;
      if (core.runs('check')) this.probes = new ProbeStats(cfg.maxFailureReasons);
      if (core.runs('main')) await this.listen(core, cfg, log);
    });

    core.hooks.checkResult.tap(PLUGIN_NAME, (target, result) => {
      this.probes?.record(target.check, result);
    });

    core.hooks.reload.tap(PLUGIN_NAME, (diff) => {
      for (const c of diff.checks.removed) this.probes?.forget(c);
    });

    core.hooks.event.tap(PLUGIN_NAME, (ev) => this.onEvent(ev));

    core.hooks.status.tap(PLUGIN_NAME, (doc) => {
      let out = doc;
      if (this.probes) out = { ...out, probes: this.probes.snapshot() };
      if (this.status) out = { ...out, metrics: { ...this.status } };
      return out;
    });

    // Stage 100: after the other plugins' shutdown taps, which may still emit events (VRRP STOP).
    core.hooks.shutdown.tapPromise({ name: PLUGIN_NAME, stage: 100 }, async () => {
      const s = this.server;
      this.server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    });
  }

  private onEvent(ev: GenericEvent): void {
    const c = this.eventCounters;
    if (!c) return;
    c.events.inc({ kind: ev.kind });
    // Every declared kind alike: the counters its declaration asks for.
    for (const counter of c.byKind.get(ev.kind) ?? []) {
      const labels: Record<string, string> = {};
      for (const [label, from] of Object.entries(counter.labels)) labels[label] = typeof from === 'function' ? from(ev) : String(ev[from] ?? '');
      counter.metric.inc(labels);
    }
    // The VRRP gauge of an instance no status section reports (see status-map).
    if (ev.kind === 'vrrp-transition' && typeof ev.instance === 'string' && typeof ev.to === 'string') this.events.vrrp.set(ev.instance, ev.to);
  }

  private async listen(core: HacoreCore, cfg: MetricsConfig, log: Logger): Promise<void> {
    const registry = new Registry();
    this.registry = registry;
    this.eventCounters = makeEventCounters(registry, core.events);
    if (cfg.processMetrics) collectDefaultMetrics({ register: registry });
    for (const d of STATUS_FAMILIES) {
      const m = new SnapshotMetric(d);
      this.snapshot.set(d.name, m);
      registry.registerMetric(m as unknown as Metric);
    }
    const addr = cfg.listen ?? parseListen(DEFAULT_LISTEN)!;
    const server = http.createServer((req, res) => {
      // handle() answers its own errors; this catch is the last guard against an unhandled rejection taking the supervisor down.
      this.handle(core, cfg, req, res, log).catch((err: unknown) => {
        log.warn({ err }, 'metrics request failed');
        res.destroy();
      });
    });
    server.keepAliveTimeout = 5000;
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException): void =>
        reject(
          Object.assign(new Error(`metrics.listen: cannot listen on ${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${addr.port}: ${err.code ?? err.message}`, { cause: err }), {
            code: 'HACORE_ERR_METRICS_LISTEN',
          }),
        );
      server.once('error', fail);
      server.listen(addr.port, addr.host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err }, 'metrics listener error'));
    this.server = server;
    this.status = { listen: hostPort(server.address() as AddressInfo), scrapes: 0, statusErrors: 0 };
    log.info({ listen: this.status.listen }, `metrics and status on http://${this.status.listen}/metrics and /status`);
  }

  private async statusAll(core: HacoreCore, ms: number): Promise<Record<string, StatusReport>> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        core.statusAll(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no status from every process within ${ms}ms`)), ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async handle(core: HacoreCore, cfg: MetricsConfig, req: http.IncomingMessage, res: http.ServerResponse, log: Logger): Promise<void> {
    const send = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    // The HTTP parser lets through request targets that URL refuses (`GET http://[`).
    const url = URL.canParse(req.url ?? '/', 'http://x') ? new URL(req.url ?? '/', 'http://x') : undefined;
    if (!url) {
      send(400, 'text/plain; charset=utf-8', 'bad request target\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      send(405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    try {
      if (url.pathname === '/metrics') {
        this.status!.scrapes++;
        let all: Record<string, StatusReport> | undefined;
        try {
          all = await this.statusAll(core, cfg.statusTimeout);
        } catch (err) {
          // Event-derived and process metrics are still worth serving.
          this.status!.statusErrors++;
          log.warn({ err }, 'metrics scrape without the status documents');
        }
        const fams = mapStatus(all ?? {}, this.events);
        for (const [name, m] of this.snapshot) m.samples = fams.get(name) ?? [];
        this.eventCounters!.scrapeErrors.reset();
        this.eventCounters!.scrapeErrors.inc(this.status!.statusErrors);
        const text = await this.registry!.metrics();
        send(200, this.registry!.contentType, text);
      } else if (url.pathname === '/status') {
        const all = await this.statusAll(core, cfg.statusTimeout);
        send(200, 'application/json; charset=utf-8', `${JSON.stringify(all, null, 2)}\n`);
      } else if (url.pathname === '/') {
        send(200, 'text/plain; charset=utf-8', 'hacore: /metrics (Prometheus), /status (JSON)\n');
      } else {
        send(404, 'text/plain; charset=utf-8', 'not found\n');
      }
    } catch (err) {
      log.warn({ err, path: url.pathname }, 'metrics request failed');
      if (!res.headersSent) send(503, 'text/plain; charset=utf-8', `${(err as Error).message}\n`);
      else res.destroy();
    }
  }
}

function makeEventCounters(registry: Registry, events: EventRegistry) {
  const reg = [registry];
  const byKind = new Map<string, { metric: Counter; labels: Record<string, string | ((e: GenericEvent) => string)> }[]>();
  const byName = new Map<string, Counter>();
  for (const d of events.list()) {
    for (const c of d.counters ?? []) {
      let metric = byName.get(c.name);
      if (!metric) {
        metric = new Counter({ name: c.name, help: c.help, labelNames: Object.keys(c.labels), registers: reg });
        byName.set(c.name, metric);
      }
      byKind.set(d.kind, [...(byKind.get(d.kind) ?? []), { metric, labels: c.labels }]);
    }
  }
  return {
    events: new Counter({ name: 'hacore_events_total', help: 'Events seen by the supervisor, by kind.', labelNames: ['kind'], registers: reg }),
    byKind,
    scrapeErrors: new Counter({ name: 'hacore_metrics_status_errors_total', help: 'Scrapes served without the status documents (a process did not answer in time).', registers: reg }),
  };
}

export default MetricsPlugin;
