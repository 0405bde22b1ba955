import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { actionRequest, type GenericEvent, type HacoreCore, type HacorePlugin, type Logger, type StatusReport, readOwnPackage } from '@hacore/core';
import { Auth } from './auth.js';
import { DEFAULT_LISTEN, isLoopback, parseListen, webSchema, type WebConfig } from './config.js';
import { ProbeHistory } from './history.js';
import { LiveHub } from './live.js';
import { TargetDeltas } from './target-deltas.js';
import { actionAllowed, hostAllowed, loadAssets, readJsonBody, send, sendJson } from './server.js';

export { webSchema, parseListen, DEFAULT_LISTEN, type WebConfig } from './config.js';
export { hashPassword, Auth } from './auth.js';
export { ProbeHistory, type Sample } from './history.js';

export const PLUGIN_NAME = '@hacore/web';
/** Name, version and API range from this package's own package.json (the header definePlugin reads). */
const pkg = readOwnPackage(import.meta.url);

const RECENT_EVENTS = 200;
/** How often the status is read while a page is open, and while none is (for the sparklines). */
const LIVE_MS = 1000;
const IDLE_MS = 5000;

/** One entry of the timeline: the event and how it reads to a person. */
interface TimelineEntry {
  event: GenericEvent;
  text: { title: string; change: string; detail: string };
}

/** The `web` section of the supervisor's status document. */
export interface WebStatus {
  listen: string;
  tls: boolean;
  auth: string[];
  clients: number;
  actions: number;
  refused: number;
}

/**
 * A live console in the supervisor: the page (built into the package), a JSON
 * snapshot, a server-sent event stream fed by the event hook and by the status
 * read once a second while a page is open, and the operator actions (drain,
 * undrain, yield, unyield) through `core.runAction`, exactly as the CLI does.
 */
