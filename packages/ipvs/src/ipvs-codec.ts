/**
 * The IPVS generic-netlink messages: the data model (types.ts) to attributes
 * and back. Pure: no socket here, so it is unit-tested on any kernel.
 */
import { AttrWriter, Attrs } from './genl-attrs.js';
import { IpvsInputError } from './errors.js';
import { ipFamily } from '@hacore/core/ip-address';
import { decodeAddress, encodeAddress } from './nf-inet-addr.js';
import {
  AF_INET, AF_INET6, CONN_F_DROUTE, CONN_F_FWD_MASK, CONN_F_LOCALNODE, CONN_F_MASQ, CONN_F_TUNNEL, CmdAttr,
  DaemonAttr, DestAttr, IFNAME_MAXLEN, IPPROTO_SCTP, IPPROTO_TCP, IPPROTO_UDP, InfoAttr, SCHEDNAME_MAXLEN,
  STATE_BACKUP, STATE_MASTER, SVC_F_HASHED, SVC_F_ONEPACKET, SVC_F_PERSISTENT, SVC_F_SCHED1, SVC_F_SCHED2,
  StatsAttr, SvcAttr, TUNNEL_ENCAP_CSUM, TUNNEL_ENCAP_NOCSUM, TUNNEL_ENCAP_REMCSUM, TUNNEL_TYPE_GRE,
  TUNNEL_TYPE_GUE, TUNNEL_TYPE_IPIP,
} from './ipvs-attrs.js';
import type {
  Destination, DestinationConfig, ForwardingMethod, IpvsInfo, IpvsProtocol, IpvsStats, IpvsTimeouts, Service,
  ServiceConfig, ServiceFlags, ServiceKey, SyncDaemonConfig, TunnelType,
} from './types.js';

/** Persistence timeout ipvsadm uses for `-p` without a value. */
export const DEFAULT_PERSISTENCE = 360;

const PROTO_NUM: Record<IpvsProtocol, number> = { tcp: IPPROTO_TCP, udp: IPPROTO_UDP, sctp: IPPROTO_SCTP };
const FWD_NUM: Record<ForwardingMethod, number> = { masq: CONN_F_MASQ, droute: CONN_F_DROUTE, tunnel: CONN_F_TUNNEL };
const TUN_NUM: Record<TunnelType, number> = { ipip: TUNNEL_TYPE_IPIP, gue: TUNNEL_TYPE_GUE, gre: TUNNEL_TYPE_GRE };

function afOf(family: 4 | 6): number {
  return family === 6 ? AF_INET6 : AF_INET;
}

function familyOfAf(af: number | undefined): 4 | 6 {
  return af === AF_INET6 ? 6 : 4;
}

function checkPort(port: number, what: string): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new IpvsInputError(`${what}: expected a port 0-65535, found ${port}`);
  return port;
}

function checkU32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new IpvsInputError(`${what}: expected an integer 0-4294967295, found ${value}`);
  return value;
}

/** Service key attributes, the identifying part of every service command. */
export function writeServiceKey(w: AttrWriter, key: ServiceKey): void {
  w.u16(SvcAttr.AF, afOf(key.family));
  if (key.fwmark !== undefined) {
    w.u32(SvcAttr.FWMARK, checkU32(key.fwmark, 'fwmark'));
    return;
  }
  const proto = PROTO_NUM[key.protocol];
  if (proto === undefined) throw new IpvsInputError(`protocol: expected tcp, udp or sctp, found ${String(key.protocol)}`);
  w.u16(SvcAttr.PROTOCOL, proto);
  w.bytes(SvcAttr.ADDR, encodeAddress(key.address, key.family, 'service address'));
  w.u16be(SvcAttr.PORT, checkPort(key.port, 'service port'));
}

