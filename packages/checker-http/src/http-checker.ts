import type { SecureVersion } from 'node:tls';
import type { CheckResult, Checker, CheckSpec } from '@hacore/core';
import { createClient, hostPort, readTlsMaterial, type ConnectionOptions, type ManagedClient, type TlsMaterial } from './connection.js';
import { fetchUrl, type FetchOutcome } from './fetch-url.js';
import { leanFetch, leanTlsContext, requestBytes, type LeanTlsContext } from './lean-fetch.js';
import { DEFAULT_STATUS, statusMatches, type StatusRange } from './status-codes.js';

/** One URL of a check; every URL of a check must pass. */
export interface HttpUrlOptions {
  path: string;
  /** Accepted status codes; default 200-299 (keepalived). */
  status?: StatusRange[];
  /** MD5 of the body, lower-case hex (keepalived digest). */
  digest?: string;
  /** Regular expression the body must match (keepalived regex). */
  regex?: string;
  regexFlags?: string;
  /** Pass when the regex does NOT match (keepalived regex_no_match). */
  regexNoMatch: boolean;
  /** Host header (and SNI) for this URL, overriding the check's. */
  virtualhost?: string;
}

export interface HttpCheckOptions {
  urls: HttpUrlOptions[];
  tls: boolean;
  virtualhost?: string;
  method: string;
  headers?: Record<string, string>;
  connectTimeout?: number;
  maxBodyBytes: number;
  reuseConnection: boolean;
  tlsResumption?: boolean;
  tlsVerify?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  minVersion?: SecureVersion;
  sourceAddress?: string;
}

export type HttpCheckSpec = CheckSpec<HttpCheckOptions>;

/** keepalived's request says `User-Agent: KeepAliveClient`; keeping it keeps log filters working. */
export const DEFAULT_USER_AGENT = 'KeepAliveClient';

interface CompiledUrl {
  path: string;
  status: readonly StatusRange[];
  digest: string | undefined;
  regex: RegExp | undefined;
  regexNoMatch: boolean;
  headers: Record<string, string>;
  servername: string | undefined;
  /** The request as bytes, for the fresh-connection path (built once). */
  request: Buffer;
}

/**
 * Builds the request headers: ours, then the user's (which win). `host` is the
 * virtual host, or `address:port` as keepalived sends it (even for port 80).
 */
export function requestHeaders(spec: Pick<HttpCheckOptions, 'headers' | 'reuseConnection'>, host: string): Record<string, string> {
  const h: Record<string, string> = { 'user-agent': DEFAULT_USER_AGENT, host };
  for (const [k, v] of Object.entries(spec.headers ?? {})) h[k.toLowerCase()] = v;
  // A fresh connection per probe: ask the server to close first, so the
  // TIME_WAIT lands on its side as it does with keepalived's HTTP/1.0 request.
  if (!spec.reuseConnection) h.connection = 'close';
  return h;
}

/**
 * keepalived's HTTP_GET / SSL_GET: every URL is fetched in turn (stopping at
 * the first failure); each must answer an accepted status, then match its
 * digest and regex if it has them.
 */
export class HttpChecker implements Checker {
  private readonly urls: CompiledUrl[];
  private readonly material: TlsMaterial;
  private readonly conn: Omit<ConnectionOptions, 'servername'>;
  /** undici Clients by SNI name ('' for none), with reuseConnection. */
  private readonly clients = new Map<string, ManagedClient>();
  /** TLS options by SNI name, for the fresh-connection path. */
  private readonly tlsContexts = new Map<string, LeanTlsContext>();
  private closed = false;

  constructor(private readonly spec: HttpCheckSpec) {
    const port = spec.target.port ?? (spec.tls ? 443 : 80);
    this.conn = {
      address: spec.target.address,
      port,
      tls: spec.tls,
      // Without connectTimeout the check's signal bounds the connect, and the
      // probe ends a connect still pending when it fires (drop()).
      ...(spec.connectTimeout !== undefined ? { connectTimeout: spec.connectTimeout } : {}),
      ...(spec.tlsVerify !== undefined ? { tlsVerify: spec.tlsVerify } : {}),
      ...(spec.minVersion ? { minVersion: spec.minVersion } : {}),
      ...(spec.sourceAddress ? { sourceAddress: spec.sourceAddress } : {}),
      ...(spec.reuseConnection ? { keepAlive: { timeout: spec.interval + spec.timeout } } : {}),
    };
    // Read once: a probe never touches the disk. A missing file was caught by the schema.
    this.material = spec.tls ? readTlsMaterial(spec) : {};
    this.urls = spec.urls.map((u) => {
      const vhost = u.virtualhost ?? spec.virtualhost;
      const headers = requestHeaders(spec, vhost ?? hostPort(spec.target.address, port));
      return {
        path: u.path,
        status: u.status ?? DEFAULT_STATUS,
        digest: u.digest?.toLowerCase(),
        regex: u.regex !== undefined ? new RegExp(u.regex, u.regexFlags ?? '') : undefined,
        regexNoMatch: u.regexNoMatch,
        headers,
        servername: vhost,
        request: requestBytes({ method: spec.method, path: u.path, headers }),
      };
    });
  }

