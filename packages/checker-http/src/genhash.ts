import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { createClient, hostPort, readTlsMaterial } from './connection.js';
import { fetchUrl, type FetchResponse } from './fetch-url.js';
import { requestHeaders } from './http-checker.js';
import { DEFAULT_MAX_BODY_BYTES } from './options.js';

/** What `hacore-genhash` was asked to fetch, after parsing its command line. */
export interface GenhashRequest {
  address: string;
  port: number;
  tls: boolean;
  path: string;
  virtualhost?: string;
  tlsVerify: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  maxBodyBytes: number;
  verbose: boolean;
  /** Print only the hex digest, as current keepalived (`keepalived --genhash`) does. */
  plain: boolean;
}

export class GenhashUsageError extends Error {
  readonly code = 'HACORE_ERR_GENHASH_USAGE';
}

export const GENHASH_USAGE = `Usage: hacore-genhash --url http[s]://SERVER[:PORT]/PATH [OPTIONS]
       hacore-genhash [-S] -s SERVER -p PORT -u PATH [OPTIONS]      (keepalived genhash style)

Fetches a URL and prints the MD5 digest of its body, for the digest: of a
type: http check, in the format of keepalived's genhash ("MD5SUM = <hex>").

  -u, --url URL|PATH          full URL, or the path with -s/-p (keepalived -u)
  -s, --server ADDRESS        server address
  -p, --port PORT             server port (default 80, or 443 with -S)
  -S, --use-ssl               HTTPS (keepalived SSL_GET)
  -V, --use-virtualhost NAME  Host header, and SNI with TLS
  -I, --use-sni               accepted for keepalived compatibility (SNI is sent with -V)
  -k, --insecure              do not verify the server certificate (keepalived never does)
      --ca FILE               PEM CA file to trust
      --cert FILE --key FILE  client certificate and key (PEM)
      --header 'NAME: VALUE'  extra request header (repeatable)
  -t, --timeout SECONDS       overall timeout (default 10)
      --max-body BYTES        body bytes read at most (default ${DEFAULT_MAX_BODY_BYTES}, as the checker)
      --plain                 print only the hex digest (current keepalived's output)
  -H, --hash md5              hash algorithm; only md5 (keepalived compatibility)
  -v, --verbose               print the status line and headers too
  -h, --help                  this help
`;

