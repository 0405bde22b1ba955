/**
 * The kernel's per-destination counters and rates of the services hacore
 * programs, read over netlink every `statsInterval` (the kernel itself
 * refreshes them about every 2 s) and kept for the status document, where
 * `@hacore/metrics` turns them into Prometheus series.
 */
import { hostPort, serviceKeyLabel } from './reconcile-keys.js';
import type { IpvsDataplane, IpvsStats, ServiceKey } from './types.js';

/** One destination of one service, as the status document shows it: the kernel's totals (since it was added) and rates per second. */
export interface DestinationStats extends IpvsStats {
  virtualServer: string;
  /** `203.0.113.100:80/tcp`, `fwmark:7`. */
  service: string;
  /** `198.51.100.21:80`. */
  destination: string;
  activeConnections: number;
  inactiveConnections: number;
  persistentConnections?: number;
}

export interface StatsTarget {
  virtualServer: string;
  key: ServiceKey;
}

/** Reads the destinations of every target; a service missing from the kernel gives no rows. */
export async function readDestinationStats(dp: Pick<IpvsDataplane, 'listDestinations'>, targets: readonly StatsTarget[]): Promise<DestinationStats[]> {
  const out: DestinationStats[] = [];
  for (const t of targets) {
    let dests;
    try {
      dests = await dp.listDestinations(t.key);
    } catch {
      continue;
    }
    const service = serviceKeyLabel(t.key);
    for (const d of dests) {
      const s = d.stats;
      out.push({
        virtualServer: t.virtualServer,
        service,
        destination: hostPort(d.address, d.port),
        activeConnections: d.activeConnections ?? 0,
        inactiveConnections: d.inactiveConnections ?? 0,
        ...(d.persistentConnections !== undefined ? { persistentConnections: d.persistentConnections } : {}),
        connections: s?.connections ?? 0,
        inPackets: s?.inPackets ?? 0,
        outPackets: s?.outPackets ?? 0,
        inBytes: s?.inBytes ?? 0,
        outBytes: s?.outBytes ?? 0,
        cps: s?.cps ?? 0,
        inPps: s?.inPps ?? 0,
        outPps: s?.outPps ?? 0,
        inBps: s?.inBps ?? 0,
        outBps: s?.outBps ?? 0,
      });
    }
  }
  return out;
}

/** Polls the stats every `intervalMs` (never two reads at once); `latest` is what the last read gave. */
export class DestinationStatsPoller {
  latest: DestinationStats[] = [];
  at: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dp: Pick<IpvsDataplane, 'listDestinations'>,
    private readonly targets: () => StatsTarget[],
  ) {}

  /** (Re)arms the timer; 0 stops polling and forgets the figures. */
  arm(intervalMs: number): void {
    this.stop();
    if (!intervalMs) {
      this.latest = [];
      this.at = undefined;
      return;
    }
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs).unref();
  }

  refresh(): Promise<void> {
    this.running ??= (async () => {
      try {
        this.latest = await readDestinationStats(this.dp, this.targets());
        this.at = Date.now();
      } finally {
        this.running = undefined;
      }
    })().catch(() => undefined);
    return this.running ?? Promise.resolve();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
