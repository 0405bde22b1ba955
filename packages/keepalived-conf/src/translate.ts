import { isIP } from 'node:net';
import { KaConfError, type IncludeStep, type KaConfProblem } from './errors.js';
import { KEEPALIVED_KEYWORDS } from './keywords.js';
import { splitCommand, type KaNode, type ParseResult } from './parser.js';

/**
 * keepalived keywords -> hacore's config document. Each handler table is one
 * keepalived block; a keyword without a handler is either known to keepalived
 * (not supported by hacore yet) or unknown to it (an error with a hint).
 */

export interface Source {
  file: string;
  line: number;
  chain: IncludeStep[];
}

export interface ReportEntry {
  kind: 'translated' | 'dropped';
  keyword: string;
  /** The block path, e.g. `vrrp_instance VI_1`. */
  block: string;
  file: string;
  line: number;
  /** hacore key it became (translated) or why it was dropped. */
  detail: string;
}

export interface TranslateOptions {
  /** Drop unsupported keywords (one warning each) instead of refusing the file. */
  lenient?: boolean;
}

export interface Translation {
  doc: Record<string, unknown>;
  /** hacore config path (`vrrp.instances[0].priority`) -> where it came from. */
  sources: Map<string, Source>;
  report: ReportEntry[];
  /** What lenient mode dropped, and the parser's warnings. */
  warnings: KaConfProblem[];
}

type Obj = Record<string, unknown>;
type Handler = (n: KaNode, t: Ctx) => void;
type Table = Record<string, Handler>;

const NOT_SUPPORTED = 'not supported by hacore yet';

function src(n: KaNode): Source {
  return { file: n.file, line: n.line, chain: n.chain };
}

function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return 99;
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

class Ctx {
  readonly doc: Obj = {};
  readonly sources = new Map<string, Source>();
  readonly report: ReportEntry[] = [];
  readonly warnings: KaConfProblem[] = [];
  readonly unsupported: KaConfProblem[] = [];
  readonly unknown: KaConfProblem[] = [];
  readonly invalid: KaConfProblem[] = [];
  readonly plugins = new Set<string>();
  /** global_defs values that are defaults of every vrrp_instance. */
  readonly vrrpDefaults: Obj = {};
  readonly vrrpDefaultSources = new Map<string, Source>();
  block = '';
  routerId: string | undefined;
  scriptUser: { user: string | undefined; group: string | undefined } | undefined;
  pendingSmtp: { smtp: Obj; source: Source } | undefined;
  vrrpSection: Obj = {};
  /** bfd_instance blocks, and what track_bfd needs resolved once the whole file is read. */
  readonly bfdInstances: Obj[] = [];
  /** global_defs keys of the bfd section (bfd_priority, bfd_rt_priority). */
  bfdSection: Obj = {};
  readonly bfdDefaults = new Map<string, { weight: number; reverse: boolean }>();
  readonly bfdRefs: { ref: Obj; explicit: boolean }[] = [];
  readonly groupBfd: { group: Obj; names: string[]; source: Source }[] = [];

  constructor(readonly lenient: boolean) {}

  set(path: string, obj: Obj, key: string, value: unknown, n: KaNode): void {
    obj[key] = value;
    this.sources.set(`${path}.${key}`, src(n));
    this.report.push({ kind: 'translated', keyword: n.keyword, block: this.block, file: n.file, line: n.line, detail: `${path}.${key}` });
  }

  noted(n: KaNode, detail: string): void {
    this.report.push({ kind: 'translated', keyword: n.keyword, block: this.block, file: n.file, line: n.line, detail });
  }

  drop(n: KaNode, why = NOT_SUPPORTED): void {
    const p: KaConfProblem = { file: n.file, line: n.line, message: `${this.block ? `${this.block}: ` : ''}${n.keyword}: ${why}`, ...(n.chain.length ? { chain: n.chain } : {}) };
    this.report.push({ kind: 'dropped', keyword: n.keyword, block: this.block, file: n.file, line: n.line, detail: why });
    if (this.lenient) this.warnings.push(p);
    else this.unsupported.push(p);
  }

  bad(n: KaNode, message: string): void {
    this.invalid.push({ file: n.file, line: n.line, message: `${this.block ? `${this.block}: ` : ''}${n.keyword}: ${message}`, ...(n.chain.length ? { chain: n.chain } : {}) });
  }

  walk(children: KaNode[] | undefined, table: Table, block: string): void {
    const saved = this.block;
    for (const c of children ?? []) {
      this.block = block;
      const h = table[c.keyword];
      if (h) h(c, this);
      else if (KEEPALIVED_KEYWORDS.has(c.keyword)) this.drop(c);
      else {
        const hint = closest(c.keyword, [...Object.keys(table), ...KEEPALIVED_KEYWORDS]);
        this.unknown.push({
          file: c.file,
          line: c.line,
          message: `${block ? `${block}: ` : ''}unknown keyword "${c.keyword}" (keepalived does not know it either)${hint ? `; did you mean "${hint}"?` : ''}`,
          ...(c.chain.length ? { chain: c.chain } : {}),
        });
      }
    }
    this.block = saved;
  }
}

// ---- value helpers -------------------------------------------------------------------------

function arg(n: KaNode, t: Ctx, i = 0): string | undefined {
  const v = n.args[i];
  if (v === undefined) t.bad(n, `expected a value after ${n.keyword}`);
  return v;
}

function int(n: KaNode, t: Ctx, min: number, max: number, i = 0): number | undefined {
  const v = arg(n, t, i);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    t.bad(n, `expected an integer from ${min} to ${max}, found "${v}"`);
    return undefined;
  }
  return Number(v);
}

/** keepalived <TIMER>: seconds, fractional allowed -> hacore duration text. */
function seconds(n: KaNode, t: Ctx, i = 0): string | undefined {
  const v = arg(n, t, i);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) {
    t.bad(n, `expected a time in seconds, found "${v}"`);
    return undefined;
  }
  const ms = Math.round(Number(v) * 1000);
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function bool(n: KaNode, t: Ctx): boolean | undefined {
  const v = n.args[0];
  if (v === undefined) return true;
  const m: Record<string, boolean> = { on: true, true: true, yes: true, off: false, false: false, no: false };
  if (!(v.toLowerCase() in m)) {
    t.bad(n, `expected on|off|true|false|yes|no, found "${v}"`);
    return undefined;
  }
  return m[v.toLowerCase()];
}

