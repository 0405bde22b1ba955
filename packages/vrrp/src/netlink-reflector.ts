/**
 * The netlink reflector: a mirror of the kernel's links and addresses kept up to
 * date by rtnetlink notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
 * RTNLGRP_IPV6_IFADDR), never by polling. Instances read interface state,
 * MACs, primary and link-local addresses from it, and learn from its events
 * when a tracked interface changes or a VIP disappears.
 */
import { EventEmitter } from 'node:events';
import type { RtNetlinkSocket } from 'netlink';
import { AF_INET, AF_INET6, netlinkModule } from './netlink.js';
import { formatIp } from '@hacore/core/ip-address';

export interface LinkInfo {
  index: number;
  name: string;
  /** IFF_UP and IFF_RUNNING: administratively up with carrier (keepalived's test). */
  up: boolean;
  adminUp: boolean;
  running: boolean;
  mac: Buffer | undefined;
}

export interface AddressInfo {
  index: number;
  family: 4 | 6;
  address: string;
  prefix: number;
  secondary: boolean;
  scope: number;
}

export interface ReflectorEvents {
  link: [LinkInfo, LinkInfo | undefined];
  linkRemoved: [LinkInfo];
  address: [AddressInfo];
  addressRemoved: [AddressInfo];
}

const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;

function addrKey(a: { index: number; family: number; address: string }): string {
  return `${a.index}/${a.family}/${a.address}`;
}

type LinkMsg = { data: import('netlink').rt.Link; attrs: import('netlink').ifla.LinkAttrs };
type AddrMsg = { data: import('netlink').rt.Address; attrs: import('netlink').rt.AddressAttrs };

export function linkFromMessage(m: LinkMsg): LinkInfo | undefined {
  const index = m.data.index;
  const name = m.attrs.ifname;
  if (index === undefined || name === undefined) return undefined;
  const adminUp = m.data.flags?.up === true;
  const running = m.data.flags?.running === true;
  return { index, name, adminUp, running, up: adminUp && running, mac: m.attrs.address };
}

export function addressFromMessage(m: AddrMsg): AddressInfo | undefined {
  const family = m.data.family === AF_INET ? 4 : m.data.family === AF_INET6 ? 6 : undefined;
  const raw = m.attrs.local ?? m.attrs.address;
  // A short address attribute is not an address: formatting it would make one up.
  if (!family || !raw || raw.length < (family === 4 ? 4 : 16) || m.data.index === undefined) return undefined;
  const flags = m.attrs.flags ?? m.data.flags ?? {};
  return {
    index: m.data.index,
    family,
    address: formatIp(raw, family),
    prefix: m.data.prefixlen ?? (family === 4 ? 32 : 128),
    secondary: flags.secondary === true,
    scope: m.data.scope ?? 0,
  };
}

export class NetlinkReflector extends EventEmitter<ReflectorEvents> {
  /** Listener errors caught by emit(); see the constructor. */
  listenerErrors = 0;

  /**
   * `onListenerError` hears what a listener threw: each listener runs on its own,
   * so one instance's failure never hides a link or address change from the others
   * (nor aborts a resync half way).
   */
  constructor(private readonly onListenerError: (err: unknown, event: string) => void = () => {}) {
    super();
  }

  override emit<K extends keyof ReflectorEvents>(event: K, ...args: ReflectorEvents[K]): boolean {
    const listeners = this.rawListeners(event) as ((...a: ReflectorEvents[K]) => void)[];
    for (const fn of listeners) {
      try {
        fn.apply(this, args);
      } catch (err) {
        this.listenerErrors++;
        try {
          this.onListenerError(err, event);
        } catch {
          // the error reporter has no one left to report to
        }
      }
    }
    return listeners.length > 0;
  }

  readonly links = new Map<number, LinkInfo>();
  private readonly byName = new Map<string, number>();
  /** Insertion order is kept: the first non-secondary IPv4 address of a link is its primary. */
  readonly addresses = new Map<string, AddressInfo>();
  private events: RtNetlinkSocket | undefined;
  private requests: RtNetlinkSocket | undefined;

  /** Subscribes first, then dumps, so that no change between the two is missed. */
  async start(): Promise<void> {
    const nl = netlinkModule();
    const opts = { ref: false } as Parameters<typeof nl.createRtNetlink>[0];
    this.events = nl.createRtNetlink(opts);
    this.events.addMembership('LINK');
    this.events.addMembership('IPV4_IFADDR');
    this.events.addMembership('IPV6_IFADDR');
    // The raw message type (NEW vs DEL) is not in the parsed message; read it below.
    this.events.socket.on('message', (msgs) => {
      for (const m of msgs) this.onMessage(m.type, m.data);
    });
    // ENOBUFS: the kernel dropped notifications (a burst of changes); the mirror
    // may be stale, so read everything again and report the differences.
    this.events.socket.on('error', () => {
      this.resyncs++;
      void this.resync().catch(() => {});
    });
    this.requests = nl.createRtNetlink(opts);
    await this.resync();
  }