export function serviceFlagBits(svc: ServiceConfig): number {
  const f: ServiceFlags = svc.flags ?? {};
  let bits = 0;
  if ((svc.persistence ?? 0) > 0 || f.persistent) bits |= SVC_F_PERSISTENT;
  if (f.onePacket) bits |= SVC_F_ONEPACKET;
  if (f.shFallback || f.mhFallback) bits |= SVC_F_SCHED1;
  if (f.shPort || f.mhPort) bits |= SVC_F_SCHED2;
  return bits;
}

function netmaskBytes(svc: ServiceConfig): Buffer {
  const b = Buffer.alloc(4);
  const family = svc.key.family;
  const m = svc.netmask;
  if (family === 6) {
    const plen = m === undefined ? 128 : typeof m === 'number' ? m : Number(m);
    if (!Number.isInteger(plen) || plen < 1 || plen > 128) throw new IpvsInputError(`netmask: expected an IPv6 prefix length 1-128, found ${String(m)}`);
    // The kernel reads the IPv6 prefix length as a plain (host order) u32.
    b.writeUInt32LE(plen, 0);
    return b;
  }
  let mask: string;
  if (m === undefined) mask = '255.255.255.255';
  else if (typeof m === 'number') {
    if (!Number.isInteger(m) || m < 0 || m > 32) throw new IpvsInputError(`netmask: expected an IPv4 prefix length 0-32, found ${m}`);
    const bits = m === 0 ? 0 : (0xffffffff << (32 - m)) >>> 0;
    mask = [bits >>> 24, (bits >>> 16) & 255, (bits >>> 8) & 255, bits & 255].join('.');
  } else mask = m;
  if (ipFamily(mask) !== 4) throw new IpvsInputError(`netmask: expected an IPv4 mask, found ${JSON.stringify(mask)}`);
  // IPv4 masks travel in network byte order (a __be32 in the kernel).
  encodeAddress(mask, 4).copy(b, 0, 0, 4);
  return b;
}

/** A full service specification (add and edit need every field). */
export function encodeService(svc: ServiceConfig): Buffer {
  if (!svc.scheduler || Buffer.byteLength(svc.scheduler) >= SCHEDNAME_MAXLEN) {
    throw new IpvsInputError(`scheduler: expected a name of 1-${SCHEDNAME_MAXLEN - 1} bytes, found ${JSON.stringify(svc.scheduler)}`);
  }
  const bits = serviceFlagBits(svc);
  const timeout = bits & SVC_F_PERSISTENT ? (svc.persistence && svc.persistence > 0 ? svc.persistence : DEFAULT_PERSISTENCE) : 0;
  const flags = Buffer.alloc(8);
  flags.writeUInt32LE(bits, 0);
  flags.writeUInt32LE(0xffffffff, 4);
  return new AttrWriter()
    .nested(CmdAttr.SERVICE, (w) => {
      writeServiceKey(w, svc.key);
      w.string(SvcAttr.SCHED_NAME, svc.scheduler);
      if (svc.pe) w.string(SvcAttr.PE_NAME, svc.pe);
      w.bytes(SvcAttr.FLAGS, flags);
      w.u32(SvcAttr.TIMEOUT, checkU32(timeout, 'persistence'));
      w.bytes(SvcAttr.NETMASK, netmaskBytes(svc));
    })
    .toBuffer();
}

export function encodeServiceKey(key: ServiceKey): Buffer {
  return new AttrWriter().nested(CmdAttr.SERVICE, (w) => writeServiceKey(w, key)).toBuffer();
}

function destFamily(dest: Pick<DestinationConfig, 'address' | 'family'>): 4 | 6 {
  const f = dest.family ?? ipFamily(dest.address);
  if (f === undefined) throw new IpvsInputError(`destination address: expected an IP address, found ${JSON.stringify(dest.address)}`);
  return f;
}

function tunnelFlags(dest: DestinationConfig): number {
  if (dest.tunnelRemoteChecksum) return TUNNEL_ENCAP_REMCSUM;
  if (dest.tunnelNoChecksum === false) return TUNNEL_ENCAP_CSUM;
  return TUNNEL_ENCAP_NOCSUM;
}

