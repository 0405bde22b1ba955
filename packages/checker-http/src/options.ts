import { accessSync, constants } from 'node:fs';
import { schema as s, type ConfigIssue } from '@hacore/core';
import { STATUS_MAX, STATUS_MIN, parseStatusEntry, type StatusRange } from './status-codes.js';
import type { HttpCheckOptions } from './http-checker.js';

export const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/** One list entry: a code, or a string of codes and ranges, keepalived style ("200-299 400-499 503"). */
const STATUS_TEXT = /^\s*\d{3}(\s*-\s*\d{3})?([\s,]+\d{3}(\s*-\s*\d{3})?)*\s*$/;

const statusList = s.transform(
  s.array(
    s.union(
      s.integer({ min: STATUS_MIN, max: STATUS_MAX }),
      s.string({ pattern: STATUS_TEXT, patternText: 'a status code or a range such as "300-399" (several: "200-299 503")' }),
    ),
    { single: true, minItems: 1 },
  ),
  (list, ctx, path): StatusRange[] | typeof s.INVALID => {
    const out: StatusRange[] = [];
    let ok = true;
    list.forEach((entry, i) => {
      const parts = typeof entry === 'number' ? [entry] : entry.replace(/\s*-\s*/g, '-').trim().split(/[\s,]+/);
      for (const part of parts) {
        const r = parseStatusEntry(part);
        if (r) out.push(r);
        else {
          s.fail(ctx, s.joinPath(path, i), `status codes from ${STATUS_MIN} to ${STATUS_MAX} or ranges low-high within it`, entry);
          ok = false;
        }
      }
    });
    return ok ? out : s.INVALID;
  },
);

const regexSource = s.transform(s.string({ minLength: 1 }), (src, ctx, path) => {
  try {
    new RegExp(src);
    return src;
  } catch (err) {
    return s.fail(ctx, path, `a valid regular expression (${(err as Error).message})`, src);
  }
});

