import { setPriority } from 'node:os';
import type { Logger } from '@hacore/core';
import type { VrrpSectionConfig } from './config-schema.js';
import { nativeBinding } from './link-native.js';

/**
 * Adverts must leave on time whatever else the machine does: optionally a
 * lower nice value (keepalived's vrrp_priority) or SCHED_RR (vrrp_rt_priority)
 * with RLIMIT_RTTIME as a safety net. Both are off by default, as in keepalived.
 */
export function applyScheduling(section: VrrpSectionConfig, log: Logger): void {
  const nice = section.nice;
  if (nice !== undefined) {
    try {
      setPriority(nice);
    } catch (err) {
      log.warn({ err, nice }, 'could not change the process priority (needs CAP_SYS_NICE to raise it)');
    }
  }
  if (section.realtimePriority !== undefined) {
    try {
      nativeBinding().setRealtime(section.realtimePriority, 2_000_000);
      log.info({ priority: section.realtimePriority }, 'VRRP event loop runs SCHED_RR');
    } catch (err) {
      log.warn({ err }, 'could not switch to realtime scheduling');
    }
  }
}
