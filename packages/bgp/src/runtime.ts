/**
 * The live state of the BGP plugin in its process: what the plugin hears
 * (checks, quorum, VRRP), each prefix's gate, the VIPs, and the bgpd that
 * carries the announcements. The gates decide; this class applies.
 */
import { NetlinkClient } from '@hacore/vrrp';
import { accessSync, constants } from 'node:fs';
import { HacoreError, type HacoreCore, type Logger } from '@hacore/core';
import { BgpdProcess } from './bgpd-process.js';
import { networkCommands, planBgpdReload, renderBgpdConfig, routeMapName, type PrefixFlavour } from './bgpd-config.js';
import { emptyWorld, evaluate } from './condition.js';
import { prefixText, vipOf, type BgpPrefixConfig, type BgpSectionConfig } from './config-schema.js';
import { PrefixGate } from './prefix-gate.js';
import type { VtyClient } from './vty-client.js';

interface PrefixState {
  config: BgpPrefixConfig;
  text: string;
  gate: PrefixGate;
  timer: NodeJS.Timeout | undefined;
  /** The flavour bgpd is told to announce, or undefined when withdrawn. */
  flavour: PrefixFlavour | undefined;
  since: number;
  vipInstalled: boolean;
  vipRemoveTimer: NodeJS.Timeout | undefined;
  lastError: string | undefined;
}

export interface NeighborStatus {
  address: string;
  state: string;
  uptimeMs?: number;
  prefixesSent?: number;
}

