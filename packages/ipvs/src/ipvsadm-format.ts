/**
 * The kernel's table in the text forms of `ipvsadm -Ln` (and `--stats`,
 * `--rate`, `--thresholds`, `--persistent-conn`, `--tun-info`, `--exact`,
 * `--timeout`, `--daemon`), so that operators read hacore's view exactly as
 * they read ipvsadm's. Pure: services and destinations in, text out.
 */
import { formatHostPort } from '@hacore/core/ip-address';
import { encodeAddress } from './nf-inet-addr.js';
import { SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2, SVC_F_SCHED3 } from './ipvs-attrs.js';
import type { Destination, IpvsInfo, IpvsStats, IpvsTimeouts, Service, SyncDaemonConfig } from './types.js';

export interface ListedService extends Service {
  destinations: Destination[];
}

export type ListView = 'default' | 'stats' | 'rate' | 'thresholds' | 'persistent-conn' | 'tun-info';

export interface FormatOptions {
  view?: ListView;
  /** Exact numbers instead of K/M/G/T units (`--exact`). */
  exact?: boolean;
  /** Leave out the version line, as `ipvsadm -Ln -t VIP:PORT` does for one service. */
  noVersionLine?: boolean;
}

const PROTO_LABEL = { tcp: 'TCP', udp: 'UDP', sctp: 'SCTP' } as const;
const FWD_LABEL = { masq: 'Masq', droute: 'Route', tunnel: 'Tunnel' } as const;

function addrBytes(address: string, family: 4 | 6): Buffer {
  return encodeAddress(address, family).subarray(0, family === 6 ? 16 : 4);
}

/** ipvsadm's order: firewall mark, family, protocol, address, port. */
export function compareServices(a: Service, b: Service): number {
  const fa = a.key.fwmark ?? 0;
  const fb = b.key.fwmark ?? 0;
  if (fa !== fb) return fa - fb;
  if (a.key.family !== b.key.family) return a.key.family - b.key.family;
  if (a.key.fwmark === undefined && b.key.fwmark === undefined) {
    const pa = a.key.protocol === 'tcp' ? 6 : a.key.protocol === 'udp' ? 17 : 132;
    const pb = b.key.protocol === 'tcp' ? 6 : b.key.protocol === 'udp' ? 17 : 132;
    if (pa !== pb) return pa - pb;
    const c = Buffer.compare(addrBytes(a.key.address, a.key.family), addrBytes(b.key.address, b.key.family));
    if (c) return c;
    return a.key.port - b.key.port;
  }
  return 0;
}

/** ipvsadm's order of destinations: family, address, port. */
export function compareDestinations(a: Destination, b: Destination): number {
  const fa = a.family ?? (a.address.includes(':') ? 6 : 4);
  const fb = b.family ?? (b.address.includes(':') ? 6 : 4);
  if (fa !== fb) return fa - fb;
  const c = Buffer.compare(addrBytes(a.address, fa), addrBytes(b.address, fb));
  if (c) return c;
  return a.port - b.port;
}

/** `%9llu`, or with K/M/G/T units as ipvsadm prints large counters. */
export function largeNumber(n: number, exact: boolean): string {
  if (exact) {
    const s = String(n);
    return s.padStart(s.length <= 8 ? 9 : s.length + 1);
  }
  if (n < 1e8) return String(n).padStart(9);
  if (n < 1e9) return `${String(Math.floor(n / 1e3)).padStart(8)}K`;
  if (n < 1e11) return `${String(Math.floor(n / 1e6)).padStart(8)}M`;
  if (n < 1e14) return `${String(Math.floor(n / 1e9)).padStart(8)}G`;
  return `${String(Math.floor(n / 1e12)).padStart(8)}T`;
}

function serviceName(s: Service): string {
  const k = s.key;
  if (k.fwmark !== undefined) return `FWM  ${k.fwmark}${k.family === 6 ? ' IPv6' : ''}`;
  return `${PROTO_LABEL[k.protocol].padEnd(4)} ${formatHostPort(k.address, k.port)}`;
}

function flagBitsOf(s: Service): number {
  if (s.flagBits !== undefined) return s.flagBits;
  const f = s.flags ?? {};
  let bits = 0;
  if (f.persistent || (s.persistence ?? 0) > 0) bits |= SVC_F_PERSISTENT;
  if (f.onePacket) bits |= SVC_F_ONEPACKET;
  if (f.shFallback || f.mhFallback) bits |= SVC_F_SCHED1;
  if (f.shPort || f.mhPort) bits |= SVC_F_SCHED2;
  return bits;
}

function schedulerFlags(sched: string, bits: number): string[] {
  const out: string[] = [];
  if (sched === 'sh' || sched === 'mh') {
    if (bits & SVC_F_SCHED1) out.push(`${sched}-fallback`);
    if (bits & SVC_F_SCHED2) out.push(`${sched}-port`);
  } else {
    if (bits & SVC_F_SCHED1) out.push('flag-1');
    if (bits & SVC_F_SCHED2) out.push('flag-2');
    if (bits & SVC_F_SCHED3) out.push('flag-3');
  }
  return out;
}

function serviceLine(s: Service): string {
  const bits = flagBitsOf(s);
  let line = `${serviceName(s)} ${s.scheduler}`;
  const sf = schedulerFlags(s.scheduler, bits);
  if (sf.length) line += ` (${sf.join(',')})`;
  if (bits & SVC_F_PERSISTENT) {
    line += ` persistent ${s.persistence ?? 0}`;
    if (s.netmask !== undefined) {
      const full = s.key.family === 6 ? s.netmask === 128 : s.netmask === '255.255.255.255';
      if (!full) line += ` mask ${s.netmask}`;
    }
    if (s.pe) line += ` pe ${s.pe}`;
  }
  if (bits & SVC_F_ONEPACKET) line += ' ops';
  return line;
}

