import { readFileSync } from 'node:fs';

/** Stable codes of this package's errors: match on `code`, never on the wording. */
export type ScriptErrorCode = 'HACORE_ERR_SCRIPT_USER' | 'HACORE_ERR_SCRIPT_GROUP' | 'HACORE_ERR_SCRIPT_INSECURE';

export class ScriptCheckError extends Error {
  readonly code: ScriptErrorCode;
  constructor(code: ScriptErrorCode, message: string) {
    super(message);
    this.name = 'ScriptCheckError';
    this.code = code;
  }
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/** Parses /etc/passwd text (name:x:uid:gid:...). */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (f[0] && Number.isInteger(uid) && Number.isInteger(gid)) out.push({ name: f[0], uid, gid });
  }
  return out;
}

/** Parses /etc/group text (name:x:gid:members). */
export function parseGroup(text: string): { name: string; gid: number }[] {
  const out: { name: string; gid: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    const gid = Number(f[2]);
    if (f[0] && Number.isInteger(gid)) out.push({ name: f[0], gid });
  }
  return out;
}

export interface IdentityFiles {
  passwd: () => string;
  group: () => string;
}

const systemFiles: IdentityFiles = {
  passwd: () => readFileSync('/etc/passwd', 'utf8'),
  group: () => readFileSync('/etc/group', 'utf8'),
};

/**
 * The uid/gid a script runs as. Names are looked up in /etc/passwd and
 * /etc/group (numbers are taken as they are); a user without a group runs with
 * that user's primary group, as su would.
 */
export function resolveIdentity(user: string | number | undefined, group: string | number | undefined, files: IdentityFiles = systemFiles): { uid?: number; gid?: number } {
  const out: { uid?: number; gid?: number } = {};
  if (user !== undefined) {
    const numeric = typeof user === 'number' ? user : /^\d+$/.test(user) ? Number(user) : undefined;
    const entries = parsePasswd(files.passwd());
    const entry = numeric !== undefined ? entries.find((e) => e.uid === numeric) : entries.find((e) => e.name === user);
    if (numeric === undefined && !entry) throw new ScriptCheckError('HACORE_ERR_SCRIPT_USER', `user "${user}" not found in /etc/passwd (give a numeric uid for users from other sources)`);
    out.uid = numeric ?? entry!.uid;
    if (group === undefined && entry) out.gid = entry.gid;
  }
  if (group !== undefined) {
    const numeric = typeof group === 'number' ? group : /^\d+$/.test(group) ? Number(group) : undefined;
    if (numeric !== undefined) out.gid = numeric;
    else {
      const g = parseGroup(files.group()).find((e) => e.name === group);
      if (!g) throw new ScriptCheckError('HACORE_ERR_SCRIPT_GROUP', `group "${group}" not found in /etc/group (give a numeric gid for groups from other sources)`);
      out.gid = g.gid;
    }
  }
  return out;
}
