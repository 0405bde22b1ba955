import type { StatusTable } from '@hacore/core';
import type { DestinationStats } from './destination-stats.js';
import type { OpFailure } from './reconcile-apply.js';
import type { SyncDaemonStatus } from './sync-daemon.js';

/** The `ipvs` section of the status document. */
export interface IpvsStatus {
  dataplane: string;
  virtualServers: {
    name: string;
    services: string[];
    /** With `haSuspend`, while the VRRP instance carrying the address is not Master: out of the kernel's table. */
    suspended?: true;
    quorum: { up: boolean; liveWeight: number; quorum: number; hysteresis: number };
    sorryServer?: { id: string; active: boolean; kernelWeight: number | undefined };
    realServers: { id: string; up: boolean; weight: number; kernelWeight: number | undefined; reason: string; drained?: { since: number } }[];
  }[];
  owned: string[];
  passes: number;
  opsApplied: number;
  opsFailed: number;
  lastPass?: { at: number; durationMs: number; applied: string[]; failed: OpFailure[]; skipped: string[]; remaining: string[] };
  /** The most recent refusals and pass errors, newest last. */
  errors: { at: number; message: string; errno?: string }[];
  /** The kernel's per-destination counters and rates (every `ipvs.statsInterval`), and when they were read. */
  destinations: DestinationStats[];
  destinationsAt?: number;
  /** With `ipvs.syncDaemon`: the role asked for and the daemons the kernel runs. */
  syncDaemon?: SyncDaemonStatus;
}

/** The text form of `hacore status`: one row per real server (and sorry server). */
export function statusTables(st: IpvsStatus): StatusTable[] {
  const rows: string[][] = [];
  for (const vs of st.virtualServers) {
    const q = `${vs.quorum.up ? 'quorum' : 'NO QUORUM'} ${vs.quorum.liveWeight}/${vs.quorum.quorum}`;
    for (const rs of vs.realServers) rows.push([vs.name, rs.id, `${rs.up ? 'UP' : 'DOWN'}${rs.drained ? ' DRAINED' : ''}`, String(rs.kernelWeight ?? '-'), q, rs.reason]);
    if (vs.sorryServer) rows.push([vs.name, `${vs.sorryServer.id} (sorry)`, vs.sorryServer.active ? 'ACTIVE' : 'standby', String(vs.sorryServer.kernelWeight ?? '-'), q, '']);
  }
  return [{ title: 'ipvs', columns: ['virtual server', 'real server', 'state', 'weight', 'quorum', 'reason'], rows }];
}