export function parseGenhashArgs(argv: string[]): GenhashRequest | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string', short: 'u' },
        server: { type: 'string', short: 's' },
        port: { type: 'string', short: 'p' },
        'use-ssl': { type: 'boolean', short: 'S' },
        'use-virtualhost': { type: 'string', short: 'V' },
        'use-sni': { type: 'boolean', short: 'I' },
        insecure: { type: 'boolean', short: 'k' },
        ca: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        header: { type: 'string', multiple: true },
        timeout: { type: 'string', short: 't' },
        'max-body': { type: 'string' },
        plain: { type: 'boolean' },
        hash: { type: 'string', short: 'H' },
        verbose: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new GenhashUsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (v.hash !== undefined && v.hash.toLowerCase() !== 'md5') throw new GenhashUsageError(`only the md5 hash is supported (found "${v.hash}")`);
  if (v.url === undefined) throw new GenhashUsageError('a URL is required: --url http://SERVER:PORT/PATH, or -s SERVER -p PORT -u PATH');
  let address: string;
  let port: number | undefined;
  let tls = v['use-ssl'] === true;
  let path: string;
  if (/^https?:\/\//i.test(v.url)) {
    if (v.server !== undefined) throw new GenhashUsageError('give either a full --url or -s/-p/-u, not both');
    let u: URL;
    try {
      u = new URL(v.url);
    } catch {
      throw new GenhashUsageError(`not a valid URL: ${v.url}`);
    }
    tls = u.protocol === 'https:';
    address = u.hostname.replace(/^\[(.*)\]$/, '$1');
    port = u.port ? Number(u.port) : undefined;
    path = `${u.pathname}${u.search}`;
  } else {
    if (v.server === undefined) throw new GenhashUsageError('-u PATH needs -s SERVER (or give a full --url)');
    address = v.server;
    path = v.url;
  }
  if (v.port !== undefined) {
    port = Number(v.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new GenhashUsageError(`invalid port number '${v.port}'`);
  }
  if (!path.startsWith('/')) throw new GenhashUsageError(`the path must start with / (found "${path}")`);
  if ((v.cert === undefined) !== (v.key === undefined)) throw new GenhashUsageError('--cert and --key go together');
  const timeoutS = v.timeout !== undefined ? Number(v.timeout) : 10;
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new GenhashUsageError(`invalid timeout '${v.timeout}'`);
  const maxBody = v['max-body'] !== undefined ? Number(v['max-body']) : DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBody) || maxBody < 1) throw new GenhashUsageError(`invalid --max-body '${v['max-body']}'`);
  const headers: Record<string, string> = {};
  for (const h of v.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new GenhashUsageError(`a header is written 'Name: value' (found "${h}")`);
    headers[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return {
    address,
    port: port ?? (tls ? 443 : 80),
    tls,
    path,
    ...(v['use-virtualhost'] !== undefined ? { virtualhost: v['use-virtualhost'] } : {}),
    tlsVerify: v.insecure !== true,
    ...(v.ca !== undefined ? { ca: v.ca } : {}),
    ...(v.cert !== undefined ? { cert: v.cert } : {}),
    ...(v.key !== undefined ? { key: v.key } : {}),
    headers,
    timeoutMs: Math.round(timeoutS * 1000),
    maxBodyBytes: maxBody,
    verbose: v.verbose === true,
    plain: v.plain === true,
  };
}

const DELIM = (title: string): string => `-----------------------[ ${title} ]-----------------------\n`;

/** The lines hacore-genhash prints for one response. */
export function formatGenhash(req: Pick<GenhashRequest, 'verbose' | 'plain' | 'path'>, res: FetchResponse, elapsedUs: number): string {
  let out = '';
  if (req.verbose) {
    out += DELIM('HTTP Header Ascii Buffer');
    // undici does not expose the raw status line (nor the HTTP version).
    out += `status: ${res.status} ${res.statusText}\n`;
    if (res.rawHeaders) {
      for (const [name, value] of res.rawHeaders) out += `${name}: ${value}\n`;
    } else {
      for (const [name, value] of Object.entries(res.headers)) {
        for (const one of Array.isArray(value) ? value : [value]) if (one !== undefined) out += `${name}: ${one}\n`;
      }
    }
    out += '\n';
    out += DELIM('       HTML Body        ');
    out += `${res.bodyBytes} bytes\n\n`;
    out += DELIM('HTML hash final resulting');
  }
  out += req.plain ? `${res.digest}\n` : `MD5SUM = ${res.digest}\n`;
  if (req.verbose) out += `\nGlobal response time for [${req.path}] = ${elapsedUs} usecs\n`;
  return out;
}

export interface GenhashResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Fetches and formats; never throws (usage errors come back with exit code 2). */
export async function runGenhash(argv: string[]): Promise<GenhashResult> {
  let req: GenhashRequest | 'help';
  try {
    req = parseGenhashArgs(argv);
  } catch (err) {
    return { exitCode: 2, stdout: '', stderr: `hacore-genhash: ${(err as Error).message}\n\n${GENHASH_USAGE}` };
  }
  if (req === 'help') return { exitCode: 0, stdout: GENHASH_USAGE, stderr: '' };
  let material;
  try {
    material = req.tls ? readTlsMaterial(req) : {};
  } catch (err) {
    return { exitCode: 2, stdout: '', stderr: `hacore-genhash: ${(err as Error).message}\n` };
  }
  const client = createClient(
    {
      address: req.address,
      port: req.port,
      tls: req.tls,
      tlsVerify: req.tlsVerify,
      ...(req.virtualhost !== undefined && isIP(req.virtualhost) === 0 ? { servername: req.virtualhost } : {}),
    },
    material,
  );
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new Error('timeout')), req.timeoutMs);
  const started = performance.now();
  try {
    const out = await fetchUrl(
      client.client,
      {
        path: req.path,
        method: 'GET',
        headers: requestHeaders({ headers: req.headers, reuseConnection: false }, req.virtualhost ?? hostPort(req.address, req.port)),
        maxBodyBytes: req.maxBodyBytes,
        digest: true,
        keepBody: false,
        rawHeaders: req.verbose,
      },
      ctrl.signal,
    );
    if (!out.ok) {
      const hint = out.reason.startsWith('certificate:') ? ' (use --ca FILE, or -k to skip verification as keepalived does)' : '';
      return { exitCode: 1, stdout: '', stderr: `hacore-genhash: ${req.tls ? 'https' : 'http'}://${req.address}:${req.port}${req.path}: ${out.reason}${hint}\n` };
    }
    const elapsedUs = Math.round((performance.now() - started) * 1000);
    const warn = out.response.status < 200 || out.response.status > 299 ? `hacore-genhash: WARNING - status ${out.response.status}\n` : '';
    return { exitCode: 0, stdout: formatGenhash(req, out.response, elapsedUs), stderr: warn };
  } finally {
    clearTimeout(timer);
    await client.destroy();
  }
}