/** Service key + a full destination (add and edit). */
export function encodeDestination(key: ServiceKey, dest: DestinationConfig): Buffer {
  const family = destFamily(dest);
  const fwd = FWD_NUM[dest.forwarding];
  if (fwd === undefined) throw new IpvsInputError(`forwarding: expected masq, droute or tunnel, found ${String(dest.forwarding)}`);
  if (!Number.isInteger(dest.weight) || dest.weight < 0 || dest.weight > 0x7fffffff) {
    throw new IpvsInputError(`weight: expected an integer 0-2147483647, found ${dest.weight}`);
  }
  return new AttrWriter()
    .nested(CmdAttr.SERVICE, (w) => writeServiceKey(w, key))
    .nested(CmdAttr.DEST, (w) => {
      writeDestinationKey(w, dest, family);
      w.u32(DestAttr.FWD_METHOD, fwd);
      w.u32(DestAttr.WEIGHT, dest.weight);
      w.u32(DestAttr.U_THRESH, checkU32(dest.upperThreshold ?? 0, 'upperThreshold'));
      w.u32(DestAttr.L_THRESH, checkU32(dest.lowerThreshold ?? 0, 'lowerThreshold'));
      if (dest.forwarding === 'tunnel') {
        const type = TUN_NUM[dest.tunnelType ?? 'ipip'];
        if (type === undefined) throw new IpvsInputError(`tunnelType: expected ipip, gue or gre, found ${String(dest.tunnelType)}`);
        w.u8(DestAttr.TUN_TYPE, type);
        if (dest.tunnelType === 'gue') {
          if (!dest.tunnelPort) throw new IpvsInputError('tunnelPort: a gue tunnel needs a port');
          w.u16be(DestAttr.TUN_PORT, checkPort(dest.tunnelPort, 'tunnelPort'));
        }
        if (dest.tunnelType === 'gue' || dest.tunnelType === 'gre') w.u16(DestAttr.TUN_FLAGS, tunnelFlags(dest));
      }
    })
    .toBuffer();
}

/** Service key + the identifying part of a destination (delete). */
export function encodeDestinationKey(key: ServiceKey, dest: Pick<DestinationConfig, 'address' | 'port' | 'family'>): Buffer {
  const family = destFamily(dest);
  return new AttrWriter()
    .nested(CmdAttr.SERVICE, (w) => writeServiceKey(w, key))
    .nested(CmdAttr.DEST, (w) => writeDestinationKey(w, dest, family))
    .toBuffer();
}

/** What identifies a destination within its service: address, port, family. */
function writeDestinationKey(w: AttrWriter, dest: Pick<DestinationConfig, 'address' | 'port'>, family: ReturnType<typeof destFamily>): void {
  w.bytes(DestAttr.ADDR, encodeAddress(dest.address, family, 'destination address'));
  w.u16be(DestAttr.PORT, checkPort(dest.port, 'destination port'));
  w.u16(DestAttr.ADDR_FAMILY, afOf(family));
}

export function decodeStats(a: Attrs | undefined, wide: boolean): IpvsStats | undefined {
  if (!a) return undefined;
  const n = (t: number): number => (wide ? a.u64(t) : a.u32(t)) ?? 0;
  const bytes = (t: number): number => a.u64(t) ?? 0;
  return {
    connections: n(StatsAttr.CONNS),
    inPackets: n(StatsAttr.INPKTS),
    outPackets: n(StatsAttr.OUTPKTS),
    inBytes: bytes(StatsAttr.INBYTES),
    outBytes: bytes(StatsAttr.OUTBYTES),
    cps: n(StatsAttr.CPS),
    inPps: n(StatsAttr.INPPS),
    outPps: n(StatsAttr.OUTPPS),
    inBps: n(StatsAttr.INBPS),
    outBps: n(StatsAttr.OUTBPS),
  };
}

