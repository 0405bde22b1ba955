import type { TargetStateName } from '@hacore/core';
import { QuorumTracker } from './quorum.js';
import type { DesiredService } from './reconcile.js';
import { serviceKeyLabel } from './reconcile-keys.js';
import type { DestinationConfig } from './types.js';
import type { VirtualServerSpec } from './virtual-server-spec.js';

/** What the virtual-server logic needs to know of one check. */
export interface CheckView {
  state: TargetStateName;
  /** Dynamic weight last reported by the checker, if any. */
  weight?: number;
  reason?: string;
}

export type CheckLookup = (name: string) => CheckView | undefined;

/** Whether an operator drained a real server (by its id) of this virtual server. */
export type DrainLookup = (realServer: string) => boolean;

export interface RealServerView {
  id: string;
  address: string;
  port: number;
  up: boolean;
  /** The weight it has while up: the checker's dynamic weight, else the configured one. */
  weight: number;
  /** Weight in the kernel; `undefined` when it is not in the kernel's table. */
  kernelWeight: number | undefined;
  reason: string;
  /** Drained by an operator: weight 0 in the kernel while up, connections kept. */
  drained?: boolean;
}

export interface RealServerChange {
  realServer: string;
  up: boolean;
  weight: number;
  reason: string;
}

export interface Evaluation {
  realServers: RealServerView[];
  sorryServer: { id: string; active: boolean; kernelWeight: number | undefined } | undefined;
  liveWeight: number;
  quorumUp: boolean;
  /** Real servers that went up or down, or whose weight changed while up, since the last evaluation. */
  changes: RealServerChange[];
  /** Set when the quorum state changed (always on the first evaluation). */
  quorumChange: { up: boolean; liveWeight: number } | undefined;
  desired: DesiredService[];
}

/**
 * keepalived's virtual-server behaviour as pure logic: from the states of the
 * checks, which real servers are in the kernel and with what weight, whether
 * the sorry server is in, and whether the quorum holds.
 */
export class VirtualServer {
  private readonly quorum: QuorumTracker;
  private previous = new Map<string, { up: boolean; weight: number }>();
  last: Evaluation | undefined;

  constructor(readonly spec: VirtualServerSpec) {
    this.quorum = new QuorumTracker(spec.quorum, spec.hysteresis);
  }

  /** Keys of the services, as shown in events: `198.51.100.10:80/tcp`. */
  get keyLabel(): string {
    return this.spec.services.map((s) => serviceKeyLabel(s.key)).join(',');
  }

  /** Carries the real servers' last states over from the instance a reload replaces, so a reload emits no spurious events. */
  inheritFrom(old: VirtualServer): void {
    this.previous = new Map(old.previous);
    if (old.quorum.up !== undefined) {
      this.quorum.up = old.quorum.up;
      this.quorum.liveWeight = old.quorum.liveWeight;
    }
  }

  private realServerState(checks: readonly string[], lookup: CheckLookup): { up: boolean; reason: string; dynamicWeight: number | undefined } {
    if (checks.length === 0) return { up: true, reason: 'no checks', dynamicWeight: undefined };
    let dynamicWeight: number | undefined;
    for (const name of checks) {
      const v = lookup(name);
      if (v?.weight !== undefined) dynamicWeight = v.weight;
      const state = v?.state ?? 'unknown';
      if (state === 'down') return { up: false, reason: `${name}: ${v?.reason ?? 'down'}`, dynamicWeight };
      // keepalived: without alpha a real server is in until a check fails; with alpha it waits for a success.
      if (state === 'unknown' && this.spec.alpha) return { up: false, reason: `${name}: not checked yet`, dynamicWeight };
    }
    return { up: true, reason: checks.length === 1 ? `${checks[0]}: ${lookup(checks[0]!)?.reason ?? 'up'}` : 'all checks up', dynamicWeight };
  }

  evaluate(lookup: CheckLookup, drained: DrainLookup = () => false): Evaluation {
    const views: RealServerView[] = [];
    const changes: RealServerChange[] = [];
    let liveWeight = 0;
    const next = new Map<string, { up: boolean; weight: number }>();
    for (const rs of this.spec.realServers) {
      const st = this.realServerState(rs.checks, lookup);
      const isDrained = drained(rs.id);
      // A drained server takes no new connections, so it carries no weight toward the quorum either.
      const weight = isDrained ? 0 : (st.dynamicWeight ?? rs.destination.weight);
      if (st.up) liveWeight += weight;
      const prev = this.previous.get(rs.id);
      if (prev && (prev.up !== st.up || (st.up && prev.weight !== weight))) {
        changes.push({ realServer: rs.id, up: st.up, weight: st.up ? weight : 0, reason: prev.up !== st.up ? st.reason : `weight ${prev.weight} -> ${weight}${isDrained ? ' (drained)' : ''}` });
      } else if (!prev && this.previous.size > 0) {
        // A real server added by a reload: report it only when it starts down.
        if (!st.up) changes.push({ realServer: rs.id, up: false, weight: 0, reason: st.reason });
      }
      next.set(rs.id, { up: st.up, weight });
      views.push({ id: rs.id, address: rs.destination.address, port: rs.destination.port, up: st.up, weight, kernelWeight: undefined, reason: st.reason, ...(isDrained ? { drained: true } : {}) });
    }
    this.previous = next;
    const q = this.quorum.observe(liveWeight);
    const sorry = this.spec.sorryServer;
    // The sorry server takes over when the quorum is lost (with the default
    // quorum of 1: when no real server is up with a weight); live real servers
    // then step aside so that traffic is not split between the two.
    const sorryActive = sorry !== undefined && !q.up;

    const dests: DestinationConfig[] = [];
    this.spec.realServers.forEach((rs, i) => {
      const view = views[i]!;
      const serving = view.up && !sorryActive;
      if (serving) view.kernelWeight = view.weight;
      else if (rs.inhibitOnFailure) view.kernelWeight = 0;
      if (view.kernelWeight !== undefined) dests.push({ ...rs.destination, weight: view.kernelWeight });
    });
    let sorryView: Evaluation['sorryServer'];
    if (sorry) {
      const kernelWeight = sorryActive ? sorry.destination.weight : this.spec.sorryServerInhibit ? 0 : undefined;
      sorryView = { id: sorry.id, active: sorryActive, kernelWeight };
      if (kernelWeight !== undefined && !dests.some((d) => d.address === sorry.destination.address && d.port === sorry.destination.port)) {
        dests.push({ ...sorry.destination, weight: kernelWeight });
      }
    }
    const desired = this.spec.services.map((service) => ({ service, destinations: dests }));
    this.last = {
      realServers: views,
      sorryServer: sorryView,
      liveWeight,
      quorumUp: q.up,
      changes,
      quorumChange: q.changed ? { up: q.up, liveWeight } : undefined,
      desired,
    };
    return this.last;
  }

  /** keepalived omega: at shutdown, a virtual server whose quorum is up reports it down. */
  omegaAtShutdown(): { up: false; liveWeight: number } | undefined {
    if (!this.spec.omega || this.quorum.up !== true) return undefined;
    this.quorum.up = false;
    return { up: false, liveWeight: this.quorum.liveWeight };
  }
}
