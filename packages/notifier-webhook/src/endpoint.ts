import type { GenericEvent, Logger } from '@hacore/core';
import { Agent, request } from 'undici';
import type { EndpointConfig } from './config.js';
import { backoffDelay } from '@hacore/core/backoff';
import { makeDocument, retryableStatus, serialize, signature, type WebhookDocument } from './document.js';

/** Counters of one endpoint, as shown in the status document. */
export interface EndpointStatus {
  name: string;
  /** The URL without credentials or query (which may carry tokens). */
  url: string;
  delivered: number;
  /** Events given up after the last retry or refused with a non-retryable status. */
  failed: number;
  /** Attempts after the first, over all events. */
  retries: number;
  /** Events dropped because the queue was full. */
  dropped: number;
  queued: number;
  inFlight: boolean;
  lastStatus?: number;
  lastError?: string;
  lastSuccessAt?: number;
  lastFailureAt?: number;
}

/** Bytes of a receiver's answer kept for the log. */
const REPLY_BYTES = 200;

/**
 * The first `max` bytes of a body as text; the body is destroyed after them
 * (undici then closes the connection), so an endless or huge answer costs
 * nothing. Never rejects.
 */
export async function readSome(body: AsyncIterable<Buffer> & { destroy(): unknown }, max: number): Promise<string> {
  const kept: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of body) {
      kept.push(chunk);
      n += chunk.length;
      if (n >= max) break; // leaving the loop destroys the stream
    }
  } catch {
    // a body cut short: what arrived is enough for the log
  } finally {
    body.destroy();
  }
  return Buffer.concat(kept).subarray(0, max).toString('utf8');
}

