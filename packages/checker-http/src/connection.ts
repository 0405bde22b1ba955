import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { SecureVersion } from 'node:tls';
import { Client } from 'undici';

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
  connectTimeout: number;
  /** Keep the connection between requests (otherwise one connection per request). */
  keepAlive?: { timeout: number };
}

export function originOf(address: string, port: number, tls: boolean): string {
  const host = isIP(address) === 6 ? `[${address}]` : address;
  return `${tls ? 'https' : 'http'}://${host}:${port}`;
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

/** A Client for one origin, with the check's TLS and timeouts. */
export function createClient(opts: ConnectionOptions, material: TlsMaterial): Client {
  const connect: Record<string, unknown> = { timeout: opts.connectTimeout };
  if (opts.tls) {
    // A full handshake per connection, as keepalived makes: a resumed session
    // would skip the certificate, so an expired or replaced one would go unseen.
    connect.maxCachedSessions = 0;
    connect.rejectUnauthorized = opts.tlsVerify !== false;
    if (material.ca) connect.ca = material.ca;
    if (material.cert) connect.cert = material.cert;
    if (material.key) connect.key = material.key;
    if (opts.minVersion) connect.minVersion = opts.minVersion;
    // RFC 6066 forbids an address as SNI; Node warns about it. Names only.
    if (opts.servername && isIP(opts.servername) === 0) connect.servername = opts.servername;
  }
  return new Client(originOf(opts.address, opts.port, opts.tls), {
    connect,
    // The check's AbortSignal bounds every probe; undici's own timers would only duplicate it.
    headersTimeout: 0,
    bodyTimeout: 0,
    pipelining: 1,
    ...(opts.sourceAddress ? { localAddress: opts.sourceAddress } : {}),
    ...(opts.keepAlive ? { keepAliveTimeout: opts.keepAlive.timeout, keepAliveMaxTimeout: opts.keepAlive.timeout } : {}),
  });
}
