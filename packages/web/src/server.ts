import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Auth } from './auth.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The page's files, read once at start (built into the package: no CDN, nothing fetched at run time). */
export function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const files: [string, string, string][] = [
    ['/', 'assets/index.html', 'text/html; charset=utf-8'],
    ['/app.css', 'assets/app.css', 'text/css; charset=utf-8'],
    ['/app.js', 'dist/page/app.js', 'text/javascript; charset=utf-8'],
  ];
  return new Map(files.map(([route, file, type]) => [route, { type, body: readFileSync(path.join(PKG, file)) }]));
}

export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

export const MAX_BODY = 8 * 1024;

export function send(res: ServerResponse, code: number, body: string | Buffer, type = 'application/json; charset=utf-8', extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(code, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store', ...extra });
  res.end(body);
}

export function sendJson(res: ServerResponse, code: number, value: unknown, extra: Record<string, string> = {}): void {
  send(res, code, `${JSON.stringify(value)}\n`, 'application/json; charset=utf-8', extra);
}

/** The request body, at most MAX_BODY bytes (413 otherwise, once the client has sent it), as JSON. */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Drained and dropped so that the client reads the 413; a client that keeps sending is cut off.
      if (size > 64 * MAX_BODY) req.destroy();
      else if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return reject(Object.assign(new Error(`request body over ${MAX_BODY} bytes`), { status: 413 }));
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(Object.assign(new Error('the body is not JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

/**
 * DNS rebinding guard: a console on loopback answers only requests that name
 * a loopback host (a page of another site that rebinds its name to 127.0.0.1
 * sends its own host name).
 */
export function hostAllowed(req: IncomingMessage, loopbackOnly: boolean): boolean {
  if (!loopbackOnly) return true;
  const host = (req.headers.host ?? '').toLowerCase();
  return /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/.test(host);
}

/**
 * Requests that change something: authenticated, JSON (a cross-site form cannot
 * send that without a CORS preflight, which is never granted), and from this
 * origin when the browser says where it comes from. The credential is a header,
 * never a cookie, so there is nothing a cross-site request could carry.
 */
export function actionAllowed(req: IncomingMessage, auth: Auth): { ok: true; user: string } | { ok: false; status: number; message: string } {
  if (!auth.configured) return { ok: false, status: 403, message: 'actions need authentication: set web.tokenFile or web.usersFile' };
  const user = auth.check(req);
  if (!user) return { ok: false, status: 401, message: 'not authenticated' };
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return { ok: false, status: 415, message: 'send application/json' };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    const host = req.headers.host ?? '';
    if (origin.replace(/^https?:\/\//, '') !== host) return { ok: false, status: 403, message: 'cross-origin request refused' };
  }
  return { ok: true, user };
}