export function redactUrl(raw: string): string {
  const u = new URL(raw);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/**
 * One endpoint: a bounded FIFO of documents and one sender that works through
 * it in order, retrying with backoff. `push` never waits, so the event stream
 * never does either.
 */
export class Endpoint {
  readonly name: string;
  private readonly queue: Omit<WebhookDocument, 'sentAt'>[] = [];
  private readonly agent: Agent;
  private readonly stats: Omit<EndpointStatus, 'queued' | 'inFlight'>;
  /** The document being delivered (retries included). */
  private current: Omit<WebhookDocument, 'sentAt'> | undefined;
  private working = false;
  private closed = false;
  /** The attempt in flight (attempts of one endpoint never overlap); close() aborts it. */
  private attemptAbort: AbortController | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wakeSleep: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly headers: Record<string, string>;

  constructor(
    readonly cfg: EndpointConfig,
    private readonly host: string,
    private readonly log: Logger,
    userAgent: string,
  ) {
    this.name = cfg.name ?? new URL(cfg.url).host;
    this.stats = { name: this.name, url: redactUrl(cfg.url), delivered: 0, failed: 0, retries: 0, dropped: 0 };
    this.agent = new Agent({ connect: { timeout: cfg.timeout }, connections: 2, keepAliveTimeout: 10_000 });
    this.headers = { 'user-agent': userAgent, ...Object.fromEntries(Object.entries(cfg.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])), 'content-type': 'application/json' };
  }

  wants(event: GenericEvent): boolean {
    return !this.cfg.events || (this.cfg.events as readonly string[]).includes(event.kind);
  }

  push(event: GenericEvent): void {
    if (this.closed) return;
    this.queue.push(makeDocument(event, this.host));
    this.trimAndWork();
  }

  /**
   * Documents an endpoint it replaces (a reload) had not delivered, oldest
   * first: they go before anything queued here since, and are sent as usual.
   */
  adopt(docs: readonly Omit<WebhookDocument, 'sentAt'>[]): void {
    if (this.closed || docs.length === 0) return;
    this.queue.unshift(...docs);
    this.trimAndWork();
  }

  /**
   * For a reload: stops sending at once (the attempt in flight is aborted) and
   * returns what was not delivered, the document in flight first. Call close()
   * afterwards to release the connections.
   */
  handOver(): Omit<WebhookDocument, 'sentAt'>[] {
    const docs = [...(this.current ? [this.current] : []), ...this.queue];
    this.closed = true;
    this.queue.length = 0;
    this.attemptAbort?.abort(new Error('webhook endpoint replaced by a reload'));
    return docs;
  }

  private trimAndWork(): void {
    while (this.queue.length > this.cfg.maxQueue) {
      const old = this.queue.shift();
      this.stats.dropped++;
      // One line per drop would flood the log while an endpoint is down: log the first and every 100th.
      if (this.stats.dropped === 1 || this.stats.dropped % 100 === 0) {
        this.log.warn({ endpoint: this.name, dropped: this.stats.dropped, kind: old?.event.kind }, `webhook ${this.name}: queue full, dropping the oldest events`);
      }
    }
    if (!this.working) void this.work();
  }

  status(): EndpointStatus {
    return { ...this.stats, queued: this.queue.length, inFlight: this.current !== undefined };
  }

  /** Resolves when the queue is empty and nothing is in flight. */
  idle(): Promise<void> {
    if (!this.working && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops sending: aborts the attempt in flight and forgets the queue. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.attemptAbort?.abort(new Error('webhook notifier stopped'));
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wakeSleep?.();
    await this.agent.destroy().catch(() => undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakeSleep = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }

  private async work(): Promise<void> {
    this.working = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        this.current = this.queue.shift()!;
        await this.deliver(this.current);
        this.current = undefined;
      }
    } finally {
      this.working = false;
      this.current = undefined;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  private async deliver(doc: Omit<WebhookDocument, 'sentAt'>): Promise<void> {
    for (let attempt = 0; attempt <= this.cfg.retries && !this.closed; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        await this.sleep(backoffDelay(attempt - 1, { initialMs: this.cfg.backoff, maxMs: this.cfg.maxBackoff, jitter: true }));
        if (this.closed) return;
      }
      const outcome = await this.attempt(doc);
      if (outcome === 'ok') {
        this.stats.delivered++;
        this.stats.lastSuccessAt = Date.now();
        return;
      }
      if (outcome === 'fatal') break;
    }
    if (this.closed) return;
    this.stats.failed++;
    this.stats.lastFailureAt = Date.now();
    this.log.warn({ endpoint: this.name, kind: doc.event.kind, id: doc.id, status: this.stats.lastStatus, error: this.stats.lastError }, `webhook ${this.name}: gave up on an event`);
  }

  private async attempt(doc: Omit<WebhookDocument, 'sentAt'>): Promise<'ok' | 'retry' | 'fatal'> {
    // One controller per attempt, aborted by its own timer or by close(). Not
    // AbortSignal.any() over a long-lived signal: on Node 20 the long-lived one
    // keeps every signal composed from it (about 50 bytes an attempt, for ever).
    const ctrl = new AbortController();
    this.attemptAbort = ctrl;
    const timer = setTimeout(() => ctrl.abort(new DOMException('attempt timed out', 'TimeoutError')), this.cfg.timeout);
    const signal = ctrl.signal;
    try {
      const body = serialize(doc, new Date());
      const headers = this.cfg.secret ? { ...this.headers, 'x-hacore-signature': signature(this.cfg.secret, body) } : this.headers;
      const res = await request(this.cfg.url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.agent,
        signal,
        headersTimeout: this.cfg.timeout,
        bodyTimeout: this.cfg.timeout,
      });
      // Read a little of the body for the log and let the rest go: a receiver's
      // answer must not grow the supervisor's memory or hold the queue.
      const text = await readSome(res.body, REPLY_BYTES);
      this.stats.lastStatus = res.statusCode;
      if (res.statusCode >= 200 && res.statusCode < 300) {
        delete this.stats.lastError;
        return 'ok';
      }
      this.stats.lastError = `HTTP ${res.statusCode}${text ? `: ${text}` : ''}`;
      return retryableStatus(res.statusCode) ? 'retry' : 'fatal';
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      this.stats.lastError = e.name === 'TimeoutError' || e.code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timeout' : (e.cause?.code ?? e.code ?? e.message);
      this.log.debug({ endpoint: this.name, error: this.stats.lastError }, `webhook ${this.name}: attempt failed`);
      return 'retry';
    } finally {
      clearTimeout(timer);
      if (this.attemptAbort === ctrl) this.attemptAbort = undefined;
    }
  }
}
