/**
 * Numbers of the kernel's generic-netlink "IPVS" family, from
 * include/uapi/linux/ip_vs.h (stable kernel ABI).
 */
export const IPVS_GENL_NAME = 'IPVS';
export const IPVS_GENL_VERSION = 1;

export const Cmd = {
  NEW_SERVICE: 1,
  SET_SERVICE: 2,
  DEL_SERVICE: 3,
  GET_SERVICE: 4,
  NEW_DEST: 5,
  SET_DEST: 6,
  DEL_DEST: 7,
  GET_DEST: 8,
  NEW_DAEMON: 9,
  DEL_DAEMON: 10,
  GET_DAEMON: 11,
  SET_CONFIG: 12,
  GET_CONFIG: 13,
  SET_INFO: 14,
  GET_INFO: 15,
  ZERO: 16,
  FLUSH: 17,
} as const;

/** First-level attributes of every command. */
export const CmdAttr = {
  SERVICE: 1,
  DEST: 2,
  DAEMON: 3,
  TIMEOUT_TCP: 4,
  TIMEOUT_TCP_FIN: 5,
  TIMEOUT_UDP: 6,
} as const;

/** Inside CmdAttr.SERVICE. */
export const SvcAttr = {
  AF: 1,
  PROTOCOL: 2,
  ADDR: 3,
  PORT: 4,
  FWMARK: 5,
  SCHED_NAME: 6,
  FLAGS: 7,
  TIMEOUT: 8,
  NETMASK: 9,
  STATS: 10,
  PE_NAME: 11,
  STATS64: 12,
} as const;

/** Inside CmdAttr.DEST. */
export const DestAttr = {
  ADDR: 1,
  PORT: 2,
  FWD_METHOD: 3,
  WEIGHT: 4,
  U_THRESH: 5,
  L_THRESH: 6,
  ACTIVE_CONNS: 7,
  INACT_CONNS: 8,
  PERSIST_CONNS: 9,
  STATS: 10,
  ADDR_FAMILY: 11,
  STATS64: 12,
  TUN_TYPE: 13,
  TUN_PORT: 14,
  TUN_FLAGS: 15,
} as const;

/** Inside CmdAttr.DAEMON. */
export const DaemonAttr = {
  STATE: 1,
  MCAST_IFN: 2,
  SYNC_ID: 3,
  SYNC_MAXLEN: 4,
  MCAST_GROUP: 5,
  MCAST_GROUP6: 6,
  MCAST_PORT: 7,
  MCAST_TTL: 8,
} as const;

/** Inside SvcAttr.STATS(64) and DestAttr.STATS(64). */
export const StatsAttr = {
  CONNS: 1,
  INPKTS: 2,
  OUTPKTS: 3,
  INBYTES: 4,
  OUTBYTES: 5,
  CPS: 6,
  INPPS: 7,
  OUTPPS: 8,
  INBPS: 9,
  OUTBPS: 10,
} as const;

export const InfoAttr = {
  VERSION: 1,
  CONN_TAB_SIZE: 2,
} as const;

/** Service flags (IP_VS_SVC_F_*). */
export const SVC_F_PERSISTENT = 0x0001;
export const SVC_F_HASHED = 0x0002;
export const SVC_F_ONEPACKET = 0x0004;
export const SVC_F_SCHED1 = 0x0008;
export const SVC_F_SCHED2 = 0x0010;
export const SVC_F_SCHED3 = 0x0020;

/** Forwarding methods (IP_VS_CONN_F_*, masked by IP_VS_CONN_F_FWD_MASK). */
export const CONN_F_FWD_MASK = 0x0007;
export const CONN_F_MASQ = 0x0000;
export const CONN_F_LOCALNODE = 0x0001;
export const CONN_F_TUNNEL = 0x0002;
export const CONN_F_DROUTE = 0x0003;

/** Tunnel types (IP_VS_CONN_F_TUNNEL_TYPE_*). */
export const TUNNEL_TYPE_IPIP = 0;
export const TUNNEL_TYPE_GUE = 1;
export const TUNNEL_TYPE_GRE = 2;

/** Tunnel encapsulation flags (IP_VS_TUNNEL_ENCAP_FLAG_*). */
export const TUNNEL_ENCAP_NOCSUM = 0;
export const TUNNEL_ENCAP_CSUM = 1;
export const TUNNEL_ENCAP_REMCSUM = 2;

/** Sync daemon states (IP_VS_STATE_*). */
export const STATE_MASTER = 1;
export const STATE_BACKUP = 2;

export const AF_INET = 2;
export const AF_INET6 = 10;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_SCTP = 132;

export const SCHEDNAME_MAXLEN = 16;
export const IFNAME_MAXLEN = 16;
