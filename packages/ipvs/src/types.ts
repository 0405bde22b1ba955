/**
 * The IPVS data model shared by the netlink client, the reconciler and any
 * other data-plane backend. Addresses are strings (IPv4 or IPv6).
 */
export type IpvsProtocol = 'tcp' | 'udp' | 'sctp';
export type ForwardingMethod = 'masq' | 'droute' | 'tunnel';
export type TunnelType = 'ipip' | 'gue' | 'gre';

/** Identifies a virtual service: by address/port/protocol, or by firewall mark. */
export type ServiceKey =
  | { family: 4 | 6; protocol: IpvsProtocol; address: string; port: number; fwmark?: undefined }
  | { family: 4 | 6; fwmark: number; protocol?: undefined; address?: undefined; port?: undefined };

export interface ServiceFlags {
  /** IP_VS_SVC_F_PERSISTENT: set when `persistence` is given. */
  persistent?: boolean;
  /** IP_VS_SVC_F_HASHED (read-only, reported by the kernel). */
  hashed?: boolean;
  /** IP_VS_SVC_F_ONEPACKET: one-packet scheduling (UDP). */
  onePacket?: boolean;
  /** sh scheduler flags (IP_VS_SVC_F_SCHED1/2) and mh flags share the same bits. */
  shFallback?: boolean;
  shPort?: boolean;
  mhFallback?: boolean;
  mhPort?: boolean;
}

export interface ServiceConfig {
  key: ServiceKey;
  scheduler: string;
  /** Persistence timeout in seconds; absent or 0 means no persistence. */
  persistence?: number;
  /** Persistence netmask (IPv4 dotted mask or IPv6 prefix length as number). */
  netmask?: string | number;
  flags?: ServiceFlags;
  /** Persistence engine (`sip`); only with persistence. */
  pe?: string;
}

export interface DestinationConfig {
  address: string;
  port: number;
  /** Family of the destination; may differ from the service only for tunnel. */
  family?: 4 | 6;
  forwarding: ForwardingMethod;
  weight: number;
  upperThreshold?: number;
  lowerThreshold?: number;
  tunnelType?: TunnelType;
  tunnelPort?: number;
  tunnelNoChecksum?: boolean;
  /** Remote checksum offload (IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM) for gue/gre. */
  tunnelRemoteChecksum?: boolean;
}

export interface IpvsStats {
  connections: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
  cps: number;
  inPps: number;
  outPps: number;
  inBps: number;
  outBps: number;
}

export interface Service extends ServiceConfig {
  stats?: IpvsStats;
  /** The raw IP_VS_SVC_F_* bits the kernel reported (read-only). */
  flagBits?: number;
}

export interface Destination extends DestinationConfig {
  activeConnections?: number;
  inactiveConnections?: number;
  persistentConnections?: number;
  stats?: IpvsStats;
  /** The kernel reports a masq destination on a local address as "Local". */
  localNode?: boolean;
}

export interface IpvsTimeouts {
  /** Seconds; 0 leaves a value unchanged when setting. */
  tcp: number;
  tcpFin: number;
  udp: number;
}

export interface IpvsInfo {
  version: string;
  connectionTableSize: number;
}

export interface SyncDaemonConfig {
  state: 'master' | 'backup';
  interface: string;
  syncId: number;
  maxLength?: number;
  multicastGroup?: string;
  multicastPort?: number;
  multicastTtl?: number;
}

/**
 * The seam between the reconciler and the kernel. The generic-netlink client
 * implements it; an nftables backend could implement it later.
 */
export interface IpvsDataplane {
  listServices(): Promise<Service[]>;
  addService(svc: ServiceConfig): Promise<void>;
  editService(svc: ServiceConfig): Promise<void>;
  deleteService(key: ServiceKey): Promise<void>;
  listDestinations(key: ServiceKey): Promise<Destination[]>;
  addDestination(key: ServiceKey, dest: DestinationConfig): Promise<void>;
  editDestination(key: ServiceKey, dest: DestinationConfig): Promise<void>;
  deleteDestination(key: ServiceKey, dest: Pick<DestinationConfig, 'address' | 'port'>): Promise<void>;
  /**
   * Optional: many changes in one pipelined round (the netlink client sends
   * them several per datagram). Each op gets its own result, in order; a
   * refused op does not stop the others.
   */
  applyBatch?(ops: readonly IpvsBatchOp[]): Promise<IpvsBatchResult[]>;
  /** Optional: the connection-sync daemons (GET/NEW/DEL_DAEMON); needed by `ipvs.syncDaemon`. */
  listSyncDaemons?(): Promise<SyncDaemonConfig[]>;
  startSyncDaemon?(cfg: SyncDaemonConfig): Promise<void>;
  stopSyncDaemon?(state: SyncDaemonConfig['state']): Promise<void>;
}

/** One change for IpvsDataplane.applyBatch. */
export type IpvsBatchOp =
  | { op: 'addService'; service: ServiceConfig }
  | { op: 'editService'; service: ServiceConfig }
  | { op: 'deleteService'; key: ServiceKey }
  | { op: 'addDestination'; key: ServiceKey; destination: DestinationConfig }
  | { op: 'editDestination'; key: ServiceKey; destination: DestinationConfig }
  | { op: 'deleteDestination'; key: ServiceKey; destination: Pick<DestinationConfig, 'address' | 'port' | 'family'> };

/** The outcome of one IpvsBatchOp: `error` is an IpvsError (with `errno` and `op`). */
export type IpvsBatchResult = { ok: true } | { ok: false; error: Error & { errno?: string; op?: string } };
