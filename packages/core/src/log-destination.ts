import { fstatSync } from 'node:fs';
import pino from 'pino';

/**
 * Where a process's JSON log lines go: stdout, journald's native protocol (when
 * systemd connected stdout to the journal, so fields such as ROLE and PLUGIN can
 * be queried: `journalctl -u hacore ROLE=vrrp`), or syslog (`logging.syslog`).
 * Journal and syslog are AF_UNIX datagram sockets, which Node lacks: they are
 * sent by @hacore/native, loaded on first use; lines before it is loaded wait.
 */
export interface SyslogOptions {
  facility: SyslogFacility;
  ident: string;
  socket: string;
}

export const SYSLOG_FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'] as const;
/** RFC 5424 facility codes (12-15 are unnamed here, so local0 is 16). */
const FACILITY_CODE = (f: string): number => {
  const i = SYSLOG_FACILITIES.indexOf(f as SyslogFacility);
  return i >= 12 ? i + 4 : i;
};
export type SyslogFacility = (typeof SYSLOG_FACILITIES)[number];

type Send = (path: string, message: Uint8Array) => number;

/** pino level -> syslog severity (PRIORITY in the journal). */
function severity(level: unknown): number {
  const l = typeof level === 'number' ? level : 30;
  return l >= 60 ? 2 : l >= 50 ? 3 : l >= 40 ? 4 : l >= 30 ? 6 : 7;
}

const DEFAULT_JOURNAL_SOCKET = '/run/systemd/journal/socket';
/** The journal refuses datagrams over its receive buffer; longer messages are cut (memfd passing is not done). */
const MAX_FIELD = 48 * 1024;

/** True when systemd connected this process's stdout to the journal ($JOURNAL_STREAM names its device:inode). */
export function stdoutIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const js = env.JOURNAL_STREAM;
  if (!js) return false;
  const [dev, ino] = js.split(':');
  try {
    const st = fstatSync(1, { bigint: true });
    return String(st.dev) === dev && String(st.ino) === ino;
  } catch {
    return false;
  }
}

function fieldName(key: string): string {
  const n = key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase().replace(/[^A-Z0-9_]/g, '_').replace(/^_+/, '');
  return /^[A-Z]/.test(n) ? n : `F_${n}`;
}

function field(name: string, value: string): Buffer {
  const v = Buffer.from(value.length > MAX_FIELD ? `${value.slice(0, MAX_FIELD)}…` : value);
  if (!v.includes(10)) return Buffer.concat([Buffer.from(`${name}=`), v, Buffer.from('\n')]);
  // A value with a newline: NAME\n, 64-bit little-endian length, bytes, \n (systemd's native protocol).
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(v.length));
  return Buffer.concat([Buffer.from(`${name}\n`), len, v, Buffer.from('\n')]);
}

const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);

/** One journal entry for a pino JSON line: MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, and each field upper-cased (ROLE, PLUGIN, CHECK, INSTANCE, ...). */
export function journalEntry(line: string, ident = 'hacore'): Buffer {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    rec = { msg: line.trimEnd() };
  }
  const parts = [
    field('MESSAGE', typeof rec.msg === 'string' ? rec.msg : JSON.stringify(rec.msg ?? '')),
    field('PRIORITY', String(severity(rec.level))),
    field('SYSLOG_IDENTIFIER', ident),
    field('SYSLOG_PID', String(rec.pid ?? process.pid)),
  ];
  for (const [k, v] of Object.entries(rec)) {
    if (SKIP.has(k) || v === undefined) continue;
    parts.push(field(fieldName(k), typeof v === 'string' ? v : JSON.stringify(v)));
  }
  parts.push(field('HACORE_JSON', line.trimEnd()));
  return Buffer.concat(parts);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An RFC 3164 line for /dev/log: `<PRI>Mmm dd hh:mm:ss ident[pid]: [role] msg key=value ...`. */
