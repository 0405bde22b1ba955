import { readFileSync } from 'node:fs';
import { isIP, type Socket } from 'node:net';
import type { SecureVersion } from 'node:tls';
import { Client, buildConnector } from 'undici';

/** How to reach a server: everything that shapes the connection, not the request. */
export interface ConnectionOptions {
  address: string;
  port: number;
  tls: boolean;
  /** Verify the server certificate (default true; keepalived never verifies). */
  tlsVerify?: boolean;
  /** PEM file paths. */
  ca?: string;
  cert?: string;
  key?: string;
  minVersion?: SecureVersion;
  /** Sent as SNI (and used for the certificate name check) when it is a name, not an address. */
  servername?: string;
  sourceAddress?: string;
  /** Connect (and TLS handshake) timeout; without it the caller's signal alone bounds the connect. */
  connectTimeout?: number;
  /** Keep the connection between requests (otherwise one connection per request). */
  keepAlive?: { timeout: number };
}

export function originOf(address: string, port: number, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${hostPort(address, port)}`;
}

/** `address:port`, bracketing IPv6: keepalived's Host header when there is no virtual host. */
export function hostPort(address: string, port: number): string {
  return `${isIP(address) === 6 ? `[${address}]` : address}:${port}`;
}

/** PEM contents read once per checker, so a probe never touches the disk. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export function readTlsMaterial(opts: Pick<ConnectionOptions, 'ca' | 'cert' | 'key'>): TlsMaterial {
  const out: TlsMaterial = {};
  if (opts.ca) out.ca = readFileSync(opts.ca);
  if (opts.cert) out.cert = readFileSync(opts.cert);
  if (opts.key) out.key = readFileSync(opts.key);
  return out;
}

/** A connect that hit connectTimeout; the code is undici's, so it reads `connect timeout`. */
function connectTimeoutError(ms: number): Error {
  return Object.assign(new Error(`connect timeout (${ms} ms)`), { code: 'UND_ERR_CONNECT_TIMEOUT' });
}

/** Why we end a connect ourselves: the probe that wanted it is over. */
function connectAbortedError(): Error {
  return Object.assign(new Error('connect aborted: the probe ended'), { code: 'UND_ERR_ABORTED' });
}

/** An undici Client plus the connects it has in flight, which undici alone cannot cancel. */
export interface ManagedClient {
  readonly client: Client;
  /** Ends the connects in flight at once; the Client stays usable (the next request connects anew). */
  abortConnects(): void;
  /** Ends connects in flight, then destroys the Client and its sockets. */
  destroy(): Promise<void>;
}

/**
 * A Client for one origin, with the check's TLS options. The connect goes
 * through our own wrapper of undici's connector because undici cannot cancel a
 * connect in flight (destroying the Client leaves a SYN-SENT socket until its
 * connect timer fires) and its connect timer ticks in 0.5-1 s steps; here the
 * timeout is exact and `abortConnects()` ends a pending connect immediately.
 */
export function createClient(opts: ConnectionOptions, material: TlsMaterial): ManagedClient {
  const tlsOptions: Record<string, unknown> = {};
  if (opts.tls) {
    // A full handshake per connection, as keepalived makes: a resumed session
    // would skip the certificate, so an expired or replaced one would go unseen.
    tlsOptions.maxCachedSessions = 0;
    tlsOptions.rejectUnauthorized = opts.tlsVerify !== false;
    if (material.ca) tlsOptions.ca = material.ca;
    if (material.cert) tlsOptions.cert = material.cert;
    if (material.key) tlsOptions.key = material.key;
    if (opts.minVersion) tlsOptions.minVersion = opts.minVersion;
    // RFC 6066 forbids an address as SNI; Node warns about it. Names only.
    if (opts.servername && isIP(opts.servername) === 0) tlsOptions.servername = opts.servername;
  }
  // timeout 0: undici sets no connect timer of its own; ours is below.
  const base = buildConnector({ ...tlsOptions, timeout: 0 }) as unknown as (o: buildConnector.Options, cb: buildConnector.Callback) => Socket;
  const inflight = new Set<Socket>();
  const connect = (o: buildConnector.Options, cb: buildConnector.Callback): Socket => {
    let timer: NodeJS.Timeout | undefined;
    const socket = base(o, (...args) => {
      clearTimeout(timer);
      inflight.delete(socket);
      cb(...args);
    });
    inflight.add(socket);
    const ms = opts.connectTimeout;
    if (ms !== undefined) timer = setTimeout(() => socket.destroy(connectTimeoutError(ms)), ms);
    return socket;
  };
  const client = new Client(originOf(opts.address, opts.port, opts.tls), {
    connect: connect as unknown as buildConnector.connector,
    // The check's AbortSignal bounds every probe; undici's own timers would only duplicate it.
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
    ...(opts.sourceAddress ? { localAddress: opts.sourceAddress } : {}),
    ...(opts.keepAlive ? { keepAliveTimeout: opts.keepAlive.timeout, keepAliveMaxTimeout: opts.keepAlive.timeout } : {}),
  });
  const abortConnects = (): void => {
    for (const s of inflight) s.destroy(connectAbortedError());
    inflight.clear();
  };
  return {
    client,
    abortConnects,
    async destroy() {
      abortConnects();
      await client.destroy().catch(() => {});
    },
  };
}