export class BgpRuntime {
  readonly world = emptyWorld();
  private prefixes: PrefixState[];
  /** Prefixes a reload removed, until their VIP is gone (drain time). */
  private retired = new Set<PrefixState>();
  private bgpd: BgpdProcess;
  private netlink: NetlinkClient | undefined;
  private neighbors: NeighborStatus[] = [];
  private poll: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Serializes every change to bgpd and the VIPs. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly core: HacoreCore,
    private section: BgpSectionConfig,
    private readonly log: Logger,
  ) {
    this.prefixes = section.prefixes.map((config) => newPrefix(config, section));
    this.bgpd = this.makeBgpd(section);
  }

  private makeBgpd(section: BgpSectionConfig): BgpdProcess {
    return new BgpdProcess({
      bgpdPath: section.bgpd.path,
      runDir: section.bgpd.runDir,
      listenPort: section.bgpd.listenPort,
      config: renderBgpdConfig(section),
      backoff: section.bgpd.restartBackoff,
      log: this.log,
      onReady: (vty) => this.replay(vty),
      onDown: (reason) => this.log.error({ reason }, 'bgpd down: no announcement reaches the routers until it is back'),
    });
  }

  async start(): Promise<void> {
    this.netlink = new NetlinkClient();
    for (const t of this.core.targets()) if (t.state !== 'unknown') this.world.checks.set(t.check, t.state === 'up');
    this.bgpd.start();
    this.poll = setInterval(() => void this.pollNeighbors(), 1000);
    this.poll.unref();
    this.reevaluate('start');
  }

  /** Something the conditions read changed. */
  reevaluate(reason: string): void {
    if (this.stopping) return;
    const now = Date.now();
    for (const p of this.prefixes) this.decide(p, evaluate(p.config.when, this.world), now, reason);
  }

  private decide(p: PrefixState, value: boolean, now: number, reason: string): void {
    const d = p.gate.update(value, now);
    this.afterDecision(p, d, reason);
  }

  private afterDecision(p: PrefixState, d: { change?: 'announce' | 'withdraw'; wakeAt?: number }, reason: string): void {
    clearTimeout(p.timer);
    p.timer = undefined;
    if (d.wakeAt !== undefined) {
      p.timer = setTimeout(() => {
        p.timer = undefined;
        if (!this.stopping) this.afterDecision(p, p.gate.tick(Date.now()), reason);
      }, Math.max(0, d.wakeAt - Date.now()));
    }
    const want: PrefixFlavour | undefined = p.gate.announced ? this.flavourOf(p) : undefined;
    if (want !== p.flavour) this.enqueue(() => this.setFlavour(p, want, reason));
  }

  private flavourOf(p: PrefixState): PrefixFlavour {
    return p.config.degraded && evaluate(p.config.degraded.when, this.world) ? 'degraded' : 'normal';
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(job).catch((err: unknown) => this.log.error({ err }, 'BGP change failed'));
    return this.chain;
  }

  /** Tells bgpd, adds the VIP before announcing and removes it a drain time after withdrawing. */
  private async setFlavour(p: PrefixState, flavour: PrefixFlavour | undefined, reason: string): Promise<void> {
    if (flavour === p.flavour) return;
    const was = p.flavour;
    p.flavour = flavour;
    p.since = Date.now();
    if (flavour) {
      clearTimeout(p.vipRemoveTimer);
      p.vipRemoveTimer = undefined;
      await this.vip(p, true);
    }
    await this.push(p);
    if (flavour) {
      this.log.info({ prefix: p.text, flavour, reason }, `announcing ${p.text}`);
      await this.core.emit({ kind: 'bgp-announce', prefix: p.text, flavour, reason });
    } else if (was) {
      this.log.info({ prefix: p.text, reason }, `withdrawing ${p.text}`);
      await this.core.emit({ kind: 'bgp-withdraw', prefix: p.text, reason });
      // The VIP stays while the routers move new flows away, so flows in progress finish.
      p.vipRemoveTimer = setTimeout(() => {
        p.vipRemoveTimer = undefined;
        if (!p.flavour) void this.enqueue(() => this.vip(p, false));
      }, this.section.shutdown.drainTime);
    }
  }

  /** Sends a prefix's current state to bgpd (no-op while bgpd is down: replay() sends it when back). */
  private async push(p: PrefixState, vty: VtyClient | undefined = this.bgpd.vty): Promise<void> {
    if (!vty) return;
    try {
      await vty.runAll(networkCommands(this.section, p.config, p.flavour));
      p.lastError = undefined;
    } catch (err) {
      p.lastError = (err as Error).message;
      this.log.error({ err, prefix: p.text }, 'bgpd refused a change');
    }
  }

  /** A (re)started bgpd: tell it every announced prefix. */
  private async replay(vty: VtyClient): Promise<void> {
    for (const p of this.prefixes) if (p.flavour) await this.push(p, vty);
  }

  private async vip(p: PrefixState, present: boolean): Promise<void> {
    const address = vipOf(p.config);
    if (!address || !this.netlink) return;
    if (present === p.vipInstalled && present) return;
    const ifindex = await this.ifindex(this.section.vipInterface);
    if (ifindex === undefined) {
      this.log.error({ ifname: this.section.vipInterface }, 'cannot place a VIP: no such interface');
      return;
    }
    const family = p.config.prefix.family;
    const vip = { address, prefix: family === 4 ? 32 : 128, family, scope: 'global' as const, preferredLifetime: 0 as const };
    try {
      if (present) await this.netlink.addAddress(ifindex, vip);
      else await this.netlink.deleteAddress(ifindex, vip);
      p.vipInstalled = present;
    } catch (err) {
      this.log.error({ err, vip: address }, `could not ${present ? 'add' : 'remove'} a VIP`);
    }
  }

  private async ifindex(name: string): Promise<number | undefined> {
    const links = await this.netlink!.socket.getLinks({}, {}, { timeout: 5000 });
    return links.find((l) => l.attrs.ifname === name)?.data.index;
  }

  private async pollNeighbors(): Promise<void> {
    const vty = this.bgpd.vty;
    if (!vty) {
      this.neighbors = this.section.neighbors.map((n) => ({ address: n.address, state: 'bgpd-down' }));
      return;
    }
    try {
      const doc = await vty.json<Record<string, { bgpState?: string; bgpTimerUpMsec?: number; addressFamilyInfo?: Record<string, { sentPrefixCounter?: number }> }>>('show bgp neighbors json');
      this.neighbors = this.section.neighbors.map((n) => {
        const e = doc[n.address];
        const sent = Object.values(e?.addressFamilyInfo ?? {}).reduce((a, f) => a + (f.sentPrefixCounter ?? 0), 0);
        const out: NeighborStatus = { address: n.address, state: e?.bgpState ?? 'unknown', prefixesSent: sent };
        if (e?.bgpTimerUpMsec !== undefined && e.bgpState === 'Established') out.uptimeMs = e.bgpTimerUpMsec;
        return out;
      });
    } catch (err) {
      this.log.debug({ err }, 'could not read the BGP neighbours');
    }
  }

  /** Refuses, before anything changes, a reload this process could not carry out. */
  prepareReload(next: BgpSectionConfig): void {
    const plan = planBgpdReload(this.section, next);
    if (plan.restart && next.bgpd.path !== this.section.bgpd.path) {
      try {
        accessSync(next.bgpd.path, constants.X_OK);
      } catch (err) {
        throw new HacoreError('HACORE_ERR_RELOAD_REFUSED', `bgp.bgpd.path: expected an executable bgpd, found ${next.bgpd.path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
      }
    }
  }

  /**
   * Applies a new bgp section to the running bgpd: new route-maps and session
   * changes over the vty, the prefixes that changed moved to their new
   * route-maps, the removed ones withdrawn; the other prefixes are not touched.
   * What cannot change live (localAs, bgpd.*) restarts bgpd, which re-announces.
   */
  reload(next: BgpSectionConfig): Promise<void> {
    return this.enqueue(() => this.applyReload(next));
  }

  private async applyReload(next: BgpSectionConfig): Promise<void> {
    const prev = this.section;
    const plan = planBgpdReload(prev, next);
    if (prev.vipInterface !== next.vipInterface) for (const p of this.prefixes) if (p.vipInstalled) await this.vip(p, false);
    const old = new Map(this.prefixes.map((p) => [p.text, p]));
    const moved: PrefixState[] = [];
    let added = 0;
    const kept = next.prefixes.map((config) => {
      const p = old.get(prefixText(config));
      if (!p) {
        added++;
        return newPrefix(config, next);
      }
      old.delete(p.text);
      if (p.flavour && routeMapName(prev.localAs, p.config, p.flavour) !== routeMapName(next.localAs, config, p.flavour)) moved.push(p);
      p.config = config;
      p.gate.retime(gateTiming(config, next));
      return p;
    });
    const removed = [...old.values()];
    this.section = next;
    this.prefixes = kept;
    for (const p of removed) clearTimeout(p.timer);
    const vty = this.bgpd.vty;
    if (plan.restart) {
      this.log.info({ why: plan.restart }, 'bgp reload: restarting bgpd with the new config');
      await this.restartBgpd();
    } else {
      this.bgpd.setConfig(renderBgpdConfig(next));
      if (vty) {
        try {
          await vty.runAll(plan.before);
          for (const p of removed) if (p.flavour) await vty.runAll(networkCommands(next, p.config, undefined));
          for (const p of moved) await vty.runAll(networkCommands(next, p.config, p.flavour));
          await vty.runAll(plan.after);
        } catch (err) {
          // bgpd holds nothing of its own: a fresh one from the new startup config is the same state.
          this.log.error({ err }, 'bgp reload: bgpd refused a change; restarting it with the new config');
          await this.restartBgpd();
        }
      }
    }
    for (const p of removed) {
      const was = p.flavour;
      p.flavour = undefined;
      if (was) {
        this.log.info({ prefix: p.text }, `withdrawing ${p.text} (removed from the config)`);
        await this.core.emit({ kind: 'bgp-withdraw', prefix: p.text, reason: 'removed from the config' }).catch(() => {});
      }
      if (p.vipInstalled) {
        this.retired.add(p);
        p.vipRemoveTimer = setTimeout(() => {
          void this.enqueue(async () => {
            await this.vip(p, false);
            this.retired.delete(p);
          });
        }, was ? next.shutdown.drainTime : 0);
      }
    }
    if (prev.vipInterface !== next.vipInterface) for (const p of this.prefixes) if (p.flavour) await this.vip(p, true);
    this.log.info({ added, removed: removed.length, moved: moved.length, sessionsReset: plan.resetNeighbors }, 'bgp section reloaded');
    // After this job: the conditions, hold-downs and degraded flavours of the new config.
    queueMicrotask(() => this.reevaluate('reload'));
  }

  private async restartBgpd(): Promise<void> {
    await this.bgpd.stop();
    this.bgpd = this.makeBgpd(this.section);
    this.bgpd.start();
  }

  status(): Record<string, unknown> {
    return {
      bgpd: { state: this.bgpd.state, pid: this.bgpd.pid, restarts: this.bgpd.restarts, lastError: this.bgpd.lastError },
      neighbors: this.neighbors,
      prefixes: this.prefixes.map((p) => ({
        prefix: p.text,
        condition: p.gate.conditionValue,
        announced: p.flavour !== undefined,
        flavour: p.flavour ?? null,
        since: p.since,
        vip: vipOf(p.config) ?? null,
        vipInstalled: p.vipInstalled,
        lastError: p.lastError ?? null,
      })),
      tables: [
        { title: 'BGP prefixes', columns: ['prefix', 'condition', 'announced', 'since'], rows: this.prefixes.map((p) => [p.text, String(p.gate.conditionValue), p.flavour ?? 'no', new Date(p.since).toISOString()]) },
        { title: 'BGP neighbours', columns: ['neighbour', 'state', 'sent'], rows: this.neighbors.map((n) => [n.address, n.state, String(n.prefixesSent ?? '')]) },
      ],
    };
  }

  /** Withdraw (or mark with graceful-shutdown), drain, remove the VIPs, stop bgpd. */
  async stop(reason: string): Promise<void> {
    this.stopping = true;
    clearInterval(this.poll);
    for (const p of this.prefixes) clearTimeout(p.timer);
    await this.chain;
    const announced = this.prefixes.filter((p) => p.flavour);
    const gshut = this.section.shutdown.mode === 'graceful-shutdown';
    for (const p of announced) {
      if (gshut) {
        p.flavour = 'gshut';
        await this.push(p);
      } else {
        p.flavour = undefined;
        await this.push(p);
        this.log.info({ prefix: p.text, reason }, `withdrawing ${p.text} (shutdown)`);
        await this.core.emit({ kind: 'bgp-withdraw', prefix: p.text, reason: `shutdown: ${reason}` }).catch(() => {});
      }
    }
    if (announced.length > 0 && this.bgpd.vty) {
      this.log.info({ drainMs: this.section.shutdown.drainTime }, 'draining before the VIPs go');
      await new Promise((r) => setTimeout(r, this.section.shutdown.drainTime));
    }
    if (gshut) {
      for (const p of announced) {
        p.flavour = undefined;
        await this.push(p);
        await this.core.emit({ kind: 'bgp-withdraw', prefix: p.text, reason: `shutdown: ${reason}` }).catch(() => {});
      }
    }
    for (const p of [...this.prefixes, ...this.retired]) {
      clearTimeout(p.vipRemoveTimer);
      if (p.vipInstalled || p.flavour !== undefined) await this.vip(p, false);
    }
    await this.bgpd.stop();
    this.netlink?.close();
  }
}

function gateTiming(config: BgpPrefixConfig, section: BgpSectionConfig): { riseDelay: number; fallDelay: number; minAnnounceInterval: number } {
  return { riseDelay: config.riseDelay, fallDelay: config.fallDelay, minAnnounceInterval: config.minAnnounceInterval ?? section.minAnnounceInterval };
}

function newPrefix(config: BgpPrefixConfig, section: BgpSectionConfig): PrefixState {
  return {
    config,
    text: prefixText(config),
    gate: new PrefixGate(gateTiming(config, section)),
    timer: undefined,
    flavour: undefined,
    since: Date.now(),
    vipInstalled: false,
    vipRemoveTimer: undefined,
    lastError: undefined,
  };
}
