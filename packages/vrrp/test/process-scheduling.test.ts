import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_REALTIME_PRIORITY, policyFromStat, schedulingPlan } from '../src/process-scheduling.js';

const apart = { sharesThreadWithChecks: false, inheritedRealtime: false };

describe('schedulingPlan', () => {
  it('gives the vrrp process SCHED_RR 1 by default, and leaves nice alone', () => {
    assert.equal(DEFAULT_REALTIME_PRIORITY, 1);
    assert.deepEqual(schedulingPlan({}, apart), { realtimePriority: 1, nice: undefined, defaulted: true });
  });

  it("takes the operator's realtimePriority, 0 meaning SCHED_OTHER", () => {
    assert.deepEqual(schedulingPlan({ realtimePriority: 50 }, apart), { realtimePriority: 50, nice: undefined, defaulted: false });
    assert.deepEqual(schedulingPlan({ realtimePriority: 0, nice: -10 }, apart), { realtimePriority: 0, nice: -10, defaulted: false });
  });

  it('keeps the real-time default beside an explicit nice (the two keys are independent)', () => {
    assert.deepEqual(schedulingPlan({ nice: -10 }, apart), { realtimePriority: 1, nice: -10, defaulted: true });
  });

  it('never defaults to real-time when the checks share the thread (--single-process)', () => {
    assert.deepEqual(schedulingPlan({}, { sharesThreadWithChecks: true, inheritedRealtime: false }), { realtimePriority: undefined, nice: undefined, defaulted: false });
    // An explicit setting still applies there, as documented.
    assert.equal(schedulingPlan({ realtimePriority: 10 }, { sharesThreadWithChecks: true, inheritedRealtime: false }).realtimePriority, 10);
  });

  it('leaves a policy set from outside (chrt, systemd) alone unless the config names one', () => {
    assert.equal(schedulingPlan({}, { sharesThreadWithChecks: false, inheritedRealtime: true }).realtimePriority, undefined);
    assert.equal(schedulingPlan({ realtimePriority: 0 }, { sharesThreadWithChecks: false, inheritedRealtime: true }).realtimePriority, 0);
  });
});

describe('policyFromStat', () => {
  // /proc/PID/stat of a SCHED_RR 1 thread (field 40 rt_priority, 41 policy) whose comm holds a space and a ')'.
  const statOf = (policy: number): string => {
    const fields = Array.from({ length: 50 }, () => '0');
    fields[0] = 'S';
    fields[37] = '1';
    fields[38] = String(policy);
    return `4242 (node x)) ${fields.join(' ')}\n`;
  };
  it('reads the policy field after the last parenthesis', () => {
    assert.equal(policyFromStat(statOf(2)), 2);
    assert.equal(policyFromStat(statOf(0)), 0);
    assert.equal(policyFromStat(readFileSync('/proc/self/stat', 'utf8')), 0);
    assert.equal(policyFromStat('garbage'), undefined);
  });
});