/** A readable PEM file; checked at validation so a typo stops the start, not a probe. */
const pemFile = s.transform(s.string({ minLength: 1 }), (file, ctx, path) => {
  try {
    accessSync(file, constants.R_OK);
    return file;
  } catch (err) {
    return s.fail(ctx, path, `a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, file);
  }
});

/** One URL of a check (keepalived's `url { }` block). */
export const urlOptions = s.object({
  path: s.string({ pattern: /^\/\S*$/, patternText: 'a path starting with / (no spaces), e.g. /health' }).describe('Path (and query) to request (keepalived path).'),
  status: s.optional(statusList).describe('Accepted status codes: numbers and ranges, e.g. [200, "300-399"]. Default 200-299 (keepalived status_code).'),
  digest: s
    .optional(
      s.transform(s.string({ pattern: /^[0-9a-fA-F]{32}$/, patternText: 'an MD5 digest: 32 hex digits, as hacore-genhash prints it' }), (d) => d.toLowerCase()),
    )
    .describe('MD5 of the body in hex (keepalived digest); get it with hacore-genhash.'),
  regex: s.optional(regexSource).describe('Regular expression (JavaScript syntax) the body must match (keepalived regex).'),
  regexFlags: s
    .optional(s.string({ pattern: /^(?!.*(.).*\1)[imsu]*$/, patternText: 'regular expression flags among i, m, s, u' }))
    .describe('Flags of regex: i (caseless), m (multiline), s (dotall), u (unicode).'),
  regexNoMatch: s.optional(s.boolean(), false).describe('Pass when the regex does NOT match (keepalived regex_no_match).'),
  virtualhost: s.optional(s.string({ minLength: 1 })).describe('Host header (and TLS SNI) for this URL, overriding the check virtualhost.'),
});

/** Options of a `type: http` check, on top of the common check fields. */
export const httpCheckOptions = s.object({
  urls: s
    .optional(s.array(urlOptions, { minItems: 1, single: true }), [{ path: '/', regexNoMatch: false }])
    .describe('URLs to fetch in turn; every one must pass. Default: one URL, path /, status 200-299.'),
  tls: s.optional(s.boolean(), false).describe('HTTPS (keepalived SSL_GET) instead of HTTP (HTTP_GET).'),
  virtualhost: s.optional(s.string({ minLength: 1 })).describe('Host header, and SNI with tls (keepalived virtualhost). Default: address:port.'),
  method: s.optional(s.enumOf(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'] as const), 'GET').describe('Request method. Default GET (keepalived only sends GET).'),
  headers: s
    .optional(s.record(s.string(), { keyPattern: /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/ }))
    .describe('Extra request headers, e.g. {Authorization: "Basic ..."}; a User-Agent here replaces the default KeepAliveClient.'),
  connectTimeout: s.optional(s.duration({ min: 1 })).describe('Connect (and TLS handshake) timeout (keepalived connect_timeout). Default: the check timeout.'),
  maxBodyBytes: s.optional(s.integer({ min: 1, max: 1 << 30 }), DEFAULT_MAX_BODY_BYTES).describe('Body bytes read at most; a longer body fails the probe. Default 1 MiB.'),
  reuseConnection: s.optional(s.boolean(), false).describe('Keep one connection open between probes. Default: a fresh connection per probe, as keepalived does.'),
  tlsResumption: s.optional(s.boolean(), false).describe('Offer the last TLS session (TLS 1.3 ticket or 1.2 session) on the next fresh connection: cheaper handshakes, but a resumed handshake does not show the certificate again. Default false: a full handshake every probe, as keepalived.'),
  tlsVerify: s.optional(s.boolean()).describe('Verify the server certificate (chain and name). Default true. keepalived never verifies: set false for its behaviour.'),
  ca: s.optional(pemFile).describe('PEM file of the CA(s) to trust instead of the system store (keepalived SSL ca).'),
  cert: s.optional(pemFile).describe('PEM file of the client certificate (keepalived SSL certificate).'),
  key: s.optional(pemFile).describe('PEM file of the client key, unencrypted (keepalived SSL key).'),
  minVersion: s.optional(s.enumOf(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const)).describe('Lowest TLS version accepted. Default: Node\'s (TLSv1.2).'),
  sourceAddress: s.optional(s.ip()).describe('Local address to connect from (keepalived bindto).'),
});

const MANAGED_HEADERS = ['connection', 'content-length', 'transfer-encoding', 'upgrade'];

/**
 * The rules that span several fields, which the per-field schema cannot see.
 * Returns issues with paths relative to the check (`cert`, `urls[1].regex`).
 */
export function crossFieldIssues(spec: HttpCheckOptions & { target?: { address: string } }): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (spec.target && !spec.target.address) issues.push({ path: 'address', expected: 'the address of the server (required for type http)', found: 'nothing' });
  if (spec.cert !== undefined && spec.key === undefined) issues.push({ path: 'key', expected: 'the client key file that goes with cert', found: 'nothing' });
  if (spec.key !== undefined && spec.cert === undefined) issues.push({ path: 'cert', expected: 'the client certificate file that goes with key', found: 'nothing' });
  if (!spec.tls) {
    for (const k of ['tlsVerify', 'ca', 'cert', 'key', 'minVersion'] as const) {
      if (spec[k] !== undefined) issues.push({ path: k, expected: 'no TLS option unless tls: true', found: JSON.stringify(spec[k]) });
    }
  }
  for (const name of Object.keys(spec.headers ?? {})) {
    if (MANAGED_HEADERS.includes(name.toLowerCase())) {
      issues.push({ path: `headers.${name}`, expected: `a header the checker does not manage itself (not ${MANAGED_HEADERS.join(', ')})`, found: JSON.stringify(name) });
    }
  }
  spec.urls.forEach((u, i) => {
    if (u.regex === undefined) {
      if (u.regexFlags !== undefined) issues.push({ path: `urls[${i}].regexFlags`, expected: 'regexFlags only together with regex', found: JSON.stringify(u.regexFlags) });
      return;
    }
    try {
      new RegExp(u.regex, u.regexFlags ?? '');
    } catch (err) {
      issues.push({ path: `urls[${i}].regex`, expected: `a valid regular expression with flags "${u.regexFlags ?? ''}" (${(err as Error).message})`, found: JSON.stringify(u.regex) });
    }
  });
  return issues;
}
