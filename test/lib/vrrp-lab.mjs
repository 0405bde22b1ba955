// A VRRP lab over test/lib/lab.mjs: N routers and a client on one bridge
// (mcast_snooping 0), hacore or keepalived started per router with its files
// in a per-run temp dir, and the probes a failover test needs: who holds the
// VIP, the client's neighbour entry, captures in the client namespace, and
// whether (and through which router) the client reaches the VIP.
//
// Everything here is ended by exact name or by the PID we started (LAB.md).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Lab, sh, waitFor } from './lab.mjs';

export { waitFor, sh };

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
export const HACORE_CLI = path.join(ROOT, 'packages/core/dist/src/cli/main.js');
export const ECHO_SERVER = path.join(here, 'vrrp-echo-server.mjs');
export const PROBE_CLIENT = path.join(here, 'vrrp-probe-client.mjs');

export const VIP4 = '198.51.100.200';
export const VIP6 = '2001:db8::200';
export const VIP4B = '198.51.100.201';
export const VIP6B = '2001:db8::201';
/** The second subnet, on eth1 of each router when `secondNet` is asked for (sync groups). */
export const NET2_VIP4 = '203.0.113.200';

/** Absolute path of an installed plugin, resolved from the repository root (configs live in a temp dir). */
export function pluginPath(name) {
  return pluginPathIn(ROOT, name);
}

/** pluginPath in another checkout (a benchmark's other build). */
export function pluginPathIn(root, name) {
  const req = createRequire(path.join(root, 'noop.js'));
  const main = req.resolve(name);
  // What the core loads for the package name: the module its package.json names (`hacorePlugin`), else the index.
  const pkgFile = req.resolve(`${name}/package.json`);
  const entry = JSON.parse(readFileSync(pkgFile, 'utf8')).hacorePlugin;
  return typeof entry === 'string' ? path.resolve(path.dirname(pkgFile), entry) : main;
}

/** Why the hacore side of the VRRP lab cannot run here, or '' when it can. */
export function hacoreMissing() {
  if (!existsSync(HACORE_CLI)) return `the hacore CLI is not built (${HACORE_CLI})`;
  try {
    pluginPath('@hacore/vrrp');
  } catch {
    return '@hacore/vrrp is not built';
  }
  return '';
}

/** Why no namespace lab can run here, or '' when it can. */
export function labMissing(tools = ['ip', 'tcpdump', 'tshark']) {
  if (process.getuid?.() !== 0) return 'network-namespace tests need root';
  for (const t of tools) {
    const dirs = (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':').concat(['/usr/sbin', '/sbin']);
    if (!dirs.some((d) => existsSync(path.join(d, t)))) return `${t} is not installed`;
  }
  return '';
}

/**
 * A hacore config document running VRRP: `instances` are vrrp.instances entries
 * (docs/vrrp.md); interface defaults to eth0. `extra.plugins` adds plugins by package name;
 * `extra.vrrpOptions` adds section-level keys (nice, realtimePriority).
 */
export function hacoreConfig(instances, extra = {}) {
  const { plugins = [], syncGroups, scripts, checks, vrrpOptions = {}, ...rest } = extra;
  const vrrp = { ...vrrpOptions, instances: instances.map((i) => ({ interface: 'eth0', ...i })) };
  if (syncGroups) vrrp.syncGroups = syncGroups;
  if (scripts) vrrp.scripts = scripts;
  return {
    plugins: ['@hacore/vrrp', ...plugins].map(pluginPath),
    ...(checks ? { checks } : {}),
    vrrp,
    ...rest,
  };
}

export function addr4(i) {
  return `198.51.100.${10 + i}`;
}
export function addr6(i) {
  return `2001:db8::${(0x10 + i).toString(16)}`;
}

/** A routers' daemon: hacore or keepalived, with its files. */
class Daemon {
  constructor(kind, router, child, files) {
    this.kind = kind;
    this.router = router;
    this.child = child;
    this.files = files;
    this.output = '';
    const keep = (d) => {
      this.output += d;
      if (this.output.length > 1 << 20) this.output = this.output.slice(-(1 << 19));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  }

  get pid() {
    return this.child.pid;
  }

  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null;
  }
}