export class WebPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['main'] as const;

  private server: http.Server | undefined;
  private hub: LiveHub | undefined;
  private history: ProbeHistory | undefined;
  private auth: Auth | undefined;
  private readonly timeline: TimelineEntry[] = [];
  private latest: Record<string, StatusReport> | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private status: WebStatus | undefined;
  private stopped = false;
  private readonly deltas = new TargetDeltas();
  private sampling = false;
  private lastSampleAt = 0;

  apply(core: HacoreCore): void {
    core.registerSection('web', webSchema, { roles: ['main'] });
    core.hooks.validate.tap(PLUGIN_NAME, (config, issues) => {
      const cfg = config.web as WebConfig | undefined;
      if (!cfg?.enabled) return;
      const addr = cfg.listen ?? parseListen(DEFAULT_LISTEN)!;
      if (!isLoopback(addr.host) && !cfg.tls && !cfg.tokenFile && !cfg.usersFile) {
        issues.push({
          path: 'web.listen',
          expected: 'a loopback address, or tls or authentication (tokenFile, usersFile) beside another address',
          found: `${addr.host}:${addr.port} with neither`,
          hint: 'anyone who reaches that address could read the daemon\'s state',
        });
      }
    });
    const log = core.logger.child({ plugin: PLUGIN_NAME });
    core.hooks.start.tapPromise(PLUGIN_NAME, async (config) => {
      const cfg = config.web as WebConfig | undefined;
      if (!cfg?.enabled || !core.runs('main')) return;
      await this.start(core, cfg, log);
    });
    core.hooks.event.tap(PLUGIN_NAME, (ev) => {
      if (!this.hub) return;
      const entry = { event: ev, text: core.events.describe(ev) };
      this.timeline.push(entry);
      if (this.timeline.length > RECENT_EVENTS) this.timeline.shift();
      this.hub.send('event', entry);
      // A state change shows at once, not at the next second.
      if (ev.kind !== 'operator-action') this.sampleSoon(core, log);
    });
    core.hooks.status.tap(PLUGIN_NAME, (doc) => (this.status ? { ...doc, web: { ...this.status, clients: this.hub?.size ?? 0 } } : doc));
    // After the other plugins' shutdown taps, which may still emit events.
    core.hooks.shutdown.tapPromise({ name: PLUGIN_NAME, stage: 100 }, async () => this.stop());
  }

  private async start(core: HacoreCore, cfg: WebConfig, log: Logger): Promise<void> {
    this.stopped = false;
    this.auth = new Auth({ tokenFile: cfg.tokenFile, usersFile: cfg.usersFile });
    this.history = new ProbeHistory(cfg.historySeconds * 1000);
    this.hub = new LiveHub(cfg.maxClients);
    const assets = loadAssets();
    const addr = cfg.listen ?? parseListen(DEFAULT_LISTEN)!;
    const loopbackOnly = isLoopback(addr.host);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.handle(core, assets, loopbackOnly, req, res, log).catch((err: unknown) => {
        log.warn({ err }, 'web request failed');
        if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    };
    const server = cfg.tls ? https.createServer({ cert: readFileSync(cfg.tls.cert), key: readFileSync(cfg.tls.key), minVersion: 'TLSv1.2' }, handler) : http.createServer(handler);
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      const fail = (err: NodeJS.ErrnoException): void =>
        reject(Object.assign(new Error(`web.listen: cannot listen on ${addr.host}:${addr.port}: ${err.code ?? err.message}`, { cause: err }), { code: 'HACORE_ERR_WEB_LISTEN' }));
      server.once('error', fail);
      server.listen(addr.port, addr.host, () => {
        server.off('error', fail);
        resolve();
      });
    });
    server.on('error', (err) => log.error({ err }, 'web listener error'));
    this.server = server;
    const a = server.address() as AddressInfo;
    const where = `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    this.status = { listen: where, tls: cfg.tls !== undefined, auth: this.auth.schemes, clients: 0, actions: 0, refused: 0 };
    log.info({ listen: where, tls: cfg.tls !== undefined, auth: this.auth.schemes }, `web console on ${cfg.tls ? 'https' : 'http'}://${where}/`);
    this.schedule(core, log, 0);
  }

  /** The status, once a second while a page is open (every 5 s otherwise, for the sparklines). */
  private schedule(core: HacoreCore, log: Logger, ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.sampler);
    this.sampler = setTimeout(() => void this.sample(core, log), ms);
    this.sampler.unref();
  }

  /** After a state change: soon, but never two reads of the status within a second (events reach the pages at once anyway). */
  private sampleSoon(core: HacoreCore, log: Logger): void {
    if ((this.hub?.size ?? 0) === 0 || this.sampling) return;
    this.schedule(core, log, Math.max(50, this.lastSampleAt + LIVE_MS - Date.now()));
  }

  private async sample(core: HacoreCore, log: Logger): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    this.lastSampleAt = Date.now();
    try {
      const all = await core.statusAll();
      this.latest = all;
      const added = this.history?.ingest(all) ?? {};
      // A page gets everything once (its first frame) and then only what each read changed:
      // with thousands of checks the whole status every second would be megabytes per page.
      const status = this.deltas.next(viewOf(all));
      this.hub?.send('status', { now: Date.now(), status, historyAdd: added, historyMs: this.history?.keepMs });
    } catch (err) {
      log.debug({ err }, 'web: no status this time');
    } finally {
      this.sampling = false;
      this.schedule(core, log, (this.hub?.size ?? 0) > 0 ? LIVE_MS : IDLE_MS);
    }
  }

  private view(): unknown {
    return { now: Date.now(), status: viewOf(this.latest ?? {}), history: this.history?.snapshot() ?? {}, historyMs: this.history?.keepMs };
  }

  private async handle(
    core: HacoreCore,
    assets: ReturnType<typeof loadAssets>,
    loopbackOnly: boolean,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    log: Logger,
  ): Promise<void> {
    const url = URL.canParse(req.url ?? '/', 'http://x') ? new URL(req.url ?? '/', 'http://x') : undefined;
    if (!url) return sendJson(res, 400, { error: 'bad request target' });
    if (!hostAllowed(req, loopbackOnly)) return sendJson(res, 421, { error: 'this console answers only to a loopback host name' });
    const asset = assets.get(url.pathname);
    if (asset && (req.method === 'GET' || req.method === 'HEAD')) return send(res, 200, req.method === 'HEAD' ? '' : asset.body, asset.type, { 'cache-control': 'no-cache' });
    if (url.pathname === '/favicon.ico') return send(res, 204, '', 'image/x-icon');
    if (!url.pathname.startsWith('/api/')) return sendJson(res, 404, { error: 'not found' });
    const auth = this.auth!;
    // With credentials configured, even reading needs them; without, the console is read-only (loopback only, by validation).
    const user = auth.configured ? auth.check(req) : 'anonymous';
    if (!user) {
      this.status!.refused++;
      return sendJson(res, 401, { error: 'not authenticated' }, { 'www-authenticate': challenge(req, auth) });
    }
    if (url.pathname === '/api/snapshot' && req.method === 'GET') {
      const all = this.latest ?? (await core.statusAll());
      this.latest = all;
      return sendJson(res, 200, {
        ...(this.view() as object),
        events: this.timeline,
        console: { version: pkg.version, actions: auth.configured, user },
      });
    }
    if (url.pathname === '/api/stream' && req.method === 'GET') {
      const ok = this.hub!.add(res, [{ event: 'status', data: this.view() }]);
      if (!ok) return sendJson(res, 503, { error: 'too many live pages' });
      this.schedule(core, log, LIVE_MS);
      return;
    }
    if (url.pathname === '/api/action' && req.method === 'POST') {
      const allowed = actionAllowed(req, auth);
      if (!allowed.ok) {
        this.status!.refused++;
        return sendJson(res, allowed.status, { error: allowed.message });
      }
      let body: { action?: unknown; args?: unknown };
      try {
        body = (await readJsonBody(req)) as typeof body;
      } catch (err) {
        return sendJson(res, (err as { status?: number }).status ?? 400, { error: (err as Error).message });
      }
      try {
        const replies = await core.runAction(actionRequest(body ?? {}, `web (${allowed.user})`));
        this.status!.actions++;
        this.sampleSoon(core, log);
        return sendJson(res, 200, { ok: true, replies });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        return sendJson(res, 409, { ok: false, error: e.message ?? String(err), code: e.code ?? 'HACORE_ERR_ACTION' });
      }
    }
    return sendJson(res, 404, { error: 'not found' });
  }

  private async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sampler);
    this.hub?.close();
    this.hub = undefined;
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}

/**
 * The status as the page reads it: without the metrics plugin's per-check probe
 * counters and histograms (`probes`), which the page does not show and which
 * are most of the document's size with thousands of checks.
 */
function viewOf(all: Record<string, StatusReport>): Record<string, StatusReport> {
  const out: Record<string, StatusReport> = {};
  for (const [role, doc] of Object.entries(all)) {
    if (doc && typeof doc === 'object' && 'probes' in doc) {
      const { probes: _probes, ...rest } = doc as StatusReport & { probes?: unknown };
      out[role] = rest as StatusReport;
    } else out[role] = doc;
  }
  return out;
}

/** The console page signs in with its own form: a Basic challenge would make the browser prompt over it. */
function challenge(req: http.IncomingMessage, auth: Auth): string {
  if (req.headers['x-hacore-page'] === '1') return 'HacoreConsole realm="hacore"';
  return auth.schemes.includes('Bearer') ? 'Bearer realm="hacore"' : 'Basic realm="hacore", charset="UTF-8"';
}

export default WebPlugin;