function command(n: KaNode, t: Ctx): string[] | undefined {
  const v = arg(n, t);
  if (v === undefined) return undefined;
  const argv = splitCommand(n.args.join(' '));
  if (argv.length === 0) {
    t.bad(n, 'expected a command');
    return undefined;
  }
  return argv;
}

function hostPort(address: string, port: number | undefined): string {
  const h = isIP(address) === 6 ? `[${address}]` : address;
  return port === undefined ? h : `${h}:${port}`;
}

function ensure(obj: Obj, key: string): Obj {
  obj[key] ??= {};
  return obj[key] as Obj;
}

function notifyOf(t: Ctx, kind: 'instances' | 'groups'): (name: string) => Obj {
  return (name) => {
    t.plugins.add('@hacore/notifier-script');
    return ensure(ensure(ensure(t.doc, 'notify'), kind), name);
  };
}

// ---- global_defs ---------------------------------------------------------------------------

const VRRP_DEFAULT_KEYS: Record<string, [string, 'seconds' | 'int' | 'flag' | 'version']> = {
  vrrp_garp_master_delay: ['garpMasterDelay', 'seconds'],
  vrrp_garp_master_repeat: ['garpRepeat', 'int'],
  vrrp_garp_master_refresh: ['garpRefresh', 'seconds'],
  vrrp_garp_master_refresh_repeat: ['garpRefreshRepeat', 'int'],
  vrrp_garp_interval: ['garpInterval', 'seconds'],
  vrrp_gna_interval: ['garpInterval', 'seconds'],
  vrrp_version: ['version', 'version'],
  vrrp_check_unicast_src: ['checkUnicastSource', 'flag'],
};

/** `lvs_sync_daemon IFACE INSTANCE [id N] [maxlen N] [port N] [ttl N] [group ADDR]` -> ipvs.syncDaemon. */
function lvsSyncDaemon(c: KaNode, t: Ctx): void {
  const [iface, instance, ...rest] = c.args;
  if (!iface || !instance) return t.bad(c, 'expected an interface and a vrrp instance name');
  const sd: Obj = { interface: iface, vrrpInstance: instance };
  const keys: Record<string, [string, number, number] | 'ip'> = { id: ['syncId', 0, 255], maxlen: ['maxLength', 64, 65535], port: ['port', 1, 65535], ttl: ['ttl', 1, 255], group: 'ip' };
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i]!;
    const v = rest[i + 1];
    const spec = keys[k];
    if (!spec || v === undefined) return t.bad(c, `expected id, maxlen, port, ttl or group with a value, found "${k}"`);
    if (spec === 'ip') {
      if (isIP(v) === 0) return t.bad(c, `group: expected an IP address, found "${v}"`);
      sd.group = v;
      continue;
    }
    const n = Number(v);
    if (!Number.isInteger(n) || n < spec[1] || n > spec[2]) return t.bad(c, `${k}: expected an integer ${spec[1]}-${spec[2]}, found "${v}"`);
    sd[spec[0]] = n;
  }
  t.plugins.add('@hacore/ipvs');
  t.set('ipvs', ensure(t.doc, 'ipvs'), 'syncDaemon', sd, c);
}

function globalDefs(n: KaNode, t: Ctx): void {
  const smtp: Obj = {};
  const smtpSrc = src(n);
  /** A process's scheduling key of global_defs (vrrp_priority, bfd_rt_priority, ...): an integer in [min, max] at `section.key`. */
  const processSetting = (name: string, section: Obj, key: string, min: number, max: number) => (c: KaNode) => {
    const v = int(c, t, min, max);
    if (v === undefined) return;
    section[key] = v;
    t.sources.set(`${name}.${key}`, src(c));
    t.noted(c, `${name}.${key}`);
  };
  const table: Table = {
    router_id: (c) => {
      arg(c, t);
      t.routerId = c.args[0];
      t.noted(c, 'smtp.subjectPrefix (only names this box otherwise)');
    },
    lvs_id: (c) => t.noted(c, 'no effect (keepalived 1.x name of router_id)'),
    lvs_sync_daemon: (c) => lvsSyncDaemon(c, t),
    notification_email: (c) => {
      smtp.notificationEmail = (c.children ?? []).map((e) => e.keyword);
      t.noted(c, 'smtp.notificationEmail');
    },
    notification_email_from: (c) => {
      smtp.notificationEmailFrom = arg(c, t);
      t.noted(c, 'smtp.notificationEmailFrom');
    },
    smtp_server: (c) => {
      const h = arg(c, t);
      if (h === undefined) return;
      smtp.smtpServer = c.args[1] !== undefined ? `${hostPort(h, Number(c.args[1]))}` : h;
      t.noted(c, 'smtp.smtpServer');
    },
    smtp_helo_name: (c) => {
      smtp.smtpHeloName = arg(c, t);
      t.noted(c, 'smtp.smtpHeloName');
    },
    smtp_connect_timeout: (c) => {
      smtp.smtpConnectTimeout = seconds(c, t);
      t.noted(c, 'smtp.smtpConnectTimeout');
    },
    smtp_alert: (c) => t.noted(c, bool(c, t) === false ? 'smtp: no alerts' : 'smtp.events (the default)'),
    script_user: (c) => {
      const notify = ensure(t.doc, 'notify');
      t.set('notify', notify, 'user', arg(c, t), c);
      if (c.args[1] !== undefined) t.set('notify', notify, 'group', c.args[1], c);
      t.scriptUser = { user: c.args[0], group: c.args[1] };
    },
    enable_script_security: (c) => t.noted(c, 'the default of hacore (notify.scriptSecurity, script checks, track scripts)'),
    notify_fifo: (c) => {
      if (c.args.length > 1) return t.drop(c, `${NOT_SUPPORTED} (a FIFO user and group)`);
      t.plugins.add('@hacore/notifier-script');
      t.set('notify', ensure(t.doc, 'notify'), 'fifo', arg(c, t), c);
    },
    notify_fifo_script: (c) => {
      t.plugins.add('@hacore/notifier-script');
      t.set('notify', ensure(t.doc, 'notify'), 'fifoScript', command(c, t), c);
    },
    vrrp_priority: processSetting('vrrp', t.vrrpSection, 'nice', -20, 19),
    vrrp_rt_priority: processSetting('vrrp', t.vrrpSection, 'realtimePriority', 1, 99),
    bfd_priority: processSetting('bfd', t.bfdSection, 'nice', -20, 19),
    bfd_rt_priority: processSetting('bfd', t.bfdSection, 'realtimePriority', 1, 99),
  };
  for (const [kw, [key, kind]] of Object.entries(VRRP_DEFAULT_KEYS)) {
    table[kw] = (c) => {
      const v = kind === 'seconds' ? seconds(c, t) : kind === 'int' ? int(c, t, 0, 100) : kind === 'version' ? int(c, t, 2, 3) : bool(c, t);
      if (v === undefined) return;
      t.vrrpDefaults[key] = v;
      t.vrrpDefaultSources.set(key, src(c));
      t.noted(c, `vrrp.instances[*].${key} (default of every instance)`);
    };
  }
  t.walk(n.children, table, 'global_defs');
  if (Object.keys(smtp).length > 0) t.pendingSmtp = { smtp, source: smtpSrc };
}

