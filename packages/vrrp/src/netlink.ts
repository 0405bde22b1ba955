/**
 * Addresses and routes over rtnetlink (the `netlink` package), never through
 * `ip` subprocesses: one request socket per process, shared by every instance.
 */
import { createRequire } from 'node:module';
import type { RtNetlinkSocket } from 'netlink';
import type { AddressScope, VirtualAddress, VirtualRoute } from './config-schema.js';
import { parseAnyIp } from '@hacore/core/ip-address';

// `netlink` is CommonJS; load it through require so its native binding resolves as usual.
const require = createRequire(import.meta.url);
type NetlinkModule = Pick<typeof import('netlink'), 'createRtNetlink' | 'FlagsNew' | 'rt'>;
let mod: NetlinkModule | undefined;
/**
 * The rtnetlink part of `netlink` only: its index also loads the nl80211, WireGuard
 * and generic-netlink codecs (a 240 KB generated file among them), about a fifth
 * of the package's load time, which the VRRP child's start would pay for nothing.
 * netlink 0.3 has no exports map, so these are its own files, as its index names them.
 */
export function netlinkModule(): NetlinkModule {
  mod ??= {
    createRtNetlink: (require('netlink/dist/rt/rt.js') as typeof import('netlink')).createRtNetlink,
    FlagsNew: (require('netlink/dist/constants.js') as typeof import('netlink')).FlagsNew,
    rt: require('netlink/dist/rt/structs.js') as typeof import('netlink').rt,
  };
  return mod;
}

export const AF_INET = 2;
export const AF_INET6 = 10;

export const SCOPE_VALUE: Record<AddressScope, number> = { global: 0, site: 200, link: 253, host: 254 };

/** An errno-carrying failure of a netlink request, with the operation named. */
export class NetlinkError extends Error {
  readonly code = 'HACORE_VRRP_ERR_NETLINK';
  readonly errno: string | undefined;
  constructor(message: string, errno: string | undefined, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetlinkError';
    this.errno = errno;
  }
}

function errnoOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; errno?: unknown } | undefined;
  if (typeof e?.code === 'string') return e.code;
  // netlink 0.3 rejects with a plain Error("Request rejected: EEXIST").
  const m = /Request rejected: ([A-Z0-9]+)/.exec((err as Error)?.message ?? '');
  return m?.[1];
}

export function ipBytes(text: string): Buffer {
  const p = parseAnyIp(text);
  if (!p) throw new NetlinkError(`not an IP address: ${text}`, undefined);
  return Buffer.from(p.bytes);
}

/** Requests (add/delete address and route, dumps) over one rtnetlink socket. */
export class NetlinkClient {
  readonly socket: RtNetlinkSocket;
  /**
   * Every request gives up after this long (the `netlink` package waits forever by
   * default): an ack that never comes must not freeze an instance's address queue,
   * which would keep its VIPs on a Backup and make stop() hang.
   */
  readonly timeoutMs: number;
  constructor(options: { timeoutMs?: number } = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    // ref: false keeps the daemon's exit in the hands of its own timers and sockets.
    this.socket = netlinkModule().createRtNetlink({ ref: false } as Parameters<NetlinkModule['createRtNetlink']>[0]);
  }

  close(): void {
    this.socket.socket.close();
  }

  private async run<T>(what: string, op: () => Promise<T>, ignore: readonly string[] = []): Promise<T | undefined> {
    try {
      return await op();
    } catch (err) {
      const code = errnoOf(err);
      if (code && ignore.includes(code)) return undefined;
      throw new NetlinkError(`${what}: ${(err as Error)?.message ?? String(err)}`, code, { cause: err });
    }
  }

  /** Adds a VIP; an address that is already there counts as added. */
  async addAddress(ifindex: number, vip: VirtualAddress): Promise<void> {
    const { data, attrs } = addressMessage(ifindex, vip);
    const { FlagsNew } = netlinkModule();
    await this.run(`add ${vip.address}/${vip.prefix} on ifindex ${ifindex}`, () => this.socket.newAddress(data, attrs, { flags: FlagsNew.CREATE | FlagsNew.EXCL, timeout: this.timeoutMs }), ['EEXIST']);
  }

  /** Removes a VIP; an address that is already gone counts as removed. */
  async deleteAddress(ifindex: number, vip: VirtualAddress): Promise<void> {
    const { data, attrs } = addressMessage(ifindex, vip);
    await this.run(`delete ${vip.address}/${vip.prefix} on ifindex ${ifindex}`, () => this.socket.delAddress(data, attrs.local ? { local: attrs.local } : {}, { timeout: this.timeoutMs }), ['EADDRNOTAVAIL', 'ENODEV', 'ESRCH']);
  }

