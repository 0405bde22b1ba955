import { createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';

interface User {
  salt: Buffer;
  hash: Buffer;
}

const SCRYPT_LEN = 32;

/** `name:scrypt:SALT:HASH` (hex) for a users file. */
export function hashPassword(name: string, password: string): string {
  if (!/^[^:\s]+$/.test(name)) throw new Error('a user name has no colon or space');
  const salt = randomBytes(16);
  return `${name}:scrypt:${salt.toString('hex')}:${scryptSync(password, salt, SCRYPT_LEN).toString('hex')}`;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * Who may use the console: a bearer token and/or basic users. With neither, the
 * console is read-only (and validation only allows that on loopback).
 */
export class Auth {
  private readonly tokenDigest: Buffer | undefined;
  private readonly users = new Map<string, User>();

  constructor(opts: { tokenFile?: string | undefined; usersFile?: string | undefined }) {
    if (opts.tokenFile) {
      const token = readFileSync(opts.tokenFile, 'utf8').trim();
      if (token.length < 16) throw new Error(`web.tokenFile: ${opts.tokenFile} holds a token of ${token.length} characters; use at least 16 (e.g. openssl rand -hex 24)`);
      this.tokenDigest = digest(token);
    }
    if (opts.usersFile) {
      readFileSync(opts.usersFile, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const l = line.trim();
          if (l === '' || l.startsWith('#')) return;
          const m = /^([^:\s]+):scrypt:([0-9a-f]{32}):([0-9a-f]{64})$/.exec(l);
          if (!m) throw new Error(`web.usersFile: ${opts.usersFile}:${i + 1}: expected name:scrypt:SALT:HASH (hacore web hash-password NAME)`);
          this.users.set(m[1]!, { salt: Buffer.from(m[2]!, 'hex'), hash: Buffer.from(m[3]!, 'hex') });
        });
    }
  }

  /** True when some credential is configured: only then are actions possible. */
  get configured(): boolean {
    return this.tokenDigest !== undefined || this.users.size > 0;
  }

  get schemes(): string[] {
    return [...(this.tokenDigest ? ['Bearer'] : []), ...(this.users.size > 0 ? ['Basic'] : [])];
  }

  /** The user the request authenticates as (`token` for the bearer token), or undefined. */
  check(req: IncomingMessage): string | undefined {
    const h = req.headers.authorization;
    if (!h) return undefined;
    const sp = h.indexOf(' ');
    const scheme = h.slice(0, sp).toLowerCase();
    const cred = h.slice(sp + 1).trim();
    if (scheme === 'bearer' && this.tokenDigest) return timingSafeEqual(digest(cred), this.tokenDigest) ? 'token' : undefined;
    if (scheme === 'basic' && this.users.size > 0) {
      const plain = Buffer.from(cred, 'base64').toString('utf8');
      const c = plain.indexOf(':');
      if (c < 0) return undefined;
      const user = this.users.get(plain.slice(0, c));
      // A missing user costs the same scrypt as a wrong password.
      const u = user ?? { salt: Buffer.alloc(16), hash: Buffer.alloc(SCRYPT_LEN) };
      const ok = timingSafeEqual(scryptSync(plain.slice(c + 1), u.salt, SCRYPT_LEN), u.hash);
      return ok && user ? plain.slice(0, c) : undefined;
    }
    return undefined;
  }
}