function statsOf(a: Attrs, s32: number, s64: number): IpvsStats | undefined {
  return a.has(s64) ? decodeStats(a.nested(s64), true) : decodeStats(a.nested(s32), false);
}

/**
 * The octets an address attribute must hold (the kernel sends a 16-octet union
 * nf_inet_addr for both families): a shorter one is not an address, and
 * formatting it would make one up ("198.51.undefined.undefined", or zeros).
 */
function addressLength(family: 4 | 6): number {
  return family === 4 ? 4 : 16;
}

const PROTO_NAME = new Map<number, IpvsProtocol>([[IPPROTO_TCP, 'tcp'], [IPPROTO_UDP, 'udp'], [IPPROTO_SCTP, 'sctp']]);

/**
 * A service from a GET_SERVICE reply. Defaults are left out so that a decoded
 * service equals the config that made it: `persistence` and `netmask` only for
 * persistent services (netmask only when not the full mask), `flags` only
 * with the bits that are set, `hashed` included (the kernel sets it on every
 * listed service).
 */
export function decodeService(payload: Buffer): Service | undefined {
  const a = Attrs.parse(payload).nested(CmdAttr.SERVICE);
  if (!a) return undefined;
  const family = familyOfAf(a.u16(SvcAttr.AF));
  const fwmark = a.u32(SvcAttr.FWMARK) ?? 0;
  let key: ServiceKey;
  if (fwmark) key = { family, fwmark };
  else {
    const protocol = PROTO_NAME.get(a.u16(SvcAttr.PROTOCOL) ?? 0);
    const addr = a.raw(SvcAttr.ADDR);
    if (!protocol || !addr || addr.length < addressLength(family)) return undefined;
    key = { family, protocol, address: decodeAddress(addr, family), port: a.u16be(SvcAttr.PORT) ?? 0 };
  }
  const svc: Service = { key, scheduler: a.string(SvcAttr.SCHED_NAME) ?? '' };
  const flagBuf = a.raw(SvcAttr.FLAGS);
  const bits = flagBuf && flagBuf.length >= 4 ? flagBuf.readUInt32LE(0) : 0;
  const flags: ServiceFlags = {};
  if (bits & SVC_F_PERSISTENT) flags.persistent = true;
  if (bits & SVC_F_HASHED) flags.hashed = true;
  if (bits & SVC_F_ONEPACKET) flags.onePacket = true;
  if (svc.scheduler === 'mh') {
    if (bits & SVC_F_SCHED1) flags.mhFallback = true;
    if (bits & SVC_F_SCHED2) flags.mhPort = true;
  } else {
    if (bits & SVC_F_SCHED1) flags.shFallback = true;
    if (bits & SVC_F_SCHED2) flags.shPort = true;
  }
  svc.flags = flags;
  svc.flagBits = bits;
  if (bits & SVC_F_PERSISTENT) {
    svc.persistence = a.u32(SvcAttr.TIMEOUT) ?? 0;
    const nm = a.raw(SvcAttr.NETMASK);
    if (nm && nm.length >= 4) {
      if (family === 6) {
        const plen = nm.readUInt32LE(0);
        if (plen !== 128) svc.netmask = plen;
      } else {
        const mask = decodeAddress(Buffer.concat([nm.subarray(0, 4), Buffer.alloc(12)]), 4);
        if (mask !== '255.255.255.255') svc.netmask = mask;
      }
    }
  }
  const pe = a.string(SvcAttr.PE_NAME);
  if (pe) svc.pe = pe;
  const stats = statsOf(a, SvcAttr.STATS, SvcAttr.STATS64);
  if (stats) svc.stats = stats;
  return svc;
}

const FWD_NAME = new Map<number, ForwardingMethod>([[CONN_F_MASQ, 'masq'], [CONN_F_DROUTE, 'droute'], [CONN_F_TUNNEL, 'tunnel']]);
const TUN_NAME = new Map<number, TunnelType>([[TUNNEL_TYPE_IPIP, 'ipip'], [TUNNEL_TYPE_GUE, 'gue'], [TUNNEL_TYPE_GRE, 'gre']]);