export function syslogLine(line: string, opts: Pick<SyslogOptions, 'facility' | 'ident'>, now = new Date()): Buffer {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    rec = { msg: line.trimEnd() };
  }
  const pri = FACILITY_CODE(opts.facility) * 8 + severity(rec.level);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${MONTHS[now.getMonth()]} ${String(now.getDate()).padStart(2, ' ')} ${p2(now.getHours())}:${p2(now.getMinutes())}:${p2(now.getSeconds())}`;
  const extra = Object.entries(rec)
    .filter(([k, v]) => !SKIP.has(k) && k !== 'role' && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  const role = typeof rec.role === 'string' ? `[${rec.role}] ` : '';
  const msg = `${role}${typeof rec.msg === 'string' ? rec.msg : ''}${extra.length ? ` ${extra.join(' ')}` : ''}`.replace(/\n/g, ' ');
  return Buffer.from(`<${pri}>${stamp} ${opts.ident}[${String(rec.pid ?? process.pid)}]: ${msg}`);
}

/** pino's stream: every line goes to the current target, which a loaded config may change (logging.syslog). */
export class LogDestination {
  private target: 'stdout' | 'journal' | 'syslog';
  private send: Send | undefined;
  private loading: Promise<void> | undefined;
  private queue: string[] = [];
  private syslog: SyslogOptions | undefined;
  private readonly journalSocket: string;
  /** stdout through pino's own SonicBoom, which retries EAGAIN on a full non-blocking pipe (a bare writeSync would throw). */
  private stdoutStream: { write(s: string): boolean } | undefined;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.journalSocket = env.HACORE_JOURNAL_SOCKET || DEFAULT_JOURNAL_SOCKET;
    const forced = env.HACORE_LOG_TARGET;
    this.target = forced === 'journal' || (forced !== 'stdout' && stdoutIsJournal(env)) ? 'journal' : 'stdout';
  }

  /** `logging.syslog` from the config: from now on, lines go to syslog (undefined: back to the journal or stdout). */
  useSyslog(opts: SyslogOptions | undefined, env: NodeJS.ProcessEnv = process.env): void {
    this.syslog = opts;
    if (opts) this.target = 'syslog';
    else if (this.target === 'syslog') this.target = env.HACORE_LOG_TARGET === 'journal' || stdoutIsJournal(env) ? 'journal' : 'stdout';
  }

  private stdout(line: string): void {
    this.stdoutStream ??= pino.destination({ fd: 1, sync: true });
    this.stdoutStream.write(line);
  }

  write(line: string): void {
    if (this.target === 'stdout') {
      this.stdout(line);
      return;
    }
    if (this.send) {
      this.deliver(line);
      return;
    }
    this.queue.push(line);
    this.loading ??= this.load();
  }

  /** Lines still waiting for the addon are written to stdout (at exit, or if it cannot be loaded). */
  flushSync(): void {
    for (const l of this.queue.splice(0)) this.stdout(l);
  }

  /** pino's logger.flush(). */
  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  private async load(): Promise<void> {
    try {
      // By name, not a dependency: @hacore/core installs without the native addon.
      const spec: string = '@hacore/native';
      this.send = ((await import(spec)) as { sendUnixDatagram: Send }).sendUnixDatagram;
    } catch (err) {
      this.target = 'stdout';
      this.stdout(`${JSON.stringify({ level: 40, time: Date.now(), pid: process.pid, msg: `logs stay on stdout: @hacore/native is not installed (${(err as Error).message.split('\n')[0]})` })}\n`);
    }
    for (const l of this.queue.splice(0)) this.write(l);
  }

  private deliver(line: string): void {
    try {
      if (this.target === 'syslog' && this.syslog) this.send!(this.syslog.socket, syslogLine(line, this.syslog));
      else this.send!(this.journalSocket, journalEntry(line));
    } catch {
      // The socket is gone or full: the line is not lost, stdout (the journal's stream under systemd) gets it.
      this.stdout(line);
    }
  }
}
