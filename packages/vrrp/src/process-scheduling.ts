import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import type { Logger } from '@hacore/core';
import type { VrrpSectionConfig } from './config-schema.js';
import { nativeBinding } from './link-native.js';

/**
 * SCHED_RR priority of the VRRP event loop when the config does not say: the lowest
 * real-time priority, so that adverts leave on time under check load (bench/failover
 * sched.mjs) while every kernel thread and any operator's real-time task still comes
 * first. `realtimePriority: 0` turns it off.
 */
export const DEFAULT_REALTIME_PRIORITY = 1;

/**
 * CPU a real-time thread may use without blocking before the kernel sends SIGXCPU
 * (RLIMIT_RTTIME, microseconds): far above any legitimate stretch of the VRRP
 * thread (a reload's parsing, a full GC), far below a frozen machine.
 */
export const RTTIME_LIMIT_US = 2_000_000;

/** What the VRRP process should run at. */
export interface SchedulingPlan {
  /** SCHED_RR priority, 0 for SCHED_OTHER, undefined to leave the policy alone. */
  realtimePriority: number | undefined;
  /** Nice value, undefined to leave it alone. */
  nice: number | undefined;
  /** True when realtimePriority is hacore's default rather than the operator's. */
  defaulted: boolean;
}

/** Where the VRRP thread runs and what it already runs at. */
export interface SchedulingContext {
  /** The checks share this thread (single-process mode): no real-time default for them. */
  sharesThreadWithChecks: boolean;
  /** The thread's policy now is not SCHED_OTHER (set from outside: chrt, systemd's CPUSchedulingPolicy). */
  inheritedRealtime: boolean;
}

/**
 * The scheduling a section asks for. Each key is the operator's when given; when
 * `realtimePriority` is absent the VRRP process gets DEFAULT_REALTIME_PRIORITY, unless
 * it also runs the checks (their load must never run real-time) or it already
 * runs under a policy someone set from outside.
 */
export function schedulingPlan(section: Pick<VrrpSectionConfig, 'nice' | 'realtimePriority'>, ctx: SchedulingContext): SchedulingPlan {
  if (section.realtimePriority !== undefined) return { realtimePriority: section.realtimePriority, nice: section.nice, defaulted: false };
  const realtimePriority = ctx.sharesThreadWithChecks || ctx.inheritedRealtime ? undefined : DEFAULT_REALTIME_PRIORITY;
  return { realtimePriority, nice: section.nice, defaulted: realtimePriority !== undefined };
}

/** Policy field (the 41st) of /proc/PID/stat text: 0 SCHED_OTHER, 1 FIFO, 2 RR, 3 BATCH, 5 IDLE. */
export function policyFromStat(stat: string): number | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const v = Number(fields[38]);
  return Number.isInteger(v) ? v : undefined;
}

function currentPolicy(): number | undefined {
  try {
    return policyFromStat(readFileSync('/proc/thread-self/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Applies the plan of each section to this process, remembering what it set so that
 * a reload that drops a key puts it back. Failures are logged, never fatal: the
 * instances run either way, only less punctually.
 */
export class VrrpScheduling {
  private realtime = false;

  constructor(
    private readonly log: Logger,
    private readonly sharesThreadWithChecks: boolean,
  ) {}

  apply(section: Pick<VrrpSectionConfig, 'nice' | 'realtimePriority'>): SchedulingPlan {
    const policy = this.realtime ? 0 : currentPolicy();
    const plan = schedulingPlan(section, { sharesThreadWithChecks: this.sharesThreadWithChecks, inheritedRealtime: policy !== undefined && policy !== 0 });
    if (plan.nice !== undefined) {
      try {
        setPriority(plan.nice);
      } catch (err) {
        this.log.warn({ err, nice: plan.nice }, 'could not change the VRRP process nice value (lowering it needs CAP_SYS_NICE)');
      }
    }
    const rt = plan.realtimePriority ?? (this.realtime ? 0 : undefined);
    if (rt === undefined) {
      if (policy !== undefined && policy !== 0 && section.realtimePriority === undefined) this.log.info({ policy }, 'VRRP event loop keeps the scheduling policy it was started with');
      return plan;
    }
    try {
      nativeBinding().setRealtime(rt, RTTIME_LIMIT_US);
      this.realtime = rt > 0;
      if (rt > 0) this.log.info({ priority: rt, default: plan.defaulted }, `VRRP event loop runs SCHED_RR ${rt}${plan.defaulted ? ' (default; vrrp.realtimePriority: 0 turns it off)' : ''}`);
    } catch (err) {
      const hint = plan.defaulted ? ' (default; needs CAP_SYS_NICE or RLIMIT_RTPRIO; adverts may be late under load; vrrp.realtimePriority: 0 silences this)' : '';
      this.log.warn({ err, priority: rt }, `could not switch the VRRP event loop to ${rt > 0 ? `SCHED_RR ${rt}` : 'SCHED_OTHER'}${hint}`);
    }
    return plan;
  }
}