export class VrrpLab {
  /**
   * @param {string} prefix the test's fixed prefix (<= 5 chars)
   * @param {object} [opts]
   * @param {number} [opts.routers] number of routers r1..rN (default 3)
   * @param {string[]} [opts.extra] extra hosts on the bridge (<= 4 chars)
   * @param {boolean} [opts.secondNet] a second bridge with eth1 on every router and on the client
   */
  static async create(prefix, opts = {}) {
    const n = opts.routers ?? 3;
    const routers = Array.from({ length: n }, (_, i) => `r${i + 1}`);
    const hosts = [...routers, 'c', ...(opts.extra ?? [])];
    const addresses = {};
    hosts.forEach((h, i) => {
      addresses[h] = [`${addr4(i + 1)}/24`, `${addr6(i + 1)}/64`];
    });
    const dir = await mkdtemp(path.join(tmpdir(), `hacore-${prefix}-`));
    let lab;
    try {
      lab = await Lab.create(prefix, hosts, { addresses, dad: false });
      const vl = new VrrpLab(lab, routers, hosts, dir);
      if (opts.secondNet) await vl.#buildSecondNet();
      // Link-local addresses come up with DAD; wait until every host has one that
      // is usable, or IPv6 VRRP (sourced from it) fails for the first second.
      await Promise.all(hosts.map((h) => vl.#waitLinkLocal(h)));
      return vl;
    } catch (err) {
      await lab?.destroy();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  #daemons = new Set();
  #procs = new Set();

  constructor(lab, routers, hosts, dir) {
    this.lab = lab;
    this.routers = routers;
    this.hosts = hosts;
    this.client = 'c';
    this.dir = dir;
  }

  /** Index (1-based) of a host, for its addresses. */
  index(host) {
    return this.hosts.indexOf(host) + 1;
  }
  addr4(host) {
    return addr4(this.index(host));
  }
  addr6(host) {
    return addr6(this.index(host));
  }
  addr2(host) {
    return `203.0.113.${10 + this.index(host)}`;
  }
  mac(host) {
    return this.lab.mac(host);
  }
  ns(host) {
    return this.lab.ns(host);
  }

  async #buildSecondNet() {
    // A second bridge in the same switch namespace; eth1 in every host.
    const { ipBatch } = await import('./lab.mjs');
    const sw = ['link add br1 type bridge mcast_snooping 0 forward_delay 0', 'link set br1 up'];
    this.hosts.forEach((h, i) => {
      sw.push(`link add q${i} type veth peer name k${i}`);
      sw.push(`link set k${i} netns ${this.ns(h)}`);
      sw.push(`link set q${i} master br1`);
      sw.push(`link set q${i} up`);
    });
    await ipBatch(sw, this.lab.bridgeNs);
    await Promise.all(
      this.hosts.map((h, i) =>
        ipBatch([`link set k${i} name eth1`, 'link set eth1 up', `addr add ${this.addr2(h)}/24 dev eth1`], this.ns(h)),
      ),
    );
  }

  async #waitLinkLocal(host) {
    await waitFor(
      async () => {
        const out = JSON.parse(await this.lab.ip(host, ['-j', '-6', 'addr', 'show', 'scope', 'link']));
        // ip -j leaves an empty object for each address that the filter dropped.
        const infos = out.flatMap((l) => l.addr_info ?? []).filter((a) => a.local);
        return infos.length > 0 && infos.every((a) => !a.tentative);
      },
      { timeoutMs: 5000, everyMs: 50, what: `link-local address on ${host}` },
    );
  }

  link6(host, dev = 'eth0') {
    return this.lab.ip(host, ['-j', '-6', 'addr', 'show', 'dev', dev, 'scope', 'link']).then((o) => JSON.parse(o)[0]?.addr_info?.find((a) => a.local)?.local);
  }

  // ---- daemons ---------------------------------------------------------------------------

  /**
   * Starts keepalived (VRRP only) in a router with the given instances.
   * @param {string} router
   * @param {object|object[]} instances see keepalivedConfig()
   * @param {object} [global] extra global_defs lines
   */
  async startKeepalived(router, instances, global = {}) {
    const file = path.join(this.dir, `${router}-keepalived.conf`);
    const pid = path.join(this.dir, `${router}-keepalived.pid`);
    const vrrpPid = path.join(this.dir, `${router}-keepalived-vrrp.pid`);
    await writeFile(file, keepalivedConfig(`${this.lab.prefix}-${router}`, [instances].flat(), global));
    // --no-syslog? keepalived 2.2.7 logs to the console with --log-console; -D adds detail.
    const child = this.lab.spawn(router, 'keepalived', ['--dont-fork', '--log-console', '--log-detail', '--vrrp', '-f', file, '-p', pid, '-r', vrrpPid]);
    const d = new Daemon('keepalived', router, child, { config: file, pid, vrrpPid });
    this.#daemons.add(d);
    d.exited.then(() => this.#daemons.delete(d));
    return d;
  }

  /** PID of keepalived's VRRP child, once it has written its pid file. */
  async keepalivedVrrpPid(d) {
    return waitFor(async () => Number((await readFile(d.files.vrrpPid, 'utf8')).trim()) || false, { timeoutMs: 5000, what: 'keepalived vrrp pid file' });
  }

  /**
   * Starts hacore in a router through the CLI with a config file written for it.
   * @param {string} router
   * @param {object} config the config document, less controlSocket and pidFile (added here)
   * @param {{ singleProcess?: boolean, env?: object, tag?: string, nodeArgs?: string[], wrap?: string[], cli?: string }} [opts] tag: names the files
   *   of a second daemon in the same router; nodeArgs: node flags, inherited by the children (--cpu-prof);
   *   wrap: a command that execs the daemon (e.g. nsenter into a time namespace), so the PID is still the daemon's
   *   cli: another build's packages/core/dist/src/cli/main.js (benches comparing builds)
   */
  async startHacore(router, config, opts = {}) {
    const base = `${router}-${opts.tag ?? 'hacore'}`;
    const file = path.join(this.dir, `${base}.json`);
    const socket = path.join(this.dir, `${base}.sock`);
    const pid = path.join(this.dir, `${base}.pid`);
    const doc = { logLevel: 'info', ...config, controlSocket: socket, pidFile: pid };
    await writeFile(file, JSON.stringify(doc, null, 2));
    const args = [...(opts.nodeArgs ?? []), opts.cli ?? HACORE_CLI, 'start', ...(opts.singleProcess ? ['--single-process'] : []), '--config', file];
    const [cmd, ...argv] = [...(opts.wrap ?? []), process.execPath, ...args];
    const child = this.lab.spawn(router, cmd, argv, { env: { ...process.env, ...(opts.env ?? {}) }, cwd: ROOT });
    const d = new Daemon('hacore', router, child, { config: file, socket, pid });
    this.#daemons.add(d);
    d.exited.then(() => this.#daemons.delete(d));
    return d;
  }

  /** `hacore status --json` against a router's daemon (the control socket lives in the temp dir). */
  async hacoreStatus(d) {
    const out = await this.lab.exec(d.router, process.execPath, [HACORE_CLI, 'status', '--json', '--config', d.files.config], { cwd: ROOT });
    return JSON.parse(out);
  }

  /** The PIDs of a process's direct children (from /proc). */
  async childPids(pid) {
    const out = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
    return out.trim().split(/\s+/).filter(Boolean).map(Number);
  }

  /** Command line of a PID, NUL separators turned into spaces. */
  async cmdline(pid) {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ').trim();
  }

  /**
   * Stops a daemon by its PID: SIGTERM (graceful: priority 0) by default, or SIGKILL.
   * Resolves when it has exited.
   */
  async stop(d, signal = 'SIGTERM', waitMs = 5000) {
    await this.lab.kill(d.child, signal, waitMs);
  }

  /** Every daemon that is still running. */
  get daemons() {
    return [...this.#daemons];
  }

  // ---- helpers processes ------------------------------------------------------------------

  /**
   * Starts a TCP echo server in a host that answers every connection with its host name
   * and closes; bound to `addresses` (non-local bind, so a VIP that is not there yet works).
   */
  async startEchoServer(host, addresses, port = 8080) {
    // /proc/sys/net is the namespace's own; no procps needed.
    await this.lab.exec(host, 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_nonlocal_bind; echo 1 > /proc/sys/net/ipv6/ip_nonlocal_bind']);
    const child = this.lab.spawn(host, process.execPath, [ECHO_SERVER, host, String(port), ...addresses]);
    this.#procs.add(child);
    child.on('exit', () => this.#procs.delete(child));
    await waitForLine(child, /^listening/, 5000, 'echo server');
    return child;
  }

  /** Connects from the client to addr:port; resolves with the answering host name, or null. */
  async whoAnswers(addr, port = 8080, timeoutMs = 500) {
    const out = await this.lab
      .exec(this.client, process.execPath, [PROBE_CLIENT, '--once', addr, String(port), String(timeoutMs)])
      .catch(() => '');
    const line = out.trim().split('\n').pop();
    if (!line) return null;
    const r = JSON.parse(line);
    return r.ok ? r.who : null;
  }

  /**
   * Starts a probe loop in the client: a TCP connect to addr:port every `everyMs`, at most
   * `count` times; each attempt is a JSON line {t (epoch ms), ok, who, ms}. Returns a handle
   * whose results() gives the lines so far.
   */
  startProbeLoop(addr, port = 8080, { everyMs = 20, count = 1500, timeoutMs = 200 } = {}) {
    const child = this.lab.spawn(this.client, process.execPath, [PROBE_CLIENT, '--loop', addr, String(port), String(timeoutMs), String(everyMs), String(count)]);
    this.#procs.add(child);
    child.on('exit', () => this.#procs.delete(child));
    let buf = '';
    const results = [];
    child.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('{')) results.push(JSON.parse(line));
      }
    });
    return {
      child,
      results,
      stop: () => this.lab.kill(child, 'SIGTERM', 1000),
    };
  }

  /** One ping from the client; true if answered within timeoutS. */
  async ping(addr, timeoutS = 1) {
    const v6 = addr.includes(':');
    return this.lab
      .exec(this.client, 'ping', [v6 ? '-6' : '-4', '-c', '1', '-W', String(timeoutS), addr])
      .then(() => true, () => false);
  }

  // ---- state probes ----------------------------------------------------------------------

  /** The routers (and devices) that hold an address right now, from `ip -j addr` in each. */
  async holders(vip) {
    const res = await Promise.all(
      this.routers.map(async (r) => {
        const links = JSON.parse(await this.lab.ip(r, ['-j', 'addr']));
        return links.some((l) => (l.addr_info ?? []).some((a) => a.local === vip)) ? r : null;
      }),
    );
    return res.filter(Boolean);
  }

  /** Waits until exactly `router` holds `vip` and no other router does. */
  async waitHolder(vip, router, timeoutMs = 5000) {
    return waitFor(
      async () => {
        const h = await this.holders(vip);
        return h.length === 1 && h[0] === router ? h : false;
      },
      { timeoutMs, everyMs: 20, what: `${vip} held by ${router} only` },
    );
  }

  /** Waits until exactly one router holds `vip`; resolves with its name. */
  async waitSingleHolder(vip, timeoutMs = 5000) {
    const h = await waitFor(
      async () => {
        const h = await this.holders(vip);
        return h.length === 1 ? h : false;
      },
      { timeoutMs, everyMs: 20, what: `${vip} held by exactly one router` },
    );
    return h[0];
  }

  /** The client's neighbour entry for an address: { mac, state } or null. */
  async neigh(addr, host = this.client) {
    const out = JSON.parse(await this.lab.ip(host, ['-j', 'neigh', 'show', addr]));
    const e = out.find((x) => x.dst === addr);
    return e ? { mac: e.lladdr ?? null, state: e.state ?? [] } : null;
  }

  /** Cuts a router off: its eth0 down inside its namespace (a dead box, LAB.md). */
  async cut(router, dev = 'eth0') {
    await this.lab.ip(router, ['link', 'set', dev, 'down']);
  }
  async restore(router, dev = 'eth0') {
    await this.lab.ip(router, ['link', 'set', dev, 'up']);
  }

  /**
   * Bridge port isolation (in the switch namespace): isolated ports reach the non-isolated
   * ones (the client) but not each other, links staying up. Isolating every router makes a
   * split brain without any interface going down.
   */
  async isolate(host, on = true) {
    const port = `p${this.hosts.indexOf(host)}`;
    await sh('ip', ['-n', this.lab.bridgeNs, 'link', 'set', 'dev', port, 'type', 'bridge_slave', 'isolated', on ? 'on' : 'off']);
  }

  /**
   * A pre-started `ip -batch -` in a namespace, so that a timed action costs no process start.
   * run(line) writes one command and resolves at once.
   */
  ipShell(host) {
    const child = spawn('ip', ['-n', this.ns(host), '-force', '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    this.#procs.add(child);
    child.on('exit', () => this.#procs.delete(child));
    return {
      run: (line) => child.stdin.write(line + '\n'),
      close: () => new Promise((r) => (child.exitCode !== null ? r() : (child.once('exit', r), child.stdin.end()))),
    };
  }

  /**
   * Captures in a host with tcpdump (-U --immediate-mode, so nothing is lost at the end).
   * Resolves once tcpdump is listening; stop() resolves with the pcap path.
   */
  async capture(name, filter = 'vrrp or arp or icmp6 or proto 112', host = this.client, dev = 'eth0') {
    const file = path.join(this.dir, `${name}.pcap`);
    const child = this.lab.spawn(host, 'tcpdump', ['-i', dev, '-U', '--immediate-mode', '-n', '-w', file, ...filter.split(' ')]);
    this.#procs.add(child);
    child.on('exit', () => this.#procs.delete(child));
    await waitForLine(child, /listening on/, 5000, 'tcpdump', 'stderr');
    return {
      file,
      stop: async () => {
        // Give the kernel a moment to hand over what is in flight: bounded, tiny.
        await new Promise((r) => setTimeout(r, 50));
        await this.lab.kill(child, 'SIGINT', 2000);
        return file;
      },
    };
  }

  /** Removes the processes, the namespaces and the temp dir. */
  async destroy({ keepDir = false } = {}) {
    await Promise.all([...this.#procs].map((p) => this.lab.kill(p, 'SIGTERM', 1000)));
    await Promise.all([...this.#daemons].map((d) => this.lab.kill(d.child, 'SIGTERM', 3000)));
    await this.lab.destroy();
    if (!keepDir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Resolves when a child prints a line matching `re` (on stdout, or stderr). */
export function waitForLine(child, re, timeoutMs, what, stream = 'stdout') {
  return new Promise((resolve, reject) => {
    let buf = '';
    const s = child[stream];
    const onData = (d) => {
      buf += d;
      if (re.test(buf)) done(null);
    };
    const onExit = (code) => done(new Error(`${what} exited (${code}) before ${re}: ${buf.slice(-500)}`));
    const t = setTimeout(() => done(new Error(`timed out waiting for ${what} (${re}): ${buf.slice(-500)}`)), timeoutMs);
    function done(err) {
      clearTimeout(t);
      s.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(buf);
    }
    s.on('data', onData);
    child.once('exit', onExit);
  });
}

/**
 * keepalived.conf for one router. An instance:
 * { name, vrid, version (2|3), priority, advertInt (seconds, may be fractional for v3),
 *   vips: ['198.51.100.200/24'], state, nopreempt, preemptDelay (s), authPass,
 *   unicastSrc, unicastPeers: [...], trackInterfaces: [...], garpMasterDelay, garpMasterRepeat }
 */
export function keepalivedConfig(routerId, instances, global = {}) {
  const g = [`    router_id ${routerId}`, ...Object.entries(global).map(([k, v]) => `    ${k} ${v}`)];
  const blocks = instances.map((i) => {
    const l = [];
    l.push(`vrrp_instance ${i.name ?? `VI_${i.vrid}`} {`);
    l.push(`    state ${i.state ?? 'BACKUP'}`);
    l.push(`    interface ${i.interface ?? 'eth0'}`);
    l.push(`    virtual_router_id ${i.vrid}`);
    l.push(`    version ${i.version ?? 3}`);
    l.push(`    priority ${i.priority}`);
    l.push(`    advert_int ${i.advertInt ?? 1}`);
    if (i.nopreempt) l.push('    nopreempt');
    if (i.preemptDelay !== undefined) l.push(`    preempt_delay ${i.preemptDelay}`);
    if (i.garpMasterDelay !== undefined) l.push(`    garp_master_delay ${i.garpMasterDelay}`);
    if (i.garpMasterRepeat !== undefined) l.push(`    garp_master_repeat ${i.garpMasterRepeat}`);
    if (i.authPass) l.push('    authentication {', '        auth_type PASS', `        auth_pass ${i.authPass}`, '    }');
    if (i.unicastSrc) l.push(`    unicast_src_ip ${i.unicastSrc}`);
    if (i.unicastPeers) l.push('    unicast_peer {', ...i.unicastPeers.map((p) => `        ${p}`), '    }');
    if (i.trackInterfaces) l.push('    track_interface {', ...i.trackInterfaces.map((p) => `        ${p}`), '    }');
    l.push('    virtual_ipaddress {', ...i.vips.map((v) => `        ${v}`), '    }');
    l.push('}');
    return l.join('\n');
  });
  return `global_defs {\n${g.join('\n')}\n}\n\n${blocks.join('\n\n')}\n`;
}

// ---- reading captures --------------------------------------------------------------------

const VRRP_FIELDS = [
  'frame.time_epoch',
  'eth.src',
  'ip.src',
  'ipv6.src',
  'ip.dst',
  'ipv6.dst',
  'ip.ttl',
  'ipv6.hlim',
  'vrrp.version',
  'vrrp.virt_rtr_id',
  'vrrp.prio',
  'vrrp.adver_int',
  'vrrp.short_adver_int',
  'vrrp.addr_count',
  'vrrp.auth_type',
  'vrrp.auth_string',
  'vrrp.checksum.status',
  'ip.id',
  'ip.dsfield',
  'ipv6.tclass',
  '_ws.malformed',
  '_ws.expert.severity',
];

/** Runs tshark over a pcap and returns one object per row of the given fields. */
export async function tsharkFields(file, filter, fields) {
  const out = await sh('tshark', ['-r', file, '-n', '-Y', filter, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])]);
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      const cols = l.split('\t');
      return Object.fromEntries(fields.map((f, i) => [f, cols[i] ?? '']));
    });
}

/** Every VRRP packet of a capture, decoded by tshark's dissector. */
export async function vrrpPackets(file) {
  const rows = await tsharkFields(file, 'vrrp', VRRP_FIELDS);
  return rows.map((r) => ({
    t: Number(r['frame.time_epoch']) * 1000,
    ethSrc: r['eth.src'],
    src: r['ip.src'] || r['ipv6.src'],
    dst: r['ip.dst'] || r['ipv6.dst'],
    ttl: Number(r['ip.ttl'] || r['ipv6.hlim']),
    version: Number(r['vrrp.version']),
    vrid: Number(r['vrrp.virt_rtr_id']),
    prio: Number(r['vrrp.prio']),
    // milliseconds: v2 carries seconds, v3 centiseconds
    interval: r['vrrp.version'] === '2' ? Number(r['vrrp.adver_int']) * 1000 : Number(r['vrrp.short_adver_int']) * 10,
    addrCount: Number(r['vrrp.addr_count']),
    authType: r['vrrp.auth_type'],
    authString: r['vrrp.auth_string'],
    ipId: r['ip.id'],
    tos: r['ip.dsfield'] || r['ipv6.tclass'],
    // tshark: 0 = bad, 1 = good, 2 = unverified
    checksumStatus: r['vrrp.checksum.status'],
    malformed: r['_ws.malformed'] !== '',
    expert: r['_ws.expert.severity'],
  }));
}

/** Gratuitous ARPs (sender = target) and unsolicited NAs of a capture. */
export async function announcements(file) {
  const garps = await tsharkFields(file, 'arp.isgratuitous == 1 || (arp && arp.src.proto_ipv4 == arp.dst.proto_ipv4)', [
    'frame.time_epoch',
    'eth.src',
    'arp.src.hw_mac',
    'arp.src.proto_ipv4',
  ]);
  const nas = await tsharkFields(file, 'icmpv6.type == 136', ['frame.time_epoch', 'eth.src', 'icmpv6.nd.na.target_address', 'icmpv6.opt.linkaddr', 'icmpv6.nd.na.flag.o', 'ipv6.dst']);
  return [
    ...garps.map((r) => ({ kind: 'garp', t: Number(r['frame.time_epoch']) * 1000, ethSrc: r['eth.src'], mac: r['arp.src.hw_mac'], addr: r['arp.src.proto_ipv4'] })),
    ...nas.map((r) => ({
      kind: 'na',
      t: Number(r['frame.time_epoch']) * 1000,
      ethSrc: r['eth.src'],
      mac: r['icmpv6.opt.linkaddr'],
      addr: r['icmpv6.nd.na.target_address'],
      override: r['icmpv6.nd.na.flag.o'] === '1' || r['icmpv6.nd.na.flag.o'] === 'True',
      dst: r['ipv6.dst'],
    })),
  ].sort((a, b) => a.t - b.t);
}

/** Wall-clock milliseconds with sub-millisecond precision (comparable with pcap timestamps). */
export function nowMs() {
  return performance.timeOrigin + performance.now();
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}
