// A BGP anycast site in namespaces: a router running FRR (zebra + bgpd with
// maximum-paths), directors each running hacore with @hacore/bgp and a local
// HTTP server on the VIP, a client routed through the router.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { Lab, sh, waitFor } from './lab.mjs';
import { HacoreProcess } from './daemon.mjs';
import { pluginPath } from './vrrp-lab.mjs';

export const VIP4 = '203.0.113.10';
export const VIP6 = '2001:db8:10::10';
export const ROUTER4 = '198.51.100.1';
export const ROUTER6 = '2001:db8::1';
export const dir4 = (i) => `198.51.100.${11 + i}`;
export const dir6 = (i) => `2001:db8::${11 + i}`;
export const CLIENT4 = '198.51.100.100';
export const CLIENT6 = '2001:db8::100';

const SERVER = `
import http from 'node:http';
import { existsSync } from 'node:fs';
const [name, flag] = process.argv.slice(2);
http.createServer((q, r) => r.end(name)).listen(80, '::');
http.createServer((q, r) => { r.statusCode = existsSync(flag) ? 503 : 200; r.end(); }).listen(8081, '127.0.0.1', () => console.log('ready'));
`;

/** `check` and `bgp` are merged into every director's check `web` and bgp section. */
export async function buildSite({ directors = 3, prefix = 'hbgp', minAnnounceInterval = '1s', extraPrefix, check = {}, bgp = {} } = {}) {
  const names = ['r', 'c', ...Array.from({ length: directors }, (_, i) => `d${i + 1}`)];
  const addresses = { r: [`${ROUTER4}/24`, `${ROUTER6}/64`], c: [`${CLIENT4}/24`, `${CLIENT6}/64`] };
  for (let i = 0; i < directors; i++) addresses[`d${i + 1}`] = [`${dir4(i)}/24`, `${dir6(i)}/64`];
  const lab = await Lab.create(prefix, names, { addresses, dad: false });
  // Under the system's temp directory, not the checkout: the router's FRR daemons run as user
  // frr, which must reach their files, and a checkout's parents may be private (a CI clone in a
  // 0700 mktemp directory). Plugins are named by absolute path, so nothing resolves from here.
  const tmp = mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const site = { lab, tmp, directors: [], router: undefined, async destroy() {} };
  try {
    await lab.exec('r', 'sh', ['-c', 'sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0']);
    await lab.ip('c', ['route', 'add', `${VIP4}/32`, 'via', ROUTER4]);
    await lab.ip('c', ['-6', 'route', 'add', `${VIP6}/128`, 'via', ROUTER6]);
    site.router = await startRouter(lab, tmp, directors);
    writeFileSync(path.join(tmp, 'server.mjs'), SERVER);
    for (let i = 0; i < directors; i++) site.directors.push(await startDirector(lab, tmp, i, { minAnnounceInterval, extraPrefix, check, bgp }));
  } catch (err) {
    await teardown(site);
    throw err;
  }
  site.destroy = () => teardown(site);
  return site;
}

async function teardown(site) {
  for (const d of site.directors) await d.hacore?.stop('SIGKILL', 1000).catch(() => {});
  await site.lab.destroy();
  rmSync(site.tmp, { recursive: true, force: true });
}

async function startRouter(lab, tmp, directors) {
  const dir = path.join(tmp, 'router');
  mkdirSync(dir, { recursive: true });
  // zebra insists on running as its own user (frr, group frrvty for the vty): its directory is theirs.
  chmodSync(tmp, 0o755);
  const [uid, gid] = (await sh('id', ['-u', 'frr'])).trim().split(' ').concat((await sh('id', ['-g', 'frr'])).trim()).map(Number);
  chownSync(dir, uid, gid);
  const neighbors = Array.from({ length: directors }, (_, i) => [dir4(i), dir6(i)]).flat();
  const conf = [
    'frr defaults traditional',
    'hostname lab-router',
    'router bgp 65000',
    ' bgp router-id 198.51.100.1',
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' bgp bestpath as-path multipath-relax',
    ' timers bgp 1 3',
    ...neighbors.flatMap((n) => [` neighbor ${n} remote-as 65001`, ` neighbor ${n} timers 1 3`, ` neighbor ${n} timers connect 1`, ` neighbor ${n} advertisement-interval 0`]),
    ' address-family ipv4 unicast',
    '  maximum-paths 8',
    ...neighbors.filter((n) => !n.includes(':')).map((n) => `  neighbor ${n} activate`),
    ' exit-address-family',
    ' address-family ipv6 unicast',
    '  maximum-paths 8',
    ...neighbors.filter((n) => n.includes(':')).map((n) => `  neighbor ${n} activate`),
    ' exit-address-family',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'bgpd.conf'), conf);
  writeFileSync(path.join(dir, 'zebra.conf'), 'hostname lab-router\n');
  const zs = path.join(dir, 'zserv.api');
  const common = ['--vty_socket', dir, '-P', '0', '-z', zs];
  const zebra = lab.spawn('r', '/usr/lib/frr/zebra', [...common,  '-f', path.join(dir, 'zebra.conf'), '-i', path.join(dir, 'zebra.pid')]);
  await waitFor(() => existsSync(zs), { what: 'zebra socket' });
  const bgpd = lab.spawn('r', '/usr/lib/frr/bgpd', [...common, '-f', path.join(dir, 'bgpd.conf'), '-i', path.join(dir, 'bgpd.pid')]);
  await waitFor(() => existsSync(path.join(dir, 'bgpd.vty')), { what: 'router bgpd vty' });
  return { dir, zebra, bgpd };
}

