// The plugin alone (package.json `hacorePlugin`): the index adds the library.
import os from 'node:os';
import { undeclaredEventKinds, type HacoreCore, type HacorePlugin, type Logger, readOwnPackage } from '@hacore/core';
import { webhooksSchema, type WebhooksConfig } from './config.js';
import type { Endpoint, EndpointStatus } from './endpoint.js';

/** The endpoint and its HTTP client (undici), loaded only in the supervisor, where the plugin runs. */
let endpointClass: typeof Endpoint | undefined;


export const PLUGIN_NAME = '@hacore/notifier-webhook';
/** Name, version and API range from this package's own package.json (the header definePlugin reads). */
const pkg = readOwnPackage(import.meta.url);

/** The `webhooks` section of the status document. */
export interface WebhooksStatus {
  delivered: number;
  failed: number;
  dropped: number;
  retries: number;
  queued: number;
  endpoints: EndpointStatus[];
}

/** POSTs every event as a versioned JSON document to the configured endpoints (section `webhooks`). */
export class NotifierWebhookPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['main'] as const;

  private endpoints: Endpoint[] = [];
  private grace = 2000;

  async loadRuntime(): Promise<void> {
    endpointClass ??= (await import('./endpoint.js')).Endpoint;
  }

  apply(core: HacoreCore): void {
    core.registerSection('webhooks', webhooksSchema, { roles: ['main'] });
    const log = core.logger.child({ plugin: PLUGIN_NAME });
    const userAgent = `hacore-notifier-webhook/${pkg.version}`;

    /**
     * New endpoints from `cfg`. One whose URL an old endpoint had takes over
     * what that one had not delivered yet (synchronously, so no event slips in
     * between); the old endpoints are returned for closing.
     */
    const build = (cfg: WebhooksConfig | undefined): Endpoint[] => {
      const old = this.endpoints;
      const E = endpointClass;
      if (!E) throw new Error(`${PLUGIN_NAME}: loadRuntime() was not awaited before the endpoints were built`);
      this.endpoints = (cfg?.endpoints ?? []).map((e) => new E(e, cfg?.host ?? os.hostname(), log, userAgent));
      this.grace = cfg?.shutdownGrace ?? 2000;
      for (const e of this.endpoints) {
        const prev = old.find((o) => o.cfg.url === e.cfg.url);
        if (prev) e.adopt(prev.handOver());
      }
      return old;
    };

    // Stage -100: ready before other plugins' start taps, which may already emit events.
    core.hooks.start.tap({ name: PLUGIN_NAME, stage: -100 }, (config) => void build(config.webhooks as WebhooksConfig | undefined));

    core.hooks.reload.tapPromise(PLUGIN_NAME, async (diff) => {
      if (!diff.sections.includes('webhooks')) return;
      // Endpoints are rebuilt; an endpoint whose URL stays keeps its undelivered events.
      const old = build(diff.next.webhooks as WebhooksConfig | undefined);
      await Promise.all(old.map((e) => e.close()));
    });

    // Synchronous and bounded: a dead endpoint costs the event stream one array push.
    core.hooks.validate.tap(PLUGIN_NAME, (config, issues) => {
      const w = config.webhooks as WebhooksConfig | undefined;
      w?.endpoints.forEach((e, i) => issues.push(...undeclaredEventKinds(core.events, e.events, `webhooks.endpoints[${i}].events`)));
    });

    core.hooks.event.tap(PLUGIN_NAME, (event) => {
      for (const e of this.endpoints) if (e.wants(event)) e.push(event);
    });

    // Stage 100: after the other plugins' shutdown taps, which may still emit events (VRRP STOP).
    core.hooks.shutdown.tapPromise({ name: PLUGIN_NAME, stage: 100 }, async () => {
      await this.drain(this.grace, log);
      await Promise.all(this.endpoints.map((e) => e.close()));
    });

    core.hooks.status.tap(PLUGIN_NAME, (doc) => {
      if (this.endpoints.length === 0) return doc;
      const endpoints = this.endpoints.map((e) => e.status());
      const sum = (k: 'delivered' | 'failed' | 'dropped' | 'retries' | 'queued') => endpoints.reduce((n, e) => n + e[k], 0);
      const st: WebhooksStatus = { delivered: sum('delivered'), failed: sum('failed'), dropped: sum('dropped'), retries: sum('retries'), queued: sum('queued'), endpoints };
      return { ...doc, webhooks: st };
    });
  }

  private async drain(ms: number, log: Logger): Promise<void> {
    if (ms <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.all(this.endpoints.map((e) => e.idle())).then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), ms))),
    ]);
    clearTimeout(timer);
    if (timedOut) log.warn({ queued: this.endpoints.reduce((n, e) => n + e.status().queued, 0) }, 'webhooks: stopping with events still queued');
  }
}

export default NotifierWebhookPlugin;
