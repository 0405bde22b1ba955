/**
 * VIP installation of one VRRP instance: the virtual addresses and routes
 * added over rtnetlink on becoming Master and removed on leaving it (retried
 * while one stays behind), and the GARP/NA targets they give. The instance runs
 * every call through its serial address queue.
 */
import type { Logger } from 'pino';
import type { AnnounceTarget } from './announce-sender.js';
import type { VirtualAddress, VrrpInstanceConfig } from './config-schema.js';
import { normalizeIp } from '@hacore/core/ip-address';
import type { NetlinkClient } from './netlink.js';
import type { NetlinkReflector } from './netlink-reflector.js';

export interface PlacedVip {
  vip: VirtualAddress;
  ifname: string;
}

/** What the installer needs of its instance. */
export interface VipHost {
  readonly config: VrrpInstanceConfig;
  readonly reflector: NetlinkReflector;
  readonly netlink: NetlinkClient;
  readonly log: Logger;
  isMaster(): boolean;
  started(): boolean;
  enqueue(job: () => Promise<void>): void;
}

export class VipInstaller {
  /** Whether VIPs were added (or found left behind) and not yet all removed. */
  installed = false;
  /** Addresses we are removing ourselves: their RTM_DELADDR is not "someone else". */
  readonly removing = new Set<string>();
  private removeRetry: NodeJS.Timeout | undefined;

  constructor(private readonly host: VipHost) {}

  /** Stops the removal retry (instance stop). */
  cancelRetry(): void {
    clearTimeout(this.removeRetry);
    this.removeRetry = undefined;
  }

  placed(): PlacedVip[] {
    return [...this.host.config.virtualAddresses, ...this.host.config.virtualAddressesExcluded].map((vip) => ({ vip, ifname: this.deviceOf(vip.dev) }));
  }

  /** Where a VIP or route without its own `dev` goes: the vmac if any, else the instance's interface. */
  deviceOf(dev: string | undefined): string {
    return dev ?? this.host.config.vmac ?? this.host.config.interface;
  }

  present(p: PlacedVip): boolean {
    const link = this.host.reflector.link(p.ifname);
    return !!link && this.host.reflector.hasAddress(link.index, p.vip.family, normalizeIp(p.vip.address) ?? p.vip.address);
  }

  async addOne(p: PlacedVip): Promise<void> {
    const link = this.host.reflector.link(p.ifname);
    if (!link) {
      this.host.log.warn({ vip: p.vip.address, ifname: p.ifname }, 'cannot add a VIP: no such interface');
      return;
    }
    await this.host.netlink.addAddress(link.index, p.vip);
  }

  /** Adds every VIP and virtual route (Master only); a failure is logged and the others still go. */
  async add(): Promise<void> {
    if (!this.host.isMaster()) return;
    this.installed = true;
    for (const p of this.placed()) {
      try {
        await this.addOne(p);
      } catch (err) {
        this.host.log.error({ err, vip: p.vip.address }, 'could not add a VIP');
      }
    }
    await this.routes('add');
  }

  /** Adds or removes the virtual routes; a failure is logged and the others still go. */
  private async routes(op: 'add' | 'remove'): Promise<void> {
    for (const r of this.host.config.virtualRoutes) {
      const link = this.host.reflector.link(this.deviceOf(r.dev));
      if (!link) continue;
      try {
        await (op === 'add' ? this.host.netlink.addRoute(link.index, r) : this.host.netlink.deleteRoute(link.index, r));
      } catch (err) {
        this.host.log.error({ err, route: `${r.to.address}/${r.to.prefix}` }, `could not ${op} a virtual route`);
      }
    }
  }

  /** Removes them all; what cannot be removed stays ours and is retried every second. */
  async remove(): Promise<void> {
    // Removing is idempotent; only skip the netlink calls when we never added.
    if (!this.installed) return;
    if (this.host.isMaster()) return; // a later transition made us Master again
    this.installed = false;
    await this.routes('remove');
    let left = false;
    for (const p of this.placed()) {
      const link = this.host.reflector.link(p.ifname);
      if (!link) continue;
      const key = `${link.index}/${normalizeIp(p.vip.address) ?? p.vip.address}`;
      this.removing.add(key);
      try {
        await this.host.netlink.deleteAddress(link.index, p.vip);
      } catch (err) {
        left = true;
        this.host.log.error({ err, vip: p.vip.address }, 'could not remove a VIP; trying again in 1 s');
      } finally {
        // The RTM_DELADDR notification arrives on the reflector socket shortly after the ack.
        setTimeout(() => this.removing.delete(key), 2000).unref();
      }
    }
    if (left) {
      // A VIP left on a router that is not Master answers beside the real one: it
      // stays marked as ours, so stop() and this retry remove it again.
      this.installed = true;
      if (this.host.started() && !this.removeRetry) {
        this.removeRetry = setTimeout(() => {
          this.removeRetry = undefined;
          if (this.host.started()) this.host.enqueue(() => this.remove());
        }, 1000);
      }
    }
  }

  announceTarget(p: PlacedVip): AnnounceTarget | undefined {
    const link = this.host.reflector.link(p.ifname);
    if (!link?.mac || link.mac.length !== 6) return undefined;
    return { family: p.vip.family, address: p.vip.address, ifindex: link.index, ifname: p.ifname, mac: link.mac };
  }

  announceTargets(): AnnounceTarget[] {
    return this.placed()
      .map((p) => this.announceTarget(p))
      .filter((t): t is AnnounceTarget => t !== undefined);
  }
}