// ---- vrrp ----------------------------------------------------------------------------------

function vrrpScript(n: KaNode, t: Ctx): void {
  const name = n.args[0];
  if (!name) return t.bad(n, 'expected the script name');
  const scripts = ensure(t.vrrpSection, 'scripts');
  const out: Obj = {};
  const path = `vrrp.scripts.${name}`;
  scripts[name] = out;
  t.sources.set(path, src(n));
  t.walk(
    n.children,
    {
      script: (c) => t.set(path, out, 'command', command(c, t), c),
      interval: (c) => t.set(path, out, 'interval', seconds(c, t), c),
      timeout: (c) => t.set(path, out, 'timeout', seconds(c, t), c),
      weight: (c) => {
        if (c.args[1] !== undefined) return t.drop(c, `${NOT_SUPPORTED} (weight ... reverse)`);
        t.set(path, out, 'weight', int(c, t, -254, 254), c);
      },
      rise: (c) => t.set(path, out, 'rise', int(c, t, 1, 1000), c),
      fall: (c) => t.set(path, out, 'fall', int(c, t, 1, 1000), c),
    },
    `vrrp_script ${name}`,
  );
  if (out.command === undefined) t.bad(n, 'a vrrp_script needs a script line');
}

function addressItem(c: KaNode, t: Ctx): unknown {
  const a: Obj = { address: c.keyword };
  for (let i = 0; i < c.args.length; i += 2) {
    const k = c.args[i]!;
    const v = c.args[i + 1];
    if (v === undefined) {
      t.drop({ ...c, keyword: `${c.keyword} ${k}` }, `${NOT_SUPPORTED} (address option "${k}")`);
      continue;
    }
    if (k === 'dev' || k === 'label' || k === 'scope') a[k] = v;
    else t.drop({ ...c, keyword: `${c.keyword} ${k}` }, `${NOT_SUPPORTED} (address option "${k}")`);
  }
  return Object.keys(a).length === 1 ? c.keyword : a;
}

function routeItem(c: KaNode, t: Ctx): Obj | undefined {
  const words = [c.keyword, ...c.args];
  const r: Obj = {};
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const v = words[i + 1];
    if (['src', 'to', 'via', 'gw', 'dev', 'scope', 'table', 'metric'].includes(w) && v !== undefined) {
      const key = w === 'gw' ? 'via' : w;
      r[key] = key === 'table' || key === 'metric' ? (/^\d+$/.test(v) ? Number(v) : v) : v;
      i++;
    } else if (r.to === undefined && /^[0-9a-fA-F.:]+(\/\d+)?$/.test(w) && w.includes('.') !== w.includes(':') ? true : r.to === undefined && /[./:]/.test(w)) {
      r.to = w;
    } else {
      t.drop({ ...c, keyword: `virtual_routes ${w}` }, `${NOT_SUPPORTED} (route option "${w}")`);
      return undefined;
    }
  }
  if (r.to === undefined) {
    t.bad(c, 'a route needs a destination');
    return undefined;
  }
  return r;
}

function trackItems(c: KaNode, t: Ctx, what: string): unknown[] {
  return (c.children ?? []).map((i) => {
    if (i.args.length === 0) return i.keyword;
    if (i.args[0] === 'weight' && i.args[1] !== undefined && i.args.length === 2) return { name: i.keyword, weight: Number(i.args[1]) };
    t.drop(i, `${NOT_SUPPORTED} (${what} option "${i.args.join(' ')}")`);
    return i.keyword;
  });
}

