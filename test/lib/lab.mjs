// Network-namespace lab for tests, per shared/LAB.md: documentation addresses
// only, every name carries a per-run prefix, cleanup by exact name, processes
// ended by the PIDs we started. Nothing is ever attached to the root namespace.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export async function sh(cmd, args, opts = {}) {
  const { stdout } = await execFileP(cmd, args, { maxBuffer: 16 << 20, ...opts });
  return stdout;
}

/** Runs many `ip` commands through one `ip -batch -` process. */
export async function ipBatch(lines, ns) {
  if (lines.length === 0) return;
  await new Promise((resolve, reject) => {
    const p = spawn('ip', [...(ns ? ['-n', ns] : []), '-batch', '-'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`ip -batch failed (${code}): ${err}\n${lines.join('\n')}`))));
    p.stdin.end(lines.join('\n') + '\n');
  });
}

export class Lab {
  /**
   * @param {string} prefix short fixed prefix of the test (<= 5 chars)
   * @param {string[]} hosts host names (<= 4 chars each)
   */
  static async create(prefix, hosts, opts = {}) {
    const lab = new Lab(prefix, hosts);
    try {
      await lab.#build(opts);
    } catch (err) {
      await lab.destroy();
      throw err;
    }
    return lab;
  }

  #children = new Set();
  #made = [];

  constructor(prefix, hosts) {
    this.run = randomBytes(3).toString('hex');
    this.prefix = `${prefix}${this.run}`;
    this.hosts = hosts;
    this.bridgeNs = `${this.prefix}-sw`;
  }

  ns(host) {
    return `${this.prefix}-${host}`;
  }

  async #build(opts) {
    const b = [];
    b.push(`netns add ${this.bridgeNs}`);
    this.#made.push(this.bridgeNs);
    for (const h of this.hosts) {
      b.push(`netns add ${this.ns(h)}`);
      this.#made.push(this.ns(h));
    }
    await ipBatch(b);
    // opts.dad === false: no IPv6 DAD on the hosts' links (set before the links move in),
    // so link-local addresses are usable at once instead of after 1-2 s.
    if (opts.dad === false) {
      const off = 'echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad';
      await Promise.all(this.hosts.map((h) => sh('ip', ['netns', 'exec', this.ns(h), 'sh', '-c', off])));
    }
    const sw = [];
    sw.push('link add br0 type bridge mcast_snooping 0 forward_delay 0');
    sw.push('link set br0 up');
    this.hosts.forEach((h, i) => {
      sw.push(`link add p${i} type veth peer name h${i}`);
      sw.push(`link set h${i} netns ${this.ns(h)}`);
      sw.push(`link set p${i} master br0`);
      sw.push(`link set p${i} up`);
    });
    await ipBatch(sw, this.bridgeNs);
    await Promise.all(this.hosts.map((h, i) => {
      const hb = [];
      const n = "";
      const mac = `02:68:${this.run.slice(0, 2)}:${this.run.slice(2, 4)}:${this.run.slice(4, 6)}:${(i + 1).toString(16).padStart(2, '0')}`;
      hb.push(`link set h${i} name eth0`);
      hb.push(`${n} link set eth0 address ${mac}`);
      hb.push(`${n} link set lo up`);
      hb.push(`${n} link set eth0 up`);
      const addrs = opts.addresses?.[h] ?? [];
      for (const a of addrs) hb.push(`${n} addr add ${a} dev eth0${a.includes(':') ? ' nodad' : ''}`);
      return ipBatch(hb.map((l) => l.trim()), this.ns(h));
    }));
  }

  mac(host) {
    const i = this.hosts.indexOf(host);
    return `02:68:${this.run.slice(0, 2)}:${this.run.slice(2, 4)}:${this.run.slice(4, 6)}:${(i + 1).toString(16).padStart(2, '0')}`;
  }

  exec(host, cmd, args = [], opts = {}) {
    return sh('ip', ['netns', 'exec', this.ns(host), cmd, ...args], opts);
  }

  ip(host, args) {
    return sh('ip', ['-n', this.ns(host), ...args]);
  }

  /** Starts a long-running process in a host; it is ended by PID at destroy(). */
  spawn(host, cmd, args = [], opts = {}) {
    const child = spawn('ip', ['netns', 'exec', this.ns(host), cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.#children.add(child);
    child.on('exit', () => this.#children.delete(child));
    return child;
  }

  async kill(child, signal = 'SIGTERM', waitMs = 5000) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), waitMs);
    await done;
    clearTimeout(t);
  }

  async destroy() {
    await Promise.all([...this.#children].map((c) => this.kill(c, 'SIGTERM', 2000)));
    const names = this.#made.splice(0);
    if (names.length) await ipBatch(names.map((n) => `netns del ${n}`)).catch(() => {});
  }
}

/** Waits until `fn` returns a truthy value, polling every `everyMs`; throws after `timeoutMs`. */
export async function waitFor(fn, { timeoutMs = 10000, everyMs = 20, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves with the first line of `child`'s output that matches `re`. */
export function waitLine(child, re, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (re.test(line)) {
          done();
          resolve(line);
          return;
        }
      }
    };
    const onExit = (code) => {
      done();
      reject(new Error(`${what}: process exited (${code}) before ${re}`));
    };
    const t = setTimeout(() => {
      done();
      reject(new Error(`${what}: no line matching ${re} within ${timeoutMs} ms`));
    }, timeoutMs);
    function done() {
      clearTimeout(t);
      child.stdout.off('data', onData);
      child.stderr.off('data', onData);
      child.off('exit', onExit);
    }
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', onExit);
  });
}