/**
 * A destination from a GET_DEST reply. Thresholds only when non-zero; tunnel
 * fields only for tunnel forwarding (port only for gue, checksum mode only for
 * gue and gre); `family` always.
 */
export function decodeDestination(payload: Buffer, serviceFamily: 4 | 6): Destination | undefined {
  const a = Attrs.parse(payload).nested(CmdAttr.DEST);
  if (!a) return undefined;
  const family = a.has(DestAttr.ADDR_FAMILY) ? familyOfAf(a.u16(DestAttr.ADDR_FAMILY)) : serviceFamily;
  const addr = a.raw(DestAttr.ADDR);
  if (!addr || addr.length < addressLength(family)) return undefined;
  const fwdNum = (a.u32(DestAttr.FWD_METHOD) ?? 0) & CONN_F_FWD_MASK;
  // LOCALNODE is how the kernel shows a masq destination that is a local address.
  const forwarding = FWD_NAME.get(fwdNum === CONN_F_LOCALNODE ? CONN_F_MASQ : fwdNum) ?? 'masq';
  const d: Destination = {
    address: decodeAddress(addr, family),
    port: a.u16be(DestAttr.PORT) ?? 0,
    family,
    forwarding,
    weight: a.u32(DestAttr.WEIGHT) ?? 0,
    activeConnections: a.u32(DestAttr.ACTIVE_CONNS) ?? 0,
    inactiveConnections: a.u32(DestAttr.INACT_CONNS) ?? 0,
    persistentConnections: a.u32(DestAttr.PERSIST_CONNS) ?? 0,
  };
  if (fwdNum === CONN_F_LOCALNODE) d.localNode = true;
  const u = a.u32(DestAttr.U_THRESH) ?? 0;
  const l = a.u32(DestAttr.L_THRESH) ?? 0;
  if (u) d.upperThreshold = u;
  if (l) d.lowerThreshold = l;
  if (forwarding === 'tunnel') {
    const type = TUN_NAME.get(a.u8(DestAttr.TUN_TYPE) ?? 0) ?? 'ipip';
    d.tunnelType = type;
    if (type === 'gue') d.tunnelPort = a.u16be(DestAttr.TUN_PORT) ?? 0;
    if (type !== 'ipip') {
      const tf = a.u16(DestAttr.TUN_FLAGS) ?? 0;
      d.tunnelNoChecksum = tf === TUNNEL_ENCAP_NOCSUM;
      if (tf & TUNNEL_ENCAP_REMCSUM) d.tunnelRemoteChecksum = true;
    }
  }
  const stats = statsOf(a, DestAttr.STATS, DestAttr.STATS64);
  if (stats) d.stats = stats;
  return d;
}

export function decodeInfo(payload: Buffer): IpvsInfo {
  const a = Attrs.parse(payload);
  const v = a.u32(InfoAttr.VERSION) ?? 0;
  return {
    version: `${(v >> 16) & 0xff}.${(v >> 8) & 0xff}.${v & 0xff}`,
    connectionTableSize: a.u32(InfoAttr.CONN_TAB_SIZE) ?? 0,
  };
}

export function decodeTimeouts(payload: Buffer): IpvsTimeouts {
  const a = Attrs.parse(payload);
  return {
    tcp: a.u32(CmdAttr.TIMEOUT_TCP) ?? 0,
    tcpFin: a.u32(CmdAttr.TIMEOUT_TCP_FIN) ?? 0,
    udp: a.u32(CmdAttr.TIMEOUT_UDP) ?? 0,
  };
}