function vrrpInstance(n: KaNode, t: Ctx): void {
  const name = n.args[0];
  if (!name) return t.bad(n, 'expected the instance name');
  t.plugins.add('@hacore/vrrp');
  const list = (t.vrrpSection.instances ??= []) as Obj[];
  const path = `vrrp.instances[${list.length}]`;
  const out: Obj = { name };
  list.push(out);
  t.sources.set(path, src(n));
  const notify = (key: string) => (c: KaNode) => t.set(`notify.instances.${name}`, notifyOf(t, 'instances')(name), key, command(c, t), c);
  const addrs = (key: string) => (c: KaNode) => {
    const items = (c.children ?? []).map((i) => addressItem(i, t));
    out[key] = [...((out[key] as unknown[]) ?? []), ...items];
    t.sources.set(`${path}.${key}`, src(c));
    t.noted(c, `${path}.${key}`);
  };
  t.walk(
    n.children,
    {
      state: (c) => {
        const v = arg(c, t)?.toUpperCase();
        if (v !== undefined && v !== 'MASTER' && v !== 'BACKUP') return t.bad(c, `expected MASTER or BACKUP, found "${c.args[0]}"`);
        t.set(path, out, 'state', v, c);
      },
      interface: (c) => t.set(path, out, 'interface', arg(c, t), c),
      virtual_router_id: (c) => t.set(path, out, 'vrid', int(c, t, 1, 255), c),
      priority: (c) => t.set(path, out, 'priority', int(c, t, 1, 255), c),
      advert_int: (c) => t.set(path, out, 'advertInterval', seconds(c, t), c),
      version: (c) => t.set(path, out, 'version', int(c, t, 2, 3), c),
      nopreempt: (c) => t.set(path, out, 'preempt', false, c),
      preempt: (c) => t.set(path, out, 'preempt', true, c),
      preempt_delay: (c) => t.set(path, out, 'preemptDelay', seconds(c, t), c),
      unicast_src_ip: (c) => t.set(path, out, 'unicastSource', arg(c, t), c),
      mcast_src_ip: (c) => t.set(path, out, 'unicastSource', arg(c, t), c),
      unicast_peer: (c) =>
        t.set(
          path,
          out,
          'unicastPeers',
          (c.children ?? []).map((p) => {
            if (p.args.length > 0) t.drop(p, `${NOT_SUPPORTED} (unicast_peer option "${p.args.join(' ')}")`);
            return p.keyword;
          }),
          c,
        ),
      check_unicast_src: (c) => t.set(path, out, 'checkUnicastSource', true, c),
      authentication: (c) => {
        const auth: Obj = {};
        t.walk(
          c.children,
          {
            auth_type: (a) => {
              if (a.args[0] !== 'PASS') return t.drop(a, `${NOT_SUPPORTED} (auth_type ${a.args[0] ?? ''}: only PASS)`);
              auth.type = 'PASS';
            },
            auth_pass: (a) => {
              auth.password = arg(a, t)?.slice(0, 8);
            },
          },
          `vrrp_instance ${name} authentication`,
        );
        if (auth.type && auth.password !== undefined) t.set(path, out, 'authentication', auth, c);
      },
      virtual_ipaddress: addrs('virtualAddresses'),
      virtual_ipaddress_excluded: addrs('virtualAddressesExcluded'),
      virtual_routes: (c) => {
        const routes = (c.children ?? []).map((r) => routeItem(r, t)).filter((r) => r !== undefined);
        t.set(path, out, 'virtualRoutes', routes, c);
      },
      track_interface: (c) => {
        ensure(out, 'track').interfaces = trackItems(c, t, 'track_interface');
        t.sources.set(`${path}.track.interfaces`, src(c));
        t.noted(c, `${path}.track.interfaces`);
      },
      track_bfd: (c) => {
        const track = ensure(out, 'track');
        track.bfd = [...((track.bfd as Obj[]) ?? []), ...trackBfdItems(c, t, true)];
        t.sources.set(`${path}.track.bfd`, src(c));
        t.noted(c, `${path}.track.bfd`);
      },
      track_script: (c) => {
        ensure(out, 'track').scripts = trackItems(c, t, 'track_script');
        t.sources.set(`${path}.track.scripts`, src(c));
        t.noted(c, `${path}.track.scripts`);
      },
      garp_master_delay: (c) => t.set(path, out, 'garpMasterDelay', seconds(c, t), c),
      garp_master_repeat: (c) => t.set(path, out, 'garpRepeat', int(c, t, 0, 100), c),
      garp_master_refresh: (c) => t.set(path, out, 'garpRefresh', seconds(c, t), c),
      garp_master_refresh_repeat: (c) => t.set(path, out, 'garpRefreshRepeat', int(c, t, 1, 100), c),
      garp_interval: (c) => t.set(path, out, 'garpInterval', seconds(c, t), c),
      gna_interval: (c) => t.set(path, out, 'garpInterval', seconds(c, t), c),
      use_vmac: (c) => {
        t.set(path, out, 'vmac', true, c);
        if (c.args[0] !== undefined) t.set(path, out, 'vmacName', c.args[0], c);
      },
      accept: (c) => t.set(path, out, 'accept', true, c),
      no_accept: (c) => t.set(path, out, 'accept', false, c),
      notify_master: notify('notifyMaster'),
      notify_backup: notify('notifyBackup'),
      notify_fault: notify('notifyFault'),
      notify_stop: notify('notifyStop'),
      notify: notify('notify'),
      smtp_alert: (c) => t.noted(c, 'smtp.events (vrrp-transition)'),
    },
    `vrrp_instance ${name}`,
  );
  for (const [k, v] of Object.entries(t.vrrpDefaults)) {
    if (out[k] === undefined) {
      out[k] = v;
      t.sources.set(`${path}.${k}`, t.vrrpDefaultSources.get(k)!);
    }
  }
}

/** keepalived <DECIMAL> milliseconds (µs resolution) -> hacore duration text. */
function millis(n: KaNode, t: Ctx): string | undefined {
  const v = arg(n, t);
  if (v === undefined) return undefined;
  if (!/^\d+(\.\d{1,3})?$/.test(v)) {
    t.bad(n, `expected a time in milliseconds such as 50 or 3.312, found "${v}"`);
    return undefined;
  }
  return `${Number(v)}ms`;
}

/** track_bfd items: `NAME [weight N [reverse|noreverse]]`; weights without one come from the bfd_instance. */
function trackBfdItems(c: KaNode, t: Ctx, allowWeight: boolean): Obj[] {
  return (c.children ?? []).flatMap((i) => {
    const ref: Obj = { name: i.keyword, weight: 0, reverse: false };
    const a = i.args;
    if (a.length === 0) {
      t.bfdRefs.push({ ref, explicit: false });
      return [ref];
    }
    if (a[0] !== 'weight' || a[1] === undefined || !/^-?\d+$/.test(a[1]) || Math.abs(Number(a[1])) > 253 || a.length > 3 || (a[2] !== undefined && a[2] !== 'reverse' && a[2] !== 'noreverse')) {
      t.bad(i, `expected "${i.keyword} [weight -253..253 [reverse|noreverse]]", found "${a.join(' ')}"`);
      return [];
    }
    if (!allowWeight) {
      t.bad(i, 'a vrrp_sync_group track_bfd takes no weight (keepalived: the group goes to FAULT)');
      return [];
    }
    ref.weight = Number(a[1]);
    ref.reverse = a[2] === 'reverse';
    t.bfdRefs.push({ ref, explicit: true });
    return [ref];
  });
}