  async probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    const done = (ok: boolean, reason: string, detail?: string): CheckResult => ({
      ok, reason, latencyMs: Math.round((performance.now() - started) * 1000) / 1000, ...(detail !== undefined ? { detail } : {}),
    });
    if (signal.aborted) return done(false, 'timeout');
    if (this.closed) return done(false, 'checker closed');
    const many = this.urls.length > 1;
    let last = '';
    for (const url of this.urls) {
      const r = await this.probeUrl(url, signal);
      if (!r.ok) return done(false, many ? `${url.path}: ${r.reason}` : r.reason, r.detail);
      last = r.reason;
    }
    return done(true, many ? `${this.urls.length} urls ok` : last);
  }

  private async probeUrl(url: CompiledUrl, signal: AbortSignal): Promise<{ ok: boolean; reason: string; detail?: string }> {
    const req = {
      path: url.path,
      method: this.spec.method,
      headers: url.headers,
      maxBodyBytes: this.spec.maxBodyBytes,
      digest: url.digest !== undefined,
      keepBody: url.regex !== undefined,
      acceptStatus: (code: number) => statusMatches(url.status, code),
    };
    const out = this.spec.reuseConnection ? await this.fetchReused(url, req, signal) : await this.fetchFresh(url, req, signal);
    if (!out.ok) return { ok: false, reason: out.reason };
    const res = out.response;
    if (url.digest !== undefined && res.digest !== url.digest) return { ok: false, reason: 'digest mismatch', detail: `received ${res.digest ?? 'none'}, expected ${url.digest}` };
    if (url.regex) {
      const matched = url.regex.test(res.body!.toString('utf8'));
      if (matched === url.regexNoMatch) return { ok: false, reason: url.regexNoMatch ? 'regex matched' : 'regex not matched' };
    }
    return { ok: true, reason: `status ${res.status}` };
  }

  /**
   * A fresh connection per probe (the default, as keepalived): on net/tls
   * directly, which costs a third of undici's CPU per probe (bench/checks-http).
   */
  private fetchFresh(url: CompiledUrl, req: Parameters<typeof fetchUrl>[1], signal: AbortSignal): Promise<FetchOutcome> {
    let ctx: LeanTlsContext | undefined;
    if (this.conn.tls) {
      const key = url.servername ?? '';
      ctx = this.tlsContexts.get(key);
      if (!ctx) {
        // By default a full handshake every time: a resumed session would skip the certificate (see docs).
        ctx = leanTlsContext({ ...this.conn, ...(url.servername !== undefined ? { servername: url.servername } : {}) }, this.material, this.spec.tlsResumption === true);
        this.tlsContexts.set(key, ctx);
      }
    }
    return leanFetch(this.conn, ctx, url.request, req, signal);
  }

  /** With reuseConnection: one keep-alive undici Client per SNI name, kept across probes. */
  private async fetchReused(url: CompiledUrl, req: Parameters<typeof fetchUrl>[1], signal: AbortSignal): Promise<FetchOutcome> {
    const key = url.servername ?? '';
    let client = this.clients.get(key);
    if (!client) {
      client = createClient({ ...this.conn, ...(url.servername !== undefined ? { servername: url.servername } : {}) }, this.material);
      this.clients.set(key, client);
    }
    const out = await fetchUrl(client.client, req, signal);
    // After a failed or aborted exchange, drop the whole Client: undici cannot
    // cancel a connect in flight, and after an exchange aborted mid-answer it
    // re-queues the request and opens (and keeps) a new connection for it.
    if (!out.ok) await this.drop(key, client);
    return out;
  }

  private async drop(key: string, client: ManagedClient): Promise<void> {
    if (this.clients.get(key) === client) this.clients.delete(key);
    await client.destroy();
  }

  async close(): Promise<void> {
    this.closed = true;
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => c.destroy()));
  }
}
