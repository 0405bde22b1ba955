import { createHash, type Hash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import { errorReason, type ProbePhase } from './error-reason.js';

/** One HTTP exchange as the checker and hacore-genhash make it. */
export interface FetchRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  /** Body bytes read at most; more is a failure. */
  maxBodyBytes: number;
  /** Compute the MD5 of the body. */
  digest: boolean;
  /** Keep the body (for a regex or for display). */
  keepBody: boolean;
  /**
   * Decides, once the status is known, whether the body still matters. The
   * checker stops at a wrong status (the answer is wrong whatever follows);
   * genhash reads on whatever the status is.
   */
  acceptStatus?: (status: number) => boolean;
  /** Keep the headers as the server wrote them (genhash --verbose). */
  rawHeaders?: boolean;
}

export interface FetchResponse {
  status: number;
  statusText: string;
  /** Lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  /** Name/value pairs as the server wrote them (case kept), when undici exposes them. */
  rawHeaders?: [string, string][];
  /** Body bytes received (decoded from chunked framing, if any). */
  bodyBytes: number;
  /** MD5 of the body, lower-case hex, when asked. */
  digest?: string;
  body?: Buffer;
}

export type FetchOutcome = { ok: true; response: FetchResponse } | { ok: false; reason: string; response?: FetchResponse };

export function overCapReason(max: number): string {
  return `body over ${max} bytes`;
}

/** Why we abort an exchange ourselves; never reported (the outcome is settled first). */
class Stop extends Error {
  override readonly name = 'Stop';
}

function pairs(raw: Dispatcher.DispatchController['rawHeaders']): [string, string][] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([String(raw[i]), String(raw[i + 1])]);
  return out;
}

/**
 * Sends one request on `dispatcher` and reads the answer, through undici's
 * low-level dispatch API (no body stream: chunks go straight into the hash).
 * A bare Client never follows redirects: a 3xx is an answer like any other and
 * its status is what counts, as in keepalived. Never rejects: every failure
 * comes back as a reason. An exchange we stop early (wrong status, body over
 * the cap, signal) is aborted, which makes undici destroy its socket; callers
 * that must leave nothing behind drop the Client after a failure (undici keeps
 * an aborted request queued and may connect again for it).
 */
export function fetchUrl(dispatcher: Dispatcher, req: FetchRequest, signal: AbortSignal): Promise<FetchOutcome> {
  return new Promise<FetchOutcome>((resolve) => {
    if (signal.aborted) return resolve({ ok: false, reason: 'timeout' });
    let settled = false;
    let phase: ProbePhase = 'request';
    let controller: Dispatcher.DispatchController | undefined;
    let response: FetchResponse | undefined;
    let hash: Hash | undefined;
    let chunks: Buffer[] | undefined;

    const finish = (outcome: FetchOutcome): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      resolve(outcome);
    };
    const fail = (reason: string): void => finish(response ? { ok: false, reason, response } : { ok: false, reason });
    /** Settles with `reason`, then stops the exchange (undici closes its socket). */
    const stop = (c: Dispatcher.DispatchController | undefined, reason: string): void => {
      fail(reason);
      if (c && !c.aborted) c.abort(new Stop(reason));
    };
    const onAbort = (): void => stop(controller, 'timeout');
    signal.addEventListener('abort', onAbort, { once: true });

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        // The signal fired while the request waited for its connection.
        if (settled) c.abort(new Stop('timeout'));
      },
      onResponseStart(c, statusCode, headers, statusMessage) {
        if (settled || statusCode < 200) return; // 1xx are interim answers
        const raw = req.rawHeaders ? pairs(c.rawHeaders) : undefined;
        response = { status: statusCode, statusText: statusMessage ?? '', headers: headers as FetchResponse['headers'], bodyBytes: 0, ...(raw ? { rawHeaders: raw } : {}) };
        if (req.acceptStatus && !req.acceptStatus(statusCode)) return stop(c, `status ${statusCode}`);
        const declared = Number(headers['content-length']);
        if (Number.isFinite(declared) && declared > req.maxBodyBytes) return stop(c, overCapReason(req.maxBodyBytes));
        phase = 'body';
        if (req.digest) hash = createHash('md5');
        if (req.keepBody) chunks = [];
      },
      onResponseData(c, chunk) {
        if (settled || !response) return;
        response.bodyBytes += chunk.length;
        if (response.bodyBytes > req.maxBodyBytes) return stop(c, overCapReason(req.maxBodyBytes));
        hash?.update(chunk);
        chunks?.push(chunk);
      },
      onResponseEnd() {
        if (settled) return;
        if (!response) return fail('closed before response');
        if (hash) response.digest = hash.digest('hex');
        if (chunks) response.body = Buffer.concat(chunks, response.bodyBytes);
        finish({ ok: true, response });
      },
      onResponseError(_c, err) {
        if (settled || err instanceof Stop) return;
        fail(errorReason(err, phase, signal.aborted));
      },
    };
    try {
      dispatcher.dispatch({ path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers }, handler);
    } catch (err) {
      fail(errorReason(err, phase, signal.aborted));
    }
  });
}