function bfdInstance(n: KaNode, t: Ctx): void {
  const name = n.args[0];
  if (!name) return t.bad(n, 'expected the bfd_instance name');
  t.plugins.add('@hacore/bfd');
  const path = `bfd.instances[${t.bfdInstances.length}]`;
  const out: Obj = { name };
  t.bfdInstances.push(out);
  t.sources.set(path, src(n));
  let ttl: number | undefined;
  let hoplimit: number | undefined;
  const neighbor = (c: KaNode) => {
    const v = arg(c, t);
    if (v !== undefined && !isIP(v)) return t.bad(c, `expected an IP address, found "${v}"`);
    t.set(path, out, 'neighbor', v, c);
  };
  t.walk(
    n.children,
    {
      neighbor_ip: neighbor,
      neighbour_ip: neighbor,
      source_ip: (c) => {
        const v = arg(c, t);
        if (v !== undefined && !isIP(v)) return t.bad(c, `expected an IP address, found "${v}"`);
        t.set(path, out, 'source', v, c);
      },
      min_rx: (c) => t.set(path, out, 'minRx', millis(c, t), c),
      min_tx: (c) => t.set(path, out, 'minTx', millis(c, t), c),
      idle_tx: (c) => t.set(path, out, 'idleTx', millis(c, t), c),
      multiplier: (c) => t.set(path, out, 'multiplier', int(c, t, 1, 255), c),
      passive: (c) => t.set(path, out, 'passive', true, c),
      ttl: (c) => {
        ttl = int(c, t, 1, 255);
        t.noted(c, `${path}.ttl (IPv4)`);
      },
      hoplimit: (c) => {
        hoplimit = int(c, t, 1, 255);
        t.noted(c, `${path}.ttl (IPv6)`);
      },
      max_hops: (c) => t.set(path, out, 'maxHops', int(c, t, 0, 255), c),
      weight: (c) => {
        const w = int(c, t, -253, 253);
        if (c.args[1] !== undefined && c.args[1] !== 'reverse' && c.args[1] !== 'noreverse') return t.bad(c, `expected "weight N [reverse]", found "${c.args.join(' ')}"`);
        if (w !== undefined) t.bfdDefaults.set(name, { weight: w, reverse: c.args[1] === 'reverse' });
        t.noted(c, 'vrrp.instances[].track.bfd[].weight where it is tracked without one');
      },
      vrrp: (c) => t.noted(c, 'no effect: bfd-state events reach every process'),
      checker: (c) => t.noted(c, 'no effect: bfd-state events reach every process'),
    },
    `bfd_instance ${name}`,
  );
  if (out.neighbor === undefined) return t.bad(n, 'a bfd_instance needs neighbor_ip');
  // keepalived sends IPv6 with hop limit 64 unless told; RFC 5881 single hop needs 255, which hacore keeps.
  const chosen = isIP(String(out.neighbor)) === 6 ? hoplimit : ttl;
  if (chosen !== undefined) out.ttl = chosen;
}

function syncGroup(n: KaNode, t: Ctx): void {
  const name = n.args[0];
  if (!name) return t.bad(n, 'expected the group name');
  const list = (t.vrrpSection.syncGroups ??= []) as Obj[];
  const path = `vrrp.syncGroups[${list.length}]`;
  const out: Obj = { name, instances: [] };
  list.push(out);
  t.sources.set(path, src(n));
  const notify = (key: string) => (c: KaNode) => t.set(`notify.groups.${name}`, notifyOf(t, 'groups')(name), key, command(c, t), c);
  t.walk(
    n.children,
    {
      group: (c) => t.set(path, out, 'instances', (c.children ?? []).map((i) => i.keyword), c),
      track_bfd: (c) => {
        t.groupBfd.push({ group: out, names: trackBfdItems(c, t, false).map((r) => String(r.name)), source: src(c) });
        t.noted(c, `vrrp.instances[<each member>].track.bfd (weight 0)`);
      },
      notify_master: notify('notifyMaster'),
      notify_backup: notify('notifyBackup'),
      notify_fault: notify('notifyFault'),
      notify_stop: notify('notifyStop'),
      notify: notify('notify'),
      smtp_alert: (c) => t.noted(c, 'smtp.events (vrrp-group-transition)'),
    },
    `vrrp_sync_group ${name}`,
  );
}

// ---- LVS -----------------------------------------------------------------------------------

function expandRange(ip: string): string[] | undefined {
  const m = /^(\d+\.\d+\.\d+\.)(\d+)-(\d+)$/.exec(ip);
  if (!m) return isIP(ip) ? [ip] : undefined;
  const lo = Number(m[2]);
  const hi = Number(m[3]);
  if (hi < lo || hi > 255) return undefined;
  return Array.from({ length: hi - lo + 1 }, (_, i) => `${m[1]}${lo + i}`);
}

function vsGroup(n: KaNode, t: Ctx): void {
  const name = n.args[0];
  if (!name) return t.bad(n, 'expected the group name');
  t.plugins.add('@hacore/ipvs');
  const groups = ensure(t.doc, 'virtualServerGroups');
  const members: Obj[] = [];
  groups[name] = members;
  t.sources.set(`virtualServerGroups.${name}`, src(n));
  t.block = `virtual_server_group ${name}`;
  for (const c of n.children ?? []) {
    if (c.keyword === 'fwmark') {
      const v = int(c, t, 1, 4294967295);
      if (v !== undefined) members.push({ fwmark: v });
      continue;
    }
    const ips = expandRange(c.keyword);
    if (!ips) {
      t.bad(c, `expected an address (or a range a.b.c.d-e) and a port, or fwmark N, found "${c.keyword}"`);
      continue;
    }
    for (const ip of ips) members.push({ address: ip, ...(c.args[0] !== undefined ? { port: Number(c.args[0]) } : {}) });
    t.noted(c, `virtualServerGroups.${name}`);
  }
}

const FORWARDING: Record<string, string> = { NAT: 'masq', DR: 'droute', TUN: 'tunnel' };

function checkTable(out: Obj, path: string, t: Ctx, kind: string): Table {
  const tbl: Table = {
    connect_ip: (c) => t.set(path, out, 'address', arg(c, t), c),
    connect_port: (c) => t.set(path, out, 'port', int(c, t, 1, 65535), c),
    connect_timeout: (c) => t.set(path, out, 'timeout', seconds(c, t), c),
    retry: (c) => t.set(path, out, 'fall', Math.max(1, int(c, t, 0, 100) ?? 1), c),
    nb_get_retry: (c) => t.set(path, out, 'fall', Math.max(1, int(c, t, 0, 100) ?? 1), c),
    delay_before_retry: (c) => t.set(path, out, 'retryDelay', seconds(c, t), c),
    delay_loop: (c) => t.set(path, out, 'interval', seconds(c, t), c),
    warmup: (c) => t.set(path, out, 'warmup', seconds(c, t), c),
  };
  if (kind === 'tcp' || kind === 'http') tbl.bindto = (c) => t.set(path, out, 'sourceAddress', arg(c, t), c);
  if (kind === 'icmp') {
    tbl.bindto = (c) => t.set(path, out, 'sourceAddress', arg(c, t), c);
    tbl.bind_if = (c) => t.set(path, out, 'interface', arg(c, t), c);
    delete tbl.connect_port;
  }
  return tbl;
}

