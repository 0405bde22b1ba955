import { createHash, type Hash } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { ConnectionOptions, TlsMaterial } from './connection.js';
import { errorReason, type ProbePhase } from './error-reason.js';
import { overCapReason, type FetchOutcome, type FetchRequest, type FetchResponse } from './fetch-url.js';
import { parseHead, ResponseParseError, type ParsedHead } from './response-head.js';
import { ChunkedDecoder } from './chunked-decoder.js';

/** undici's default limit on the status line and headers together. */
const MAX_HEAD_BYTES = 16 * 1024;
/** How long a probe that has its answer waits for the server's FIN before closing itself. */
const LINGER_MS = 200;

/** TLS options of one checker, built once; `session` holds the last ticket when resumption is on. */
export interface LeanTlsContext {
  options: tls.ConnectionOptions;
  /** Offer the last session the server gave (TLS 1.3 tickets or 1.2 sessions). */
  resume: boolean;
  session?: Buffer;
}

export function leanTlsContext(opts: ConnectionOptions, material: TlsMaterial, resume: boolean): LeanTlsContext {
  const o: tls.ConnectionOptions = { rejectUnauthorized: opts.tlsVerify !== false };
  if (material.ca) o.ca = material.ca;
  if (material.cert) o.cert = material.cert;
  if (material.key) o.key = material.key;
  if (opts.minVersion) o.minVersion = opts.minVersion;
  // RFC 6066 forbids an address as SNI; Node warns about it. Names only.
  if (opts.servername && net.isIP(opts.servername) === 0) o.servername = opts.servername;
  return { options: o, resume };
}