function destEndpoint(d: Destination): string {
  return formatHostPort(d.address, d.port);
}

function fwdLabel(d: Destination): string {
  return d.localNode ? 'Local' : FWD_LABEL[d.forwarding];
}

function tunnelInfo(d: Destination): string {
  if (d.forwarding !== 'tunnel') return 'n/a';
  const type = d.tunnelType ?? 'ipip';
  const csum = d.tunnelRemoteChecksum ? 'r+c' : d.tunnelNoChecksum === false ? '+c' : '-c';
  if (type === 'gue') return `gue:${d.tunnelPort ?? 0}:${csum}`;
  if (type === 'gre') return `gre:${csum}`;
  return 'ipip';
}

function statsFields(st: IpvsStats | undefined, rate: boolean, exact: boolean): string {
  const s = st ?? { connections: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0, cps: 0, inPps: 0, outPps: 0, inBps: 0, outBps: 0 };
  const v = rate ? [s.cps, s.inPps, s.outPps, s.inBps, s.outBps] : [s.connections, s.inPackets, s.outPackets, s.inBytes, s.outBytes];
  return v.map((n) => largeNumber(n, exact)).join('');
}

function destLine(d: Destination, view: ListView, exact: boolean): string {
  const ep = destEndpoint(d);
  const n = (x: number | undefined): string => String(x ?? 0);
  switch (view) {
    case 'stats':
    case 'rate':
      return `  -> ${ep.padEnd(28)}${statsFields(d.stats, view === 'rate', exact)}`;
    case 'thresholds':
      return `  -> ${ep.padEnd(28)} ${n(d.upperThreshold).padEnd(10)} ${n(d.lowerThreshold).padEnd(10)} ${n(d.activeConnections).padEnd(10)} ${n(d.inactiveConnections).padEnd(10)}`;
    case 'persistent-conn':
      return `  -> ${ep.padEnd(28)} ${n(d.weight).padEnd(9)} ${n(d.persistentConnections).padEnd(11)} ${n(d.activeConnections).padEnd(10)} ${n(d.inactiveConnections).padEnd(10)}`;
    case 'tun-info':
      return `  -> ${ep.padEnd(28)} ${fwdLabel(d).padEnd(7)} ${tunnelInfo(d).padEnd(13)} ${n(d.weight).padEnd(6)} ${n(d.activeConnections).padEnd(10)} ${n(d.inactiveConnections).padEnd(10)}`;
    default:
      return `  -> ${ep.padEnd(28)} ${fwdLabel(d).padEnd(7)} ${n(d.weight).padEnd(6)} ${n(d.activeConnections).padEnd(10)} ${n(d.inactiveConnections).padEnd(10)}`;
  }
}

function title(view: ListView): string[] {
  switch (view) {
    case 'stats':
      return [`${'Prot LocalAddress:Port'.padEnd(33)} ${['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes'].map((h) => h.padStart(8)).join(' ')}`, '  -> RemoteAddress:Port'];
    case 'rate':
      return [`${'Prot LocalAddress:Port'.padEnd(33)} ${['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS'].map((h) => h.padStart(8)).join(' ')}`, '  -> RemoteAddress:Port'];
    case 'thresholds':
      return ['Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn ', '  -> RemoteAddress:Port'];
    case 'persistent-conn':
      return ['Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn ', '  -> RemoteAddress:Port'];
    case 'tun-info':
      return ['Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn'];
    default:
      return ['Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  }
}

/** The whole table as `ipvsadm -Ln [view options]` prints it. */
export function formatList(info: IpvsInfo, services: readonly ListedService[], options: FormatOptions = {}): string {
  const view = options.view ?? 'default';
  const exact = options.exact ?? false;
  const lines = [
    ...(options.noVersionLine ? [] : [`IP Virtual Server version ${info.version} (size=${info.connectionTableSize})`]),
    ...title(view),
  ];
  for (const s of [...services].sort(compareServices)) {
    if (view === 'stats' || view === 'rate') lines.push(`${serviceName(s).padEnd(33)}${statsFields(s.stats, view === 'rate', exact)}`);
    else lines.push(serviceLine(s));
    for (const d of [...s.destinations].sort(compareDestinations)) lines.push(destLine(d, view, exact));
  }
  return `${lines.join('\n')}\n`;
}

/** `ipvsadm -Ln --timeout`. */
export function formatTimeouts(t: IpvsTimeouts): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpFin} ${t.udp}\n`;
}

/** `ipvsadm -Ln --daemon`. */
export function formatDaemons(daemons: readonly SyncDaemonConfig[]): string {
  return daemons
    .map((d) => {
      const parts = [`mcast=${d.interface}`, `syncid=${d.syncId}`];
      if (d.maxLength !== undefined) parts.push(`maxlen=${d.maxLength}`);
      if (d.multicastGroup !== undefined) parts.push(`group=${d.multicastGroup}`);
      if (d.multicastPort !== undefined) parts.push(`port=${d.multicastPort}`);
      if (d.multicastTtl !== undefined) parts.push(`ttl=${d.multicastTtl}`);
      return `${d.state} sync daemon (${parts.join(', ')})\n`;
    })
    .join('');
}
