// What the soak lab runs: the VRRP instances per profile, the real servers and
// the checks over them, and each router's hacore config document. Pure: the
// scenario writes these out and the invariants read the bounds from here.
import { pluginPath } from '../lib/vrrp-lab.mjs';

export const ECHO_PORT = 7007;
export const SERVER_BASE_PORT = 9000;
export const WEBHOOK_PORT = 9700;

/** Master_Down_Interval (RFC 5798 6.1; RFC 3768 6.1 has the same form) in ms. */
export function masterDown(intervalMs, prio) {
  return 3 * intervalMs + ((256 - prio) * intervalMs) / 256;
}

/**
 * The instances: two v3 100 ms (IPv4 and IPv6, one sync group), one v2 1 s (IPv4)
 * and one v3 100 ms IPv6 whose master is r2, so that both routers are master of
 * something. Priorities are far apart (LAB facts: close ones race on a loaded box).
 */
export function instances(profile) {
  const routers = profile === 'three' ? ['r1', 'r2', 'r3'] : ['r1', 'r2'];
  const p = (a, b, c) => Object.fromEntries(routers.map((r, i) => [r, [a, b, c][i]]));
  return [
    { name: 'VI_1', vrid: 51, version: 3, intervalMs: 100, vip: '198.51.100.200', plen: 24, prios: p(200, 150, 50), group: 'G1' },
    { name: 'VI_2', vrid: 52, version: 3, intervalMs: 100, vip: '2001:db8::200', plen: 64, prios: p(200, 150, 50), group: 'G1' },
    { name: 'VI_3', vrid: 53, version: 2, intervalMs: 1000, vip: '198.51.100.201', plen: 24, prios: p(200, 150, 50) },
    { name: 'VI_4', vrid: 54, version: 3, intervalMs: 100, vip: '2001:db8::201', plen: 64, prios: p(150, 200, 50) },
  ];
}

/** The longest Master_Down_Interval of an instance (the lowest backup priority). */
export function worstMasterDown(inst) {
  return masterDown(inst.intervalMs, Math.min(...Object.values(inst.prios)));
}

/** The real servers: index i on SERVER_BASE_PORT + i, as server-farm.mjs lays them out. */
export function servers(count, addr4, addr6) {
  return Array.from({ length: count }, (_, i) => ({ i, port: SERVER_BASE_PORT + i, host: i % 4 < 2 ? addr4 : addr6, kind: i % 2 === 0 ? 'http' : 'tcp' }));
}

/** One check per server, interval drawn from the seed (200 ms-1 s), timeout under it. */
export function checks(srvs, rng) {
  return srvs.map((s) => {
    const interval = rng.pick([200, 300, 500, 700, 1000]);
    const base = { name: `${s.kind}-${s.i}`, address: s.host, port: s.port, interval: `${interval}ms`, timeout: `${Math.min(interval, 400)}ms`, fall: 2, rise: 1, warmup: '200ms' };
    return s.kind === 'http' ? { ...base, type: 'http', urls: [{ path: '/health', status: [200] }] } : { ...base, type: 'tcp', send: 'PING\n', expect: 'PONG' };
  });
}

/** A router's hacore config document (controlSocket and pidFile are added by VrrpLab). */
export function routerConfig({ router, profile, checkList, notifyScript, stateDir }) {
  const insts = instances(profile);
  return {
    logLevel: 'info',
    stateDir,
    plugins: ['@hacore/vrrp', '@hacore/checker-http', '@hacore/checker-tcp', '@hacore/notifier-webhook', '@hacore/notifier-script'].map(pluginPath),
    checks: checkList,
    vrrp: {
      instances: insts.map((i) => ({
        name: i.name,
        interface: 'eth0',
        vrid: i.vrid,
        version: i.version,
        priority: i.prios[router],
        advertInterval: i.intervalMs >= 1000 ? `${i.intervalMs / 1000}s` : `${i.intervalMs}ms`,
        virtualAddresses: [`${i.vip}/${i.plen}`],
        garpMasterDelay: '0',
      })),
      syncGroups: [{ name: 'G1', instances: insts.filter((i) => i.group === 'G1').map((i) => i.name) }],
    },
    webhooks: {
      host: router,
      endpoints: [{ name: 'soak', url: `http://127.0.0.1:${WEBHOOK_PORT}/`, events: ['target-state'], retries: 10000, backoff: '50ms', maxBackoff: '500ms', maxQueue: 100000, timeout: '2s' }],
      shutdownGrace: '3s',
    },
    notify: { checks: { '*': { notify: [notifyScript] } }, maxQueuedPerKey: 10000, timeout: '5s' },
  };
}
