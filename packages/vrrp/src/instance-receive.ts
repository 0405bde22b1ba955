/**
 * Packet intake of one instance: each packet the transport hands over for our
 * VRID is decoded and validated against what the instance expects now
 * (validate.ts); a drop is counted by reason and never reaches the state
 * machine, and a peer configured unlike us is logged once a minute per peer and
 * reason and kept for `hacore status` (misconfig-report.ts).
 */
import type { Logger } from 'pino';
import type { VrrpInstanceConfig } from './config-schema.js';
import { isMisconfigReason, type DropReason, type MisconfigReason } from './drop-reasons.js';
import type { InstanceCounters } from './instance-counters.js';
import { normalizeIp } from '@hacore/core/ip-address';
import { MisconfigReport, type MisconfigEntry } from './misconfig-report.js';
import type { ReceivedAdvert, VrrpStateName } from './state-machine-types.js';
import { VRRP_GROUP_V6, type RawVrrpPacket, type ShellDropReason } from './transport.js';
import { validateIpv4Packet, validateIpv6Packet, type AdvertExpectations } from './validate.js';

/** What the intake asks of its instance, at each packet. */
export interface IntakeView {
  state(): VrrpStateName;
  /** The Master a Backup follows (only it may send priority 0). */
  masterAddress(): string | undefined;
  /** Our advert source now. */
  source(): string | undefined;
  /** Whether an address is one of our interface's. */
  isLocalAddress(address: string): boolean;
  /** Each drop, by reason (the plugin's `drop` hook). */
  onDrop(reason: string): void;
  /** A valid advert, for the state machine. */
  accept(advert: ReceivedAdvert): void;
}

export class AdvertIntake {
  private readonly misconfig = new MisconfigReport();
  private readonly peers: Set<string>;
  private readonly advertVips: readonly string[];
  private readonly isLocalAddress: (a: string) => boolean;

  constructor(
    private readonly config: VrrpInstanceConfig,
    private readonly counters: InstanceCounters,
    private readonly log: Logger,
    private readonly view: IntakeView,
  ) {
    this.peers = new Set(config.unicastPeers.map((p) => normalizeIp(p) ?? p));
    this.advertVips = config.virtualAddresses.map((v) => v.address);
    this.isLocalAddress = (a) => view.isLocalAddress(a);
  }

  private expectations(): AdvertExpectations {
    const source = this.view.source();
    const exp: AdvertExpectations = {
      vrid: this.config.vrid,
      version: this.config.version,
      family: this.config.family,
      advertIntervalMs: this.config.advertInterval,
      vips: this.advertVips,
      localAddresses: source ? [source] : [],
      isLocalAddress: this.isLocalAddress,
      unicast: this.config.unicastPeers.length > 0,
    };
    const master = this.view.state() === 'BACKUP' ? this.view.masterAddress() : undefined;
    if (master !== undefined) exp.followedMaster = master;
    if (this.config.authentication) exp.auth = { type: 'pass', password: this.config.authentication.password };
    return exp;
  }

  private drop(reason: DropReason | ShellDropReason, detail: string, source?: string): void {
    this.counters.drops[reason]++;
    this.view.onDrop(reason);
    if (source !== undefined && isMisconfigReason(reason)) this.noteMisconfig(source, reason, detail, 'dropped');
    else this.log.debug({ reason, detail }, 'dropped a VRRP packet');
  }

  /** A peer configured unlike us: one line per peer and reason per minute, and a status warning. */
  private noteMisconfig(peer: string, reason: MisconfigReason, detail: string, what: 'dropped' | 'accepted'): void {
    const n = this.misconfig.note(peer, reason, detail);
    if (!n.log) return;
    this.log.warn(
      { peer, reason, detail, ...(n.unlogged > 0 ? { unlogged: n.unlogged } : {}) },
      `${this.config.name}: advert from ${peer} disagrees with our configuration (${reason}: ${detail}); ${what}` +
        (n.unlogged > 0 ? ` (${n.unlogged} more since the last line)` : ''),
    );
  }

  /** Called by the transport for every packet with our VRID. Never throws. */
  onPacket(p: RawVrrpPacket): void {
    try {
      const exp = this.expectations();
      const v =
        p.family === 4
          ? validateIpv4Packet(p.bytes, exp)
          : validateIpv6Packet(p.bytes, { src: p.src, dst: p.dst ?? VRRP_GROUP_V6, hopLimit: p.hopLimit ?? -1 }, exp);
      if (!v.ok) {
        this.drop(v.reason, v.detail, v.source);
        return;
      }
      if (this.config.checkUnicastSource && this.peers.size > 0 && !this.peers.has(normalizeIp(v.advert.source) ?? v.advert.source)) {
        this.drop('notOurPeer', `source ${v.advert.source} is not a unicast peer`);
        return;
      }
      this.counters.advertsReceived++;
      if (v.warnings.includes('intervalMismatch')) {
        this.counters.warnings.intervalMismatch++;
        this.noteMisconfig(v.advert.source, 'interval', `advert interval ${v.advert.advertIntervalMs} ms, ours is ${this.config.advertInterval} ms`, 'accepted');
      }
      this.view.accept(v.advert);
    } catch (err) {
      // The codec and validator never throw; this guards the shell's own code.
      this.log.error({ err }, 'error while handling a received packet');
    }
  }

  /** Peers whose adverts disagree with our configuration (seen in the last 10 minutes). */
  misconfigurations(): MisconfigEntry[] {
    return this.misconfig.entries();
  }
}