/** A `show ...` command of the router's bgpd, as JSON (vtysh in the router namespace). */
export async function routerShow(site, command) {
  const out = await sh('ip', ['netns', 'exec', site.lab.ns('r'), 'vtysh', '--vty_socket', site.router.dir, '-c', command]);
  return JSON.parse(out);
}

async function startDirector(lab, tmp, i, { minAnnounceInterval, extraPrefix, check, bgp }) {
  const host = `d${i + 1}`;
  const dir = path.join(tmp, host);
  mkdirSync(dir, { recursive: true });
  const flag = path.join(dir, 'fail');
  const server = lab.spawn(host, process.execPath, [path.join(tmp, 'server.mjs'), host, flag]);
  await new Promise((resolve, reject) => {
    server.stdout.once('data', resolve);
    server.once('exit', (c) => reject(new Error(`server exited ${c}`)));
  });
  const config = {
    plugins: ['@hacore/checker-http', '@hacore/bgp'].map(pluginPath),
    controlSocket: path.join(dir, 'ctl.sock'),
    pidFile: path.join(dir, 'hacore.pid'),
    checks: [{ name: 'web', type: 'http', address: '127.0.0.1', port: 8081, urls: [{ path: '/health' }], interval: '200ms', retryDelay: '200ms', timeout: '150ms', rise: 2, fall: 2, warmup: 0, ...check }],
    bgp: {
      localAs: 65001,
      routerId: dir4(i),
      neighbors: [
        { address: ROUTER4, remoteAs: 65000, keepalive: 1, holdTime: 3 },
        { address: ROUTER6, remoteAs: 65000, keepalive: 1, holdTime: 3 },
      ],
      minAnnounceInterval,
      shutdown: { drainTime: '1s' },
      bgpd: { runDir: path.join(dir, 'bgpd'), restartBackoff: { initial: '200ms', max: '2s' } },
      prefixes: [
        { prefix: `${VIP4}/32`, when: 'web', communities: ['65001:100'] },
        { prefix: `${VIP6}/128`, when: 'web' },
        ...(extraPrefix ? [extraPrefix] : []),
      ],
      ...bgp,
    },
  };
  const file = path.join(dir, 'hacore.json');
  writeFileSync(file, JSON.stringify(config, null, 2), { mode: 0o600 });
  const hacore = new HacoreProcess(['--config', file, '--log-level', 'debug'], { wrap: ['ip', 'netns', 'exec', lab.ns(host)] });
  return { host, dir, flag, file, server, hacore, index: i };
}

/** The router's FIB next hops for a destination (`ip route show` in its namespace). */
export async function fibNextHops(lab, dest) {
  const v6 = dest.includes(':');
  const out = await sh('ip', ['-n', lab.ns('r'), ...(v6 ? ['-6'] : []), 'route', 'show', dest]).catch(() => '');
  return [...out.matchAll(/via ([0-9a-f.:]+)/g)].map((m) => m[1]).sort();
}

/** Polls the FIB every 5 ms until `pred(hops)`; resolves with the time it took. */
export async function timeUntilFib(lab, dest, pred, timeoutMs = 15000) {
  const t0 = Date.now();
  await waitFor(async () => pred(await fibNextHops(lab, dest)), { timeoutMs, everyMs: 5, what: `router FIB for ${dest}` });
  return Date.now() - t0;
}

/**
 * Opens `count` new connections from the client, one after another (each a
 * fresh TCP connection), through a helper in the client namespace; returns
 * the directors that answered and the failures.
 */
export async function clientRequests(lab, tmp, count, { address = VIP4, spacingMs = 0 } = {}) {
  const script = path.join(tmp, 'client.mjs');
  if (!existsSync(script)) {
    writeFileSync(
      script,
      `import http from 'node:http';
const [addr, n, spacing] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const by = {}; let failed = 0; const errors = []; const failures = [];
const one = () => new Promise((res) => {
  const startedAt = Date.now();
  const q = http.get({ host: addr, port: 80, agent: false, timeout: 1000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => { by[b] = (by[b] ?? 0) + 1; res(); }); });
  q.on('timeout', () => q.destroy(new Error('timeout')));
  q.on('error', (e) => { failed++; errors.push(e.message); failures.push({ startedAt, failedAt: Date.now(), code: e.code ?? e.message }); res(); });
});
for (let i = 0; i < n; i++) { await one(); if (spacing) await new Promise((r) => setTimeout(r, spacing)); }
console.log(JSON.stringify({ by, failed, errors: errors.slice(0, 5), failures: failures.slice(0, 5) }));
`,
    );
  }
  const out = await lab.exec('c', process.execPath, [script, address, String(count), String(spacingMs)]);
  return JSON.parse(out);
}

/**
 * The failures of a request loop that an ECMP next-hop change does not explain.
 * When the router drops a next hop, packets of a connection in flight to it
 * are hashed to a surviving director, which answers with a reset: no director
 * can prevent that for the one request open at that instant (the loop runs
 * one at a time). So at most one failure, a reset, of a request opened before
 * the router's FIB was seen to change, is the network's; any other failure
 * (a second one, a timeout, a refusal, one opened after the change) is hacore's.
 */
export function unexplainedFailures(r, fibChangedAt) {
  const failures = r.failures ?? [];
  const inFlightReset = (f) => f.startedAt <= fibChangedAt && (f.code === 'ECONNRESET' || f.code === 'EPIPE');
  if (failures.length === 1 && inFlightReset(failures[0])) return [];
  return failures;
}

/** Starts a request loop in the background; resolves with its tally. */
export function clientLoop(lab, tmp, durationMs, opts = {}) {
  const spacing = opts.spacingMs ?? 10;
  const count = Math.ceil(durationMs / (spacing + 2));
  return clientRequests(lab, tmp, count, { ...opts, spacingMs: spacing });
}

export { waitFor, http, spawn };
