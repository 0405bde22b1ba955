/**
 * `hacore ipvs list`: the kernel's IPVS table read through the netlink client
 * (no ipvsadm needed), printed as `ipvsadm -Ln` prints it, or as JSON.
 */
import { IpvsClient } from './netlink-client.js';
import { formatDaemons, formatList, formatTimeouts, type ListView } from './ipvsadm-format.js';

export const LIST_USAGE = `usage: hacore ipvs list [--json] [--stats | --rate | --thresholds | --persistent-conn | --tun-info]
                       [--exact] [--timeout] [--daemon]

Prints the kernel's IPVS table as \`ipvsadm -Ln\` does, read over generic netlink.
  --json             the table as JSON (info, services with destinations and stats,
                     timeouts, sync daemons)
  --stats, --rate    counters or rates instead of weights
  --thresholds, --persistent-conn, --tun-info   the other ipvsadm views
  --exact            counters without K/M/G units
  --timeout          only the tcp/tcpfin/udp timeouts
  --daemon           only the connection-sync daemons
`;

export interface ListArgs {
  json: boolean;
  view: ListView;
  exact: boolean;
  timeout: boolean;
  daemon: boolean;
}

export class UsageError extends Error {
  readonly code = 'HACORE_ERR_USAGE' as const;
}

export function parseListArgs(argv: readonly string[]): ListArgs {
  const a: ListArgs = { json: false, view: 'default', exact: false, timeout: false, daemon: false };
  const views: Record<string, ListView> = {
    '--stats': 'stats',
    '--rate': 'rate',
    '--thresholds': 'thresholds',
    '--persistent-conn': 'persistent-conn',
    '--tun-info': 'tun-info',
  };
  for (const arg of argv) {
    if (arg === '--json') a.json = true;
    else if (arg === '--exact') a.exact = true;
    else if (arg === '--timeout') a.timeout = true;
    else if (arg === '--daemon') a.daemon = true;
    // ipvsadm habits: -L/-l/-n are what this command always does.
    else if (arg === '-n' || arg === '-Ln' || arg === '-L' || arg === '-l' || arg === '--numeric') continue;
    else if (views[arg]) {
      if (a.view !== 'default') throw new UsageError(`${arg}: only one of --stats, --rate, --thresholds, --persistent-conn, --tun-info`);
      a.view = views[arg];
    } else throw new UsageError(`unknown option ${arg}`);
  }
  return a;
}

/** Runs `list` and returns the text to print. */
export async function runList(argv: readonly string[], client?: IpvsClient): Promise<string> {
  const args = parseListArgs(argv);
  const c = client ?? (await IpvsClient.open());
  try {
    if (args.json) {
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
    return formatList(info, await c.listAll(), { view: args.view, exact: args.exact });
  } finally {
    if (!client) c.close();
  }
}