  /** Times the mirror was re-read after the notification socket overflowed. */
  resyncs = 0;

  /** Dumps links and addresses and applies the differences as events. */
  async resync(): Promise<void> {
    const req = this.requests;
    if (!req) return;
    // Bounded like every other request (netlink.ts): a dump that never ends must
    // fail the start (or this resync) rather than hang it.
    const links = await req.getLinks({}, {}, { timeout: 5000 });
    const seenLinks = new Set<number>();
    for (const l of links) {
      const info = linkFromMessage(l);
      if (!info) continue;
      seenLinks.add(info.index);
      this.setLink(info);
    }
    for (const [index, info] of [...this.links]) {
      if (seenLinks.has(index)) continue;
      this.links.delete(index);
      if (this.byName.get(info.name) === index) this.byName.delete(info.name);
      this.emit('linkRemoved', info);
    }
    const addrs = await req.getAddresses({}, {}, { timeout: 5000 });
    const seenAddrs = new Set<string>();
    for (const a of addrs) {
      const info = addressFromMessage(a);
      if (!info) continue;
      const key = addrKey(info);
      seenAddrs.add(key);
      if (!this.addresses.has(key)) {
        this.addresses.set(key, info);
        if (this.started) this.emit('address', info);
      }
    }
    for (const [key, info] of [...this.addresses]) {
      if (seenAddrs.has(key)) continue;
      this.addresses.delete(key);
      this.emit('addressRemoved', info);
    }
    this.started = true;
  }

  private started = false;

  stop(): void {
    this.events?.socket.close();
    this.requests?.socket.close();
    this.events = undefined;
    this.requests = undefined;
  }

  private onMessage(type: number, data: Buffer): void {
    try {
      const rt = netlinkModule().rt;
      if (type === RTM_NEWLINK || type === RTM_DELLINK) {
        const info = linkFromMessage(rt.parseMessage(type, data) as LinkMsg);
        if (!info) return;
        if (type === RTM_NEWLINK) this.setLink(info);
        else {
          this.links.delete(info.index);
          if (this.byName.get(info.name) === info.index) this.byName.delete(info.name);
          this.emit('linkRemoved', info);
        }
      } else if (type === RTM_NEWADDR || type === RTM_DELADDR) {
        const info = addressFromMessage(rt.parseMessage(type, data) as AddrMsg);
        if (!info) return;
        const key = addrKey(info);
        if (type === RTM_NEWADDR) {
          const had = this.addresses.has(key);
          this.addresses.set(key, info);
          if (!had) this.emit('address', info);
        } else if (this.addresses.delete(key)) {
          this.emit('addressRemoved', info);
        }
      }
    } catch {
      // A message this version of `netlink` cannot parse is not ours to act on.
    }
  }

  private setLink(info: LinkInfo): void {
    const prev = this.links.get(info.index);
    const stale = this.byName.get(info.name);
    if (stale !== undefined && stale !== info.index) this.links.delete(stale);
    if (prev && prev.name !== info.name && this.byName.get(prev.name) === info.index) this.byName.delete(prev.name);
    this.links.set(info.index, info);
    this.byName.set(info.name, info.index);
    if (!prev || prev.up !== info.up || prev.adminUp !== info.adminUp || prev.running !== info.running || prev.name !== info.name) {
      this.emit('link', info, prev);
    }
  }

  link(name: string): LinkInfo | undefined {
    const idx = this.byName.get(name);
    return idx === undefined ? undefined : this.links.get(idx);
  }

  addressesOf(index: number, family: 4 | 6): AddressInfo[] {
    return [...this.addresses.values()].filter((a) => a.index === index && a.family === family);
  }

  /** keepalived's source for IPv4 adverts: the first primary (non-secondary) address of the interface. */
  primaryIpv4(index: number, exclude: ReadonlySet<string> = new Set()): string | undefined {
    // A VIP left on the interface (or one with a narrower prefix, which the kernel
    // lists first and never marks secondary) must not become our source address.
    const own = this.addressesOf(index, 4).filter((a) => !a.secondary && !exclude.has(a.address));
    return (own.find((a) => a.scope === 0) ?? own[0])?.address;
  }

  /** The interface's IPv6 link-local address (RFC 5798 5.1.2.1: the source of v3 IPv6 adverts). */
  linkLocal6(index: number): string | undefined {
    return this.addressesOf(index, 6).find((a) => a.address.startsWith('fe80:'))?.address;
  }

  hasAddress(index: number, family: 4 | 6, address: string): boolean {
    return this.addresses.has(addrKey({ index, family, address }));
  }
}
