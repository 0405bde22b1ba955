import { createHash } from 'node:crypto';
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
}

export interface FetchResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  /** Body bytes received (decoded from chunked framing, if any). */
  bodyBytes: number;
  /** MD5 of the body, lower-case hex, when asked. */
  digest?: string;
  body?: Buffer;
}

export type FetchOutcome =
  | { ok: true; response: FetchResponse }
  | { ok: false; reason: string; response?: FetchResponse };

/** Drops a body we will not read. undici reports the drop as an error event: expected, so swallowed. */
function discard(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

export function overCapReason(max: number): string {
  return `body over ${max} bytes`;
}

/**
 * Sends one request on `dispatcher` and reads the answer. A bare Client never
 * follows redirects: a 3xx is an answer like any other and its status is what
 * counts, as in keepalived. Never rejects: every
 * failure comes back as a reason. The body stream is always consumed or
 * destroyed before this returns, so the connection is never left half-read.
 */
export async function fetchUrl(dispatcher: Dispatcher, req: FetchRequest, signal: AbortSignal): Promise<FetchOutcome> {
  let phase: ProbePhase = 'request';
  let data: Dispatcher.ResponseData;
  try {
    data = await dispatcher.request({
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      signal,
    });
  } catch (err) {
    return { ok: false, reason: errorReason(err, phase, signal.aborted) };
  }
  phase = 'body';
  const response: FetchResponse = { status: data.statusCode, statusText: data.statusText, headers: data.headers, bodyBytes: 0 };
  const body = data.body;
  if (req.acceptStatus && !req.acceptStatus(data.statusCode)) {
    discard(body);
    return { ok: false, reason: `status ${data.statusCode}`, response };
  }
  const declared = Number(data.headers['content-length']);
  if (Number.isFinite(declared) && declared > req.maxBodyBytes) {
    discard(body);
    return { ok: false, reason: overCapReason(req.maxBodyBytes), response };
  }
  const hash = req.digest ? createHash('md5') : undefined;
  const chunks: Buffer[] | undefined = req.keepBody ? [] : undefined;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      response.bodyBytes += chunk.length;
      if (response.bodyBytes > req.maxBodyBytes) {
        discard(body);
        return { ok: false, reason: overCapReason(req.maxBodyBytes), response };
      }
      hash?.update(chunk);
      chunks?.push(chunk);
    }
  } catch (err) {
    discard(body);
    return { ok: false, reason: errorReason(err, phase, signal.aborted), response };
  }
  if (hash) response.digest = hash.digest('hex');
  if (chunks) response.body = Buffer.concat(chunks, response.bodyBytes);
  return { ok: true, response };
}