function checker(c: KaNode, t: Ctx, checks: Obj[], rsPath: string, vsVirtualhost: string | undefined, vsName: string, rsDefaults: Obj): void {
  const kinds: Record<string, [string, string]> = {
    TCP_CHECK: ['tcp', '@hacore/checker-tcp'],
    HTTP_GET: ['http', '@hacore/checker-http'],
    SSL_GET: ['http', '@hacore/checker-http'],
    MISC_CHECK: ['script', '@hacore/checker-script'],
    PING_CHECK: ['icmp', '@hacore/checker-icmp'],
  };
  const [type, plugin] = kinds[c.keyword]!;
  t.plugins.add(plugin);
  const path = `${rsPath}.checks[${checks.length}]`;
  const out: Obj = { type, ...rsDefaults };
  checks.push(out);
  t.sources.set(path, src(c));
  t.noted(c, `${path} (type ${type})`);
  const tbl = checkTable(out, path, t, type);
  if (type === 'http') {
    if (c.keyword === 'SSL_GET') {
      out.tls = true;
      out.tlsVerify = false; // keepalived never verifies the certificate
    }
    if (vsVirtualhost !== undefined) out.virtualhost = vsVirtualhost;
    tbl.virtualhost = (x) => t.set(path, out, 'virtualhost', arg(x, t), x);
    tbl.url = (u) => {
      const urls = (out.urls ??= []) as Obj[];
      const up = `${path}.urls[${urls.length}]`;
      const url: Obj = {};
      urls.push(url);
      t.sources.set(up, src(u));
      t.walk(
        u.children,
        {
          path: (x) => t.set(up, url, 'path', arg(x, t), x),
          digest: (x) => t.set(up, url, 'digest', arg(x, t), x),
          status_code: (x) => t.set(up, url, 'status', [x.args.join(' ')], x),
          virtualhost: (x) => t.set(up, url, 'virtualhost', arg(x, t), x),
          regex: (x) => t.set(up, url, 'regex', arg(x, t), x),
          regex_no_match: (x) => t.set(up, url, 'regexNoMatch', true, x),
        },
        `${c.keyword} url`,
      );
      if (url.path === undefined) t.bad(u, 'a url block needs a path');
    };
  }
  if (type === 'script') {
    delete tbl.connect_ip;
    delete tbl.connect_port;
    tbl.misc_path = (x) => t.set(path, out, 'command', command(x, t), x);
    tbl.misc_timeout = (x) => t.set(path, out, 'timeout', seconds(x, t), x);
    tbl.misc_dynamic = (x) => t.set(path, out, 'dynamicWeight', true, x);
    tbl.user = (x) => {
      t.set(path, out, 'user', arg(x, t), x);
      if (x.args[1] !== undefined) t.set(path, out, 'group', x.args[1], x);
    };
    if (t.scriptUser?.user !== undefined) out.user = t.scriptUser.user;
    if (t.scriptUser?.group !== undefined) out.group = t.scriptUser.group;
  }
  t.walk(c.children, tbl, `${vsName} ${c.keyword}`);
  if (type === 'script' && out.command === undefined) t.bad(c, 'a MISC_CHECK needs misc_path');
  // keepalived's connect_timeout defaults to 5 s; hacore's check timeout to 3 s.
  if (out.timeout === undefined && type !== 'script') out.timeout = '5s';
  if (type === 'script' && out.timeout === undefined) out.timeout = '5s';
}

function realServer(n: KaNode, t: Ctx, vs: Obj, vsPath: string, vsName: string, vsVirtualhost: () => string | undefined): void {
  const address = n.args[0];
  if (!address) return t.bad(n, 'expected the real server address and port');
  const list = (vs.realServers ??= []) as Obj[];
  const path = `${vsPath}.realServers[${list.length}]`;
  const out: Obj = { address };
  list.push(out);
  t.sources.set(path, src(n));
  t.noted(n, path);
  const port = n.args[1] !== undefined ? Number(n.args[1]) : undefined;
  if (port !== undefined) out.port = port;
  const checks: Obj[] = [];
  const defaults: Obj = {};
  const rsKey = hostPort(address, port ?? (vs.port as number | undefined));
  const notify = (key: string) => (c: KaNode) => {
    t.plugins.add('@hacore/notifier-script');
    const vsn = ensure(ensure(ensure(t.doc, 'notify'), 'virtualServers'), vsName);
    const rs = ensure(ensure(vsn, 'realServers'), rsKey);
    t.set(`notify.virtualServers.${vsName}.realServers.${rsKey}`, rs, key, command(c, t), c);
  };
  const ck = (c: KaNode) => checker(c, t, checks, path, vsVirtualhost(), `real_server ${rsKey}`, defaults);
  t.walk(
    n.children,
    {
      weight: (c) => t.set(path, out, 'weight', int(c, t, 0, 65535), c),
      inhibit_on_failure: (c) => t.set(path, out, 'inhibitOnFailure', bool(c, t), c),
      uthreshold: (c) => t.set(path, out, 'upperThreshold', int(c, t, 0, 2 ** 31), c),
      lthreshold: (c) => t.set(path, out, 'lowerThreshold', int(c, t, 0, 2 ** 31), c),
      lvs_method: (c) => {
        const f = FORWARDING[c.args[0] ?? ''];
        if (!f) return t.bad(c, `expected NAT, DR or TUN, found "${c.args[0] ?? ''}"`);
        t.set(path, out, 'forwarding', f, c);
      },
      notify_up: notify('notifyUp'),
      notify_down: notify('notifyDown'),
      smtp_alert: (c) => t.noted(c, 'smtp.events (real-server)'),
      delay_loop: (c) => {
        defaults.interval = seconds(c, t);
        t.noted(c, `${path}.checks[*].interval`);
      },
      alpha: (c) => {
        defaults.alpha = bool(c, t);
        t.noted(c, `${path}.checks[*].alpha`);
      },
      retry: (c) => {
        defaults.fall = Math.max(1, int(c, t, 0, 100) ?? 1);
        t.noted(c, `${path}.checks[*].fall`);
      },
      delay_before_retry: (c) => {
        defaults.retryDelay = seconds(c, t);
        t.noted(c, `${path}.checks[*].retryDelay`);
      },
      warmup: (c) => {
        defaults.warmup = seconds(c, t);
        t.noted(c, `${path}.checks[*].warmup`);
      },
      TCP_CHECK: ck,
      HTTP_GET: ck,
      SSL_GET: ck,
      MISC_CHECK: ck,
      PING_CHECK: ck,
      BFD_CHECK: (c) => {
        t.plugins.add('@hacore/bfd');
        const cp = `${path}.checks[${checks.length}]`;
        // keepalived's BFD_CHECK has none of the common options (delay_loop, retry, ...): a change counts at once.
        // The virtual server's delay_loop would otherwise become the interval: a bfd probe waits for changes itself.
        const check: Obj = { type: 'bfd', interval: '10ms' };
        t.sources.set(cp, src(c));
        t.noted(c, `${cp} (type bfd)`);
        t.walk(c.children, { name: (x) => t.set(cp, check, 'session', arg(x, t), x) }, `real_server ${rsKey} BFD_CHECK`);
        if (check.session === undefined) return t.bad(c, 'a BFD_CHECK needs name <bfd_instance>');
        checks.push(check);
      },
    },
    `real_server ${rsKey}`,
  );
  if (checks.length > 0) out.checks = checks;
}

