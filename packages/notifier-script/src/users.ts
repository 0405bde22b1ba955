import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A user or group written as a name or a number, resolved to its id. */
export interface ResolvedUser {
  uid: number;
  /** The user's primary group, used when no group is configured. */
  gid: number;
}

function lookupFile(file: string, name: string): string[] | undefined {
  try {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return f;
    }
  } catch {
    // no such file: fall through to getent
  }
  return undefined;
}

function getent(db: 'passwd' | 'group', name: string): string[] | undefined {
  try {
    // getent asks NSS, so LDAP/SSSD users resolve too; it runs once, at config validation.
    const out = execFileSync('getent', [db, name], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trim().split(':');
  } catch {
    return undefined;
  }
}

export function resolveUser(name: string): ResolvedUser | undefined {
  const f = lookupFile('/etc/passwd', name) ?? getent('passwd', name);
  if (f && f[2] !== undefined && f[3] !== undefined) return { uid: Number(f[2]), gid: Number(f[3]) };
  // A bare uid without a passwd entry runs with the group of the same number unless one is given.
  if (/^\d+$/.test(name)) return { uid: Number(name), gid: Number(name) };
  return undefined;
}

export function resolveGroup(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  const f = lookupFile('/etc/group', name) ?? getent('group', name);
  return f && f[2] !== undefined ? Number(f[2]) : undefined;
}
