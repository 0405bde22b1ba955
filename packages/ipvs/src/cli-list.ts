/**
 * `hacore ipvs list`: the kernel's IPVS table read through the netlink client
 * (no ipvsadm needed), printed as `ipvsadm -Ln` prints it, or as JSON.
 */
import { IpvsClient } from './netlink-client.js';
import { ipFamily } from '@hacore/core/ip-address';
import type { IpvsProtocol, ServiceKey } from './types.js';
import { formatDaemons, formatList, formatTimeouts, type ListView } from './ipvsadm-format.js';
import { formatConnections, readConnections } from './conn-table.js';

export const LIST_USAGE = `usage: hacore ipvs list [--json] [--stats | --rate | --thresholds | --persistent-conn | --tun-info]
                       [--exact] [--timeout] [--daemon] [-c]
                       [-t|-u|--sctp-service ADDR:PORT | -f MARK [-6]]

Prints the kernel's IPVS table as \`ipvsadm -Ln\` does, read over generic netlink.
  --json             the table as JSON (info, services with destinations and stats,
                     timeouts, sync daemons)
  --stats, --rate    counters or rates instead of weights
  --thresholds, --persistent-conn, --tun-info   the other ipvsadm views
  --exact            counters without K/M/G units
  --timeout          only the tcp/tcpfin/udp timeouts
  --daemon           only the connection-sync daemons
  -c, --connection   the connection table (/proc/net/ip_vs_conn) as \`ipvsadm -Lnc\`
                     prints it; with --persistent-conn, its pe name and pe_data too
  -t, -u, --sctp-service ADDR:PORT, -f MARK [-6]
                     only this service (TCP, UDP, SCTP, firewall mark), as
                     \`ipvsadm -Ln -t ADDR:PORT\` prints it
`;

export interface ListArgs {
  json: boolean;
  view: ListView;
  exact: boolean;
  timeout: boolean;
  daemon: boolean;
  connections: boolean;
  /** One service only (`-t`, `-u`, `--sctp-service`, `-f`). */
  service?: ServiceKey;
}

/** `198.51.100.10:80` or `[2001:db8::1]:80`, as ipvsadm takes it. */
export function parseEndpoint(text: string, protocol: IpvsProtocol): ServiceKey {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  const family = m ? ipFamily(m[1]!) : undefined;
  const port = m ? Number(m[2]) : NaN;
  if (!m || family === undefined || port > 65535) throw new UsageError(`expected ADDRESS:PORT or [IPv6]:PORT, found ${JSON.stringify(text)}`);
  return { family, protocol, address: m[1]!, port };
}

export class UsageError extends Error {
  readonly code = 'HACORE_ERR_USAGE' as const;
}

export class NoSuchServiceError extends Error {
  readonly code = 'HACORE_ERR_IPVS_NO_SUCH_SERVICE' as const;
}

export function parseListArgs(argv: readonly string[]): ListArgs {
  const a: ListArgs = { json: false, view: 'default', exact: false, timeout: false, daemon: false, connections: false };
  const views: Record<string, ListView> = {
    '--stats': 'stats',
    '--rate': 'rate',
    '--thresholds': 'thresholds',
    '--persistent-conn': 'persistent-conn',
    '--tun-info': 'tun-info',
  };
  let fwmark: number | undefined;
  let v6 = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '-t' || arg === '--tcp-service') a.service = parseEndpoint(value(), 'tcp');
    else if (arg === '-u' || arg === '--udp-service') a.service = parseEndpoint(value(), 'udp');
    else if (arg === '--sctp-service') a.service = parseEndpoint(value(), 'sctp');
    else if (arg === '-f' || arg === '--fwmark-service') {
      fwmark = Number(value());
      if (!Number.isInteger(fwmark) || fwmark < 1 || fwmark > 0xffffffff) throw new UsageError(`${arg}: expected a firewall mark 1-4294967295`);
    } else if (arg === '-6' || arg === '--ipv6') v6 = true;
    else if (arg === '--json') a.json = true;
    else if (arg === '--exact') a.exact = true;
    else if (arg === '--timeout') a.timeout = true;
    else if (arg === '--daemon') a.daemon = true;
    else if (arg === '-c' || arg === '--connection' || arg === '-Lnc') a.connections = true;
    // ipvsadm habits: -L/-l/-n are what this command always does.
    else if (arg === '-n' || arg === '-Ln' || arg === '-L' || arg === '-l' || arg === '--numeric') continue;
    else if (views[arg]) {
      if (a.view !== 'default') throw new UsageError(`${arg}: only one of --stats, --rate, --thresholds, --persistent-conn, --tun-info`);
      a.view = views[arg];
    } else throw new UsageError(`unknown option ${arg}`);
  }
  if (fwmark !== undefined) a.service = { family: v6 ? 6 : 4, fwmark };
  return a;
}

/** Runs `list` and returns the text to print. */
export async function runList(argv: readonly string[], client?: IpvsClient): Promise<string> {
  const args = parseListArgs(argv);
  if (args.connections) {
    const entries = await readConnections();
    return args.json ? `${JSON.stringify(entries, null, 2)}\n` : formatConnections(entries, { persistent: args.view === 'persistent-conn' });
  }
  const c = client ?? (await IpvsClient.open());
  try {
    if (args.json && !args.service) {
      const [info, services, timeouts, daemons] = [await c.getInfo(), await c.listAll(), await c.getTimeouts(), await c.listSyncDaemons()];
      return `${JSON.stringify({ info, services, timeouts, syncDaemons: daemons }, null, 2)}\n`;
    }
    if (args.timeout || args.daemon) {
      let out = '';
      if (args.timeout) out += formatTimeouts(await c.getTimeouts());
      if (args.daemon) out += formatDaemons(await c.listSyncDaemons());
      return out;
    }
    const info = await c.getInfo();
    if (args.service) {
      const svc = await c.getService(args.service);
      if (!svc) throw new NoSuchServiceError('No such service');
      const destinations = await c.listDestinations(args.service);
      if (args.json) return `${JSON.stringify({ ...svc, destinations }, null, 2)}\n`;
      return formatList(info, [{ ...svc, destinations }], { view: args.view, exact: args.exact, noVersionLine: true });
    }
    return formatList(info, await c.listAll(), { view: args.view, exact: args.exact });
  } finally {
    if (!client) c.close();
  }
}
