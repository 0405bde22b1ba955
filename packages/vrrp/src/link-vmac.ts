/**
 * `vmac` (keepalived use_vmac): a macvlan in private mode on the instance's
 * interface, with the RFC 5798 virtual MAC 00:00:5e:00:01:VRID. The VIPs live on
 * it, so the Master answers ARP for them and sends its gratuitous ARPs with the
 * virtual MAC: clients see one MAC whichever router is Master, and a failover
 * needs no ARP update at all (GARP still teaches the switches the new port).
 *
 * Adverts are sent and received on the parent, with the parent's MAC (keepalived's
 * vmac_xmit_base): a private macvlan swallows multicast whose source MAC is its
 * own, so routers that all own the virtual MAC would not hear each other's
 * adverts sent from it; and a Backup's macvlan must send nothing at all (no
 * IGMP report either), or switches would learn the virtual MAC at the Backup.
 *
 * To keep that MAC silent on Backups, IPv6 is disabled on the macvlan before it
 * comes up (no link-local, MLD or DAD from the virtual MAC). The parent gets
 * arp_ignore=1 while a vmac sits on it, so it does not answer ARP for the VIPs
 * (which are on the macvlan) with its own MAC, and arp_announce=2 so that its
 * own ARP requests never name a VIP as sender; the old values come back on stop.
 * IPv4 only: an IPv6 vmac would need a link-local address of its own.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { macBytes, vrrpVirtualMac } from './mac.js';
import type { NetlinkClient } from './netlink.js';
import type { LinkInfo, NetlinkReflector } from './netlink-reflector.js';

async function readSysctl(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function writeSysctl(path: string, value: string): Promise<void> {
  await writeFile(path, `${value}\n`);
}

/** Waits (event driven, bounded) until the reflector shows a link with `name`. */
export function waitForLink(reflector: NetlinkReflector, name: string, timeoutMs = 2000): Promise<LinkInfo | undefined> {
  const now = reflector.link(name);
  if (now) return Promise.resolve(now);
  return new Promise((resolve) => {
    const on = (l: LinkInfo): void => {
      if (l.name !== name) return;
      clearTimeout(timer);
      reflector.off('link', on);
      resolve(l);
    };
    const timer = setTimeout(() => {
      reflector.off('link', on);
      resolve(reflector.link(name));
    }, timeoutMs);
    reflector.on('link', on);
  });
}

/** Waits (event driven, bounded) until the reflector no longer shows a link with `name`. */
export function waitForLinkGone(reflector: NetlinkReflector, name: string, timeoutMs = 2000): Promise<void> {
  if (!reflector.link(name)) return Promise.resolve();
  return new Promise((resolve) => {
    const on = (l: LinkInfo): void => {
      if (l.name !== name || reflector.link(name)) return;
      clearTimeout(timer);
      reflector.off('linkRemoved', on);
      resolve();
    };
    const timer = setTimeout(() => {
      reflector.off('linkRemoved', on);
      resolve();
    }, timeoutMs);
    reflector.on('linkRemoved', on);
  });
}

export interface VmacSpec {
  name: string;
  parent: string;
  vrid: number;
}

/** Creates, tracks and removes the vmac interfaces of one process. */
export class VmacManager {
  private readonly created = new Map<string, { parent: string }>();
  /** `parent/key` -> the sysctl value before we changed it. */
  private readonly saved = new Map<string, string>();

  constructor(
    private readonly netlink: NetlinkClient,
    private readonly reflector: NetlinkReflector,
    private readonly log: Logger,
  ) {}

  /**
   * Makes sure the macvlan exists on its parent with the virtual MAC, IPv6 off,
   * and up. An existing link of that name is reused only if it has the right MAC.
   */
  async ensure(spec: VmacSpec): Promise<void> {
    const parent = this.reflector.link(spec.parent);
    if (!parent) {
      this.log.warn({ vmac: spec.name, parent: spec.parent }, 'cannot create the vmac: no such parent interface (the instance stays in Fault)');
      return;
    }
    const mac = macBytes(vrrpVirtualMac(spec.vrid, 4));
    let link = this.reflector.link(spec.name);
    if (link && !(link.mac && Buffer.compare(link.mac, Buffer.from(mac)) === 0)) {
      throw new Error(`interface ${spec.name} exists and is not the vmac of VRID ${spec.vrid} (MAC ${link.mac?.toString('hex') ?? 'none'})`);
    }
    if (!link) {
      await this.netlink.createMacvlan(spec.name, parent.index, Buffer.from(mac));
      this.created.set(spec.name, { parent: spec.parent });
      link = await waitForLink(this.reflector, spec.name);
      if (!link) throw new Error(`the vmac ${spec.name} did not appear`);
    } else {
      this.created.set(spec.name, { parent: spec.parent });
    }
    await writeSysctl(`/proc/sys/net/ipv6/conf/${spec.name}/disable_ipv6`, '1').catch((err: unknown) => this.log.warn({ err, vmac: spec.name }, 'could not disable IPv6 on the vmac'));
    await this.setParent(spec.parent, 'arp_ignore', '1', ['1', '2']);
    // ARP requests the parent sends must not carry a VIP as sender address, or the
    // neighbours would learn the VIP at the parent's own MAC.
    await this.setParent(spec.parent, 'arp_announce', '2', ['2']);
    await this.netlink.setLinkUp(link.index, true);
  }

  private async setParent(parent: string, key: string, value: string, okAlready: string[]): Promise<void> {
    const id = `${parent}/${key}`;
    if (this.saved.has(id)) return;
    const path = `/proc/sys/net/ipv4/conf/${parent}/${key}`;
    const old = await readSysctl(path);
    if (old === undefined || okAlready.includes(old)) return;
    await writeSysctl(path, value);
    this.saved.set(id, old);
  }

  /** Deletes the vmacs this process created and restores the parents' arp settings. */
  async removeAll(): Promise<void> {
    for (const name of this.created.keys()) {
      const link = this.reflector.link(name);
      if (link) await this.netlink.deleteLink(link.index).catch((err: unknown) => this.log.warn({ err, vmac: name }, 'could not delete the vmac'));
    }
    this.created.clear();
    for (const [id, old] of this.saved) {
      await writeSysctl(`/proc/sys/net/ipv4/conf/${id}`, old).catch(() => {});
    }
    this.saved.clear();
  }

  /** Removes one vmac (an instance dropped by a reload). */
  async remove(name: string): Promise<void> {
    if (!this.created.delete(name)) return;
    const link = this.reflector.link(name);
    if (!link) return;
    await this.netlink.deleteLink(link.index).catch(() => {});
    // Until the reflector hears RTM_DELLINK it still shows the old link: an ensure()
    // of the same name right after (a reload) would find it and refuse its MAC.
    await waitForLinkGone(this.reflector, name);
  }
}