  /** Creates a macvlan (private mode) named `name` on `parent` with `mac`, left down. */
  async createMacvlan(name: string, parent: number, mac: Buffer): Promise<void> {
    const { FlagsNew } = netlinkModule();
    await this.run(`create macvlan ${name}`, () =>
      this.socket.newLink({}, { ifname: name, link: u32le(parent), address: mac, linkinfo: macvlanLinkInfo() }, { flags: FlagsNew.CREATE | FlagsNew.EXCL, timeout: this.timeoutMs }),
    );
  }

  async setLinkUp(index: number, up: boolean): Promise<void> {
    await this.run(`set link ${index} ${up ? 'up' : 'down'}`, () => this.socket.setLink({ index, flags: up ? { up: true } : {}, change: { up: true } }, {}, { timeout: this.timeoutMs }));
  }

  async deleteLink(index: number): Promise<void> {
    await this.run(`delete link ${index}`, () => this.socket.delLink({ index }, {}, { timeout: this.timeoutMs }), ['ENODEV']);
  }

  async addRoute(ifindex: number, route: VirtualRoute): Promise<void> {
    const { data, attrs } = routeMessage(ifindex, route);
    const { FlagsNew } = netlinkModule();
    await this.run(`add route ${route.to.address}/${route.to.prefix}`, () => this.socket.newRoute(data, attrs, { flags: FlagsNew.CREATE | FlagsNew.REPLACE, timeout: this.timeoutMs }));
  }

  async deleteRoute(ifindex: number, route: VirtualRoute): Promise<void> {
    const { data, attrs } = routeMessage(ifindex, route);
    await this.run(`delete route ${route.to.address}/${route.to.prefix}`, () => this.socket.delRoute(data, attrs, { timeout: this.timeoutMs }), ['ESRCH', 'ENOENT', 'ENODEV']);
  }
}

function nlattr(type: number, payload: Buffer): Buffer {
  const len = 4 + payload.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt16LE(len, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}

function u32le(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const IFLA_MACVLAN_MODE = 1;
const MACVLAN_MODE_PRIVATE = 1;

/** IFLA_LINKINFO of a macvlan in private mode (keepalived's use_vmac), built by hand: the package has no encoder for it. */
export function macvlanLinkInfo(): Buffer {
  return Buffer.concat([nlattr(IFLA_INFO_KIND, Buffer.from('macvlan\0', 'latin1')), nlattr(IFLA_INFO_DATA, nlattr(IFLA_MACVLAN_MODE, u32le(MACVLAN_MODE_PRIVATE)))]);
}

/** The RTM_NEWADDR/RTM_DELADDR body of a VIP (nodad and preferred lifetime 0 for IPv6 by default). */
export function addressMessage(ifindex: number, vip: VirtualAddress): { data: import('netlink').rt.Address; attrs: import('netlink').rt.AddressAttrs } {
  const local = ipBytes(vip.address);
  const family = vip.family === 4 ? AF_INET : AF_INET6;
  const data: import('netlink').rt.Address = { family, prefixlen: vip.prefix, scope: SCOPE_VALUE[vip.scope], index: ifindex };
  const attrs: import('netlink').rt.AddressAttrs = { local, address: local };
  if (vip.family === 4) {
    if (vip.label !== undefined) attrs.label = vip.label;
  } else {
    data.flags = { nodad: true };
    attrs.flags = { nodad: true };
    if (vip.preferredLifetime === 0) {
      // Valid forever, preferred 0: usable, but never picked as a source address.
      attrs.cacheInfo = { ifaPrefered: 0, ifaValid: 0xffffffff, cstamp: 0, tstamp: 0 };
    }
  }
  return { data, attrs };
}

export function routeMessage(ifindex: number, route: VirtualRoute): { data: import('netlink').rt.Route; attrs: import('netlink').rt.RouteAttrs } {
  const family = route.to.family === 4 ? AF_INET : AF_INET6;
  const table = route.table ?? 254;
  const scope = route.scope !== undefined ? SCOPE_VALUE[route.scope] : route.via ? 0 : 253;
  const data: import('netlink').rt.Route = {
    family,
    dstLen: route.to.prefix,
    table: table < 256 ? table : 252,
    protocol: 'BOOT',
    scope,
    type: 'UNICAST',
  };
  const attrs: import('netlink').rt.RouteAttrs = { dst: ipBytes(route.to.address), oif: ifindex };
  if (table >= 256) attrs.table = table;
  if (route.via) attrs.gateway = ipBytes(route.via);
  if (route.src) attrs.prefsrc = ipBytes(route.src);
  if (route.metric !== undefined) attrs.priority = route.metric;
  return { data, attrs };
}