function virtualServer(n: KaNode, t: Ctx): void {
  t.plugins.add('@hacore/ipvs');
  const list = (t.doc.virtualServers ??= []) as Obj[];
  const path = `virtualServers[${list.length}]`;
  const out: Obj = {};
  list.push(out);
  t.sources.set(path, src(n));
  const [a0, a1] = n.args;
  if (a0 === 'fwmark') out.fwmark = int(n, t, 1, 4294967295, 1);
  else if (a0 === 'group') {
    if (a1 === undefined) t.bad(n, 'expected a group name after virtual_server group');
    out.group = a1;
  } else if (a0 !== undefined) {
    out.address = a0;
    if (a1 !== undefined) out.port = Number(a1);
  } else t.bad(n, 'expected IP PORT, fwmark N or group NAME');
  t.noted(n, path);
  // The name the IPVS plugin gives it, which the notify scripts are keyed by; the protocol comes later.
  const nameOf = (): string =>
    out.group !== undefined ? `group:${String(out.group)}` : out.fwmark !== undefined ? `fwmark:${String(out.fwmark)}` : `${hostPort(String(out.address), out.port as number)}/${String(out.protocol ?? 'tcp')}`;
  let vhost: string | undefined;
  const block = `virtual_server ${n.args.join(' ')}`;
  const realServers: KaNode[] = [];
  const quorumScripts: [string, KaNode][] = [];
  const flags: string[] = [];
  t.walk(
    n.children,
    {
      delay_loop: (c) => t.set(path, out, 'delayLoop', seconds(c, t), c),
      lb_algo: (c) => t.set(path, out, 'scheduler', arg(c, t), c),
      lvs_sched: (c) => t.set(path, out, 'scheduler', arg(c, t), c),
      lb_kind: (c) => {
        const f = FORWARDING[c.args[0] ?? ''];
        if (!f) return t.bad(c, `expected NAT, DR or TUN, found "${c.args[0] ?? ''}"`);
        t.set(path, out, 'forwarding', f, c);
      },
      lvs_method: (c) => {
        const f = FORWARDING[c.args[0] ?? ''];
        if (!f) return t.bad(c, `expected NAT, DR or TUN, found "${c.args[0] ?? ''}"`);
        t.set(path, out, 'forwarding', f, c);
      },
      persistence_timeout: (c) => t.set(path, out, 'persistence', c.args.length === 0 ? '360s' : seconds(c, t), c),
      persistence_granularity: (c) => {
        const v = arg(c, t);
        t.set(path, out, 'persistenceNetmask', v !== undefined && /^\d+$/.test(v) ? Number(v) : v, c);
      },
      protocol: (c) => {
        const p = c.args[0]?.toLowerCase();
        if (p !== 'tcp' && p !== 'udp' && p !== 'sctp') return t.bad(c, `expected TCP, UDP or SCTP, found "${c.args[0] ?? ''}"`);
        t.set(path, out, 'protocol', p, c);
      },
      ip_family: (c) => {
        const f = c.args[0] === 'inet6' ? 'ipv6' : c.args[0] === 'inet' ? 'ipv4' : undefined;
        if (!f) return t.bad(c, `expected inet or inet6, found "${c.args[0] ?? ''}"`);
        t.set(path, out, 'family', f, c);
      },
      quorum: (c) => t.set(path, out, 'quorum', int(c, t, 1, 2 ** 31), c),
      hysteresis: (c) => t.set(path, out, 'hysteresis', int(c, t, 0, 2 ** 31), c),
      alpha: (c) => t.set(path, out, 'alpha', bool(c, t), c),
      omega: (c) => t.set(path, out, 'omega', bool(c, t), c),
      ha_suspend: (c) => t.set(path, out, 'haSuspend', true, c),
      inhibit_on_failure: (c) => t.set(path, out, 'inhibitOnFailure', bool(c, t), c),
      ops: (c) => t.set(path, out, 'onePacket', true, c),
      sorry_server: (c) => {
        const sorry: Obj = { address: arg(c, t) };
        if (c.args[1] !== undefined) sorry.port = Number(c.args[1]);
        const prev = out.sorryServer as Obj | undefined;
        if (prev?.forwarding) sorry.forwarding = prev.forwarding;
        t.set(path, out, 'sorryServer', sorry, c);
      },
      sorry_server_inhibit: (c) => t.set(path, out, 'sorryServerInhibit', bool(c, t), c),
      sorry_server_lvs_method: (c) => {
        const f = FORWARDING[c.args[0] ?? ''];
        if (!f) return t.bad(c, `expected NAT, DR or TUN, found "${c.args[0] ?? ''}"`);
        const sorry = (out.sorryServer ??= {}) as Obj;
        sorry.forwarding = f;
        t.noted(c, `${path}.sorryServer.forwarding`);
      },
      'sh-port': (c) => (flags.push('sh-port'), t.noted(c, `${path}.schedulerFlags`)),
      'sh-fallback': (c) => (flags.push('sh-fallback'), t.noted(c, `${path}.schedulerFlags`)),
      'mh-port': (c) => (flags.push('mh-port'), t.noted(c, `${path}.schedulerFlags`)),
      'mh-fallback': (c) => (flags.push('mh-fallback'), t.noted(c, `${path}.schedulerFlags`)),
      virtualhost: (c) => {
        vhost = arg(c, t);
        t.noted(c, `${path}.realServers[*].checks[*].virtualhost`);
      },
      quorum_up: (c) => quorumScripts.push(['quorumUp', c]),
      quorum_down: (c) => quorumScripts.push(['quorumDown', c]),
      smtp_alert: (c) => t.noted(c, 'smtp.events (quorum, real-server)'),
      real_server: (c) => realServers.push(c),
    },
    block,
  );
  if (flags.length > 0) out.schedulerFlags = flags;
  // Real servers after the other keywords: their checks take the virtualhost, their notify keys the protocol.
  for (const rs of realServers) {
    t.block = block;
    realServer(rs, t, out, path, nameOf(), () => vhost);
  }
  for (const [key, c] of quorumScripts) {
    t.plugins.add('@hacore/notifier-script');
    const vsn = ensure(ensure(ensure(t.doc, 'notify'), 'virtualServers'), nameOf());
    t.set(`notify.virtualServers.${nameOf()}`, vsn, key, command(c, t), c);
  }
}