export function encodeTimeouts(t: Partial<IpvsTimeouts>): Buffer {
  const w = new AttrWriter();
  // Zero (or absent) leaves a value unchanged, as `ipvsadm --set` does.
  if (t.tcp) w.u32(CmdAttr.TIMEOUT_TCP, checkU32(t.tcp, 'tcp timeout'));
  if (t.tcpFin) w.u32(CmdAttr.TIMEOUT_TCP_FIN, checkU32(t.tcpFin, 'tcpFin timeout'));
  if (t.udp) w.u32(CmdAttr.TIMEOUT_UDP, checkU32(t.udp, 'udp timeout'));
  return w.toBuffer();
}

function stateNum(state: SyncDaemonConfig['state']): number {
  if (state === 'master') return STATE_MASTER;
  if (state === 'backup') return STATE_BACKUP;
  throw new IpvsInputError(`sync daemon state: expected master or backup, found ${String(state)}`);
}

export function encodeDaemon(cfg: SyncDaemonConfig): Buffer {
  if (!cfg.interface || Buffer.byteLength(cfg.interface) >= IFNAME_MAXLEN) {
    throw new IpvsInputError(`sync daemon interface: expected a name of 1-${IFNAME_MAXLEN - 1} bytes, found ${JSON.stringify(cfg.interface)}`);
  }
  return new AttrWriter()
    .nested(CmdAttr.DAEMON, (w) => {
      w.u32(DaemonAttr.STATE, stateNum(cfg.state));
      w.string(DaemonAttr.MCAST_IFN, cfg.interface);
      w.u32(DaemonAttr.SYNC_ID, checkU32(cfg.syncId, 'syncId'));
      if (cfg.maxLength !== undefined) w.u16(DaemonAttr.SYNC_MAXLEN, cfg.maxLength);
      if (cfg.multicastGroup !== undefined) {
        const fam = ipFamily(cfg.multicastGroup);
        if (fam === 6) w.bytes(DaemonAttr.MCAST_GROUP6, encodeAddress(cfg.multicastGroup, 6, 'multicastGroup'));
        else w.bytes(DaemonAttr.MCAST_GROUP, encodeAddress(cfg.multicastGroup, 4, 'multicastGroup').subarray(0, 4));
      }
      if (cfg.multicastPort !== undefined) w.u16(DaemonAttr.MCAST_PORT, checkPort(cfg.multicastPort, 'multicastPort'));
      if (cfg.multicastTtl !== undefined) w.u8(DaemonAttr.MCAST_TTL, cfg.multicastTtl);
    })
    .toBuffer();
}

export function encodeDaemonState(state: SyncDaemonConfig['state']): Buffer {
  return new AttrWriter().nested(CmdAttr.DAEMON, (w) => w.u32(DaemonAttr.STATE, stateNum(state))).toBuffer();
}

export function decodeDaemon(payload: Buffer): SyncDaemonConfig | undefined {
  const a = Attrs.parse(payload).nested(CmdAttr.DAEMON);
  if (!a) return undefined;
  const st = a.u32(DaemonAttr.STATE);
  const d: SyncDaemonConfig = {
    state: st === STATE_BACKUP ? 'backup' : 'master',
    interface: a.string(DaemonAttr.MCAST_IFN) ?? '',
    syncId: a.u32(DaemonAttr.SYNC_ID) ?? 0,
  };
  const maxLen = a.u16(DaemonAttr.SYNC_MAXLEN);
  if (maxLen !== undefined) d.maxLength = maxLen;
  const g4 = a.raw(DaemonAttr.MCAST_GROUP);
  const g6 = a.raw(DaemonAttr.MCAST_GROUP6);
  if (g6 && g6.length >= 16) d.multicastGroup = decodeAddress(g6, 6);
  else if (g4 && g4.length >= 4) d.multicastGroup = decodeAddress(Buffer.concat([g4.subarray(0, 4), Buffer.alloc(12)]), 4);
  const port = a.u16(DaemonAttr.MCAST_PORT);
  if (port !== undefined) d.multicastPort = port;
  const ttl = a.u8(DaemonAttr.MCAST_TTL);
  if (ttl !== undefined) d.multicastTtl = ttl;
  return d;
}