/** The request bytes of one URL, built once per checker. */
export function requestBytes(req: Pick<FetchRequest, 'method' | 'path' | 'headers'>): Buffer {
  let s = `${req.method} ${req.path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(req.headers)) s += `${k}: ${v}\r\n`;
  return Buffer.from(`${s}\r\n`, 'latin1');
}

function connectTimeoutError(ms: number): Error {
  return Object.assign(new Error(`connect timeout (${ms} ms)`), { code: 'UND_ERR_CONNECT_TIMEOUT' });
}

/**
 * One exchange on a fresh connection, on `net`/`tls` directly: connect, write
 * the prepared request, parse the status line and headers, read the body
 * (Content-Length, chunked or close-delimited) into the hash, and let the
 * server close first (the request says `Connection: close`). Same outcomes and
 * reasons as fetchUrl on undici; never rejects. Anything that ends the
 * exchange early destroys the socket at once, so nothing outlives a failure.
 */
export function leanFetch(
  conn: Pick<ConnectionOptions, 'address' | 'port' | 'tls' | 'sourceAddress' | 'connectTimeout'>,
  tlsCtx: LeanTlsContext | undefined,
  request: Buffer,
  req: FetchRequest,
  signal: AbortSignal,
): Promise<FetchOutcome> {
  return new Promise<FetchOutcome>((resolve) => {
    if (signal.aborted) return resolve({ ok: false, reason: 'timeout' });
    let settled = false;
    let phase: ProbePhase = 'request';
    let connected = false;
    let response: FetchResponse | undefined;
    let head: ParsedHead | undefined;
    let pending: Buffer | undefined;
    let hash: Hash | undefined;
    let chunks: Buffer[] | undefined;
    let remaining = -1; // body bytes still due by Content-Length; -1: not length-delimited
    let chunked: ChunkedDecoder | undefined;
    let timer: NodeJS.Timeout | undefined;

    const opts: net.NetConnectOpts & tls.ConnectionOptions = { host: conn.address, port: conn.port };
    if (conn.sourceAddress) opts.localAddress = conn.sourceAddress;
    let socket: net.Socket;
    if (conn.tls && tlsCtx) {
      const t = { ...tlsCtx.options, ...opts };
      if (tlsCtx.resume && tlsCtx.session) t.session = tlsCtx.session;
      const ts = tls.connect(t);
      if (tlsCtx.resume) ts.on('session', (s: Buffer) => { tlsCtx.session = s; });
      socket = ts;
    } else socket = net.connect(opts);

    const finish = (outcome: FetchOutcome, close: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (close) socket.destroy();
      resolve(outcome);
    };
    const fail = (reason: string): void => finish(response ? { ok: false, reason, response } : { ok: false, reason }, true);
    const onAbort = (): void => fail('timeout');
    signal.addEventListener('abort', onAbort, { once: true });
    if (conn.connectTimeout !== undefined) {
      const ms = conn.connectTimeout;
      timer = setTimeout(() => { if (!connected) fail(errorReason(connectTimeoutError(ms), phase, false)); }, ms);
    }

    const complete = (): void => {
      const res = response!;
      if (hash) res.digest = hash.digest('hex');
      if (chunks) res.body = Buffer.concat(chunks, res.bodyBytes);
      if (socket.readableEnded || socket.destroyed) return finish({ ok: true, response: res }, true);
      // The answer is whole: let the server's FIN close the socket (its side keeps the TIME_WAIT).
      finish({ ok: true, response: res }, false);
      const linger = setTimeout(() => socket.destroy(), LINGER_MS);
      socket.once('close', () => clearTimeout(linger));
      socket.once('end', () => socket.destroy());
    };

    const body = (data: Buffer): void => {
      const res = response!;
      if (chunked) {
        let bad = false;
        const done = chunked.push(data, (part) => {
          if (bad || settled) return;
          res.bodyBytes += part.length;
          if (res.bodyBytes > req.maxBodyBytes) { bad = true; return fail(overCapReason(req.maxBodyBytes)); }
          hash?.update(part);
          chunks?.push(part);
        });
        if (settled) return;
        if (done === 'error') return fail('invalid HTTP response');
        if (done) complete();
        return;
      }
      let part = data;
      if (remaining >= 0 && part.length > remaining) part = part.subarray(0, remaining); // bytes past Content-Length are not the body
      res.bodyBytes += part.length;
      if (res.bodyBytes > req.maxBodyBytes) return fail(overCapReason(req.maxBodyBytes));
      hash?.update(part);
      chunks?.push(part);
      if (remaining >= 0) {
        remaining -= part.length;
        if (remaining === 0) complete();
      }
    };

    /** The status line and headers are whole: decide what follows. Returns false when settled. */
    const onHead = (h: ParsedHead): void => {
      if (h.status < 200) return; // 1xx interim answer: the next head follows
      response = { status: h.status, statusText: h.statusText, headers: h.headers, bodyBytes: 0, ...(req.rawHeaders ? { rawHeaders: h.rawHeaders } : {}) };
      if (req.acceptStatus && !req.acceptStatus(h.status)) return fail(`status ${h.status}`);
      const te = h.headers['transfer-encoding'];
      const cl = h.headers['content-length'];
      const noBody = req.method === 'HEAD' || h.status === 204 || h.status === 304;
      if (!noBody && typeof te === 'string' && /chunked\s*$/i.test(te)) chunked = new ChunkedDecoder();
      else if (noBody) remaining = 0;
      else if (cl !== undefined) {
        const n = Number(Array.isArray(cl) ? cl[0] : cl);
        if (!Number.isSafeInteger(n) || n < 0) return fail('invalid HTTP response');
        if (n > req.maxBodyBytes) return fail(overCapReason(req.maxBodyBytes));
        remaining = n;
      }
      phase = 'body';
      if (req.digest) hash = createHash('md5');
      if (req.keepBody) chunks = [];
      if (remaining === 0) complete();
    };

    socket.once(conn.tls ? 'secureConnect' : 'connect', () => {
      connected = true;
      clearTimeout(timer);
      socket.write(request);
    });
    socket.on('data', (data: Buffer) => {
      if (settled) return;
      if (response) return body(data);
      pending = pending ? Buffer.concat([pending, data]) : data;
      for (;;) {
        let parsed;
        try {
          parsed = parseHead(pending);
        } catch (err) {
          return fail(err instanceof ResponseParseError ? 'invalid HTTP response' : errorReason(err, phase, signal.aborted));
        }
        if (!parsed) {
          if (pending.length > MAX_HEAD_BYTES) fail('headers too large');
          return;
        }
        head = parsed.head;
        const rest = pending.subarray(parsed.length);
        pending = undefined;
        onHead(head);
        if (settled) return;
        if (response) {
          if (rest.length) body(rest);
          return;
        }
        if (!rest.length) return;
        pending = rest; // after a 1xx
      }
    });
    socket.on('end', () => {
      if (settled) return;
      if (!response) return fail('closed before response');
      if (remaining < 0 && !chunked) return complete(); // close-delimited body
      fail('body truncated');
    });
    socket.on('error', (err) => {
      if (settled) return;
      fail(errorReason(err, phase, signal.aborted));
    });
    socket.on('close', () => {
      if (!settled) fail(response ? 'body truncated' : 'closed before response');
    });
  });
}