// ---- the whole file ------------------------------------------------------------------------

const PLUGIN_ORDER = ['@hacore/checker-tcp', '@hacore/checker-http', '@hacore/checker-script', '@hacore/checker-icmp', '@hacore/bfd', '@hacore/ipvs', '@hacore/vrrp', '@hacore/notifier-script', '@hacore/notifier-smtp'];

/**
 * What needs the whole file: track_bfd weights from their bfd_instance, a sync
 * group's track_bfd on each member (weight 0: one member's Fault is the group's),
 * and track_bfd refs written as plain names where nothing else is set.
 */
function finishBfd(t: Ctx): void {
  // Process settings without a session are left out: the bfd plugin runs nothing then.
  if (t.bfdInstances.length > 0) t.doc.bfd = { ...t.bfdSection, instances: t.bfdInstances };
  const instances = (t.vrrpSection.instances as Obj[] | undefined) ?? [];
  for (const g of t.groupBfd) {
    for (const member of (g.group.instances as string[] | undefined) ?? []) {
      const i = instances.find((x) => x.name === member);
      if (!i) continue;
      const track = ensure(i, 'track');
      const list = ((track.bfd as Obj[]) ??= []);
      for (const name of g.names) if (!list.some((r) => r.name === name)) list.push({ name, weight: 0, reverse: false });
    }
  }
  for (const { ref, explicit } of t.bfdRefs) {
    const d = explicit ? undefined : t.bfdDefaults.get(String(ref.name));
    if (d) {
      ref.weight = d.weight;
      ref.reverse = d.reverse;
    }
  }
  const grouped = new Set(((t.vrrpSection.syncGroups as Obj[] | undefined) ?? []).flatMap((g) => (g.instances as string[] | undefined) ?? []));
  for (const i of instances) {
    const track = i.track as Obj | undefined;
    // keepalived ignores a weighted track_bfd of a sync group member ("ignoring tracked bfd ... due to SYNC group").
    if (grouped.has(String(i.name)) && Array.isArray(track?.bfd)) {
      track.bfd = (track.bfd as Obj[]).filter((r) => {
        if (r.weight === 0) return true;
        const at = t.sources.get(`vrrp.instances[${instances.indexOf(i)}].track.bfd`);
        t.warnings.push({ file: at?.file ?? '', line: at?.line ?? 0, message: `vrrp_instance ${String(i.name)}: track_bfd ${String(r.name)} with weight ${String(r.weight)} ignored, as keepalived does for a sync group member` });
        return false;
      });
    }
    if (Array.isArray(track?.bfd)) track.bfd = (track.bfd as Obj[]).map((r) => (r.weight === 0 && r.reverse === false ? r.name : r.reverse ? r : { name: r.name, weight: r.weight }));
  }
}

/**
 * Translates a parsed keepalived.conf. Throws KaConfError listing every
 * unknown keyword, every unsupported one (unless lenient) and every bad value.
 */
export function translate(parsed: ParseResult, opts: TranslateOptions = {}): Translation {
  const t = new Ctx(opts.lenient === true);
  // global_defs first: its vrrp_* defaults and script_user apply to blocks written before it too.
  const globals = parsed.nodes.filter((n) => n.keyword === 'global_defs');
  for (const g of globals) globalDefs(g, t);
  t.walk(
    parsed.nodes.filter((n) => n.keyword !== 'global_defs'),
    {
      vrrp_script: vrrpScript,
      vrrp_instance: vrrpInstance,
      vrrp_sync_group: syncGroup,
      bfd_instance: bfdInstance,
      virtual_server_group: vsGroup,
      virtual_server: virtualServer,
    },
    '',
  );
  finishBfd(t);
  if (Object.keys(t.vrrpSection).length > 0) {
    t.plugins.add('@hacore/vrrp');
    t.doc.vrrp = t.vrrpSection;
    if (!t.vrrpSection.instances) t.vrrpSection.instances = [];
  }
  if (t.pendingSmtp) {
    const { smtp, source } = t.pendingSmtp;
    if (smtp.notificationEmail !== undefined && smtp.smtpServer !== undefined && (smtp.notificationEmail as unknown[]).length > 0) {
      if (t.routerId !== undefined) smtp.subjectPrefix = t.routerId;
      t.doc.smtp = smtp;
      t.sources.set('smtp', source);
      t.plugins.add('@hacore/notifier-smtp');
    } else {
      t.warnings.push({ file: source.file, line: source.line, message: 'global_defs: notification_email and smtp_server are both needed to send mail; no smtp section written' });
    }
  }
  // script_user alone needs no notifier: it is also the user of MISC_CHECK scripts.
  const notify = t.doc.notify as Obj | undefined;
  if (notify && Object.keys(notify).every((k) => k === 'user' || k === 'group')) delete t.doc.notify;
  else if (notify) t.plugins.add('@hacore/notifier-script');
  const problems = [...t.unknown, ...t.unsupported, ...t.invalid];
  if (problems.length > 0) {
    const code = t.unknown.length > 0 ? 'HACORE_ERR_KACONF_UNKNOWN_KEYWORD' : t.unsupported.length > 0 ? 'HACORE_ERR_KACONF_UNSUPPORTED' : 'HACORE_ERR_KACONF_INVALID';
    throw new KaConfError(code, problems);
  }
  const plugins = PLUGIN_ORDER.filter((p) => t.plugins.has(p));
  const doc: Obj = { plugins };
  for (const k of ['bfd', 'vrrp', 'ipvs', 'virtualServerGroups', 'virtualServers', 'notify', 'smtp']) if (t.doc[k] !== undefined) doc[k] = t.doc[k];
  return { doc, sources: t.sources, report: t.report, warnings: [...parsed.warnings, ...t.warnings] };
}

/** The source of the longest prefix of a hacore config path that the translation recorded. */
export function sourceOf(sources: Map<string, Source>, path: string): Source | undefined {
  let p = path;
  for (;;) {
    const s = sources.get(p);
    if (s) return s;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return undefined;
    p = p.slice(0, cut);
  }
}
