import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TransitionInfo, VrrpInstance } from '../src/instance.js';
import type { VrrpStateName } from '../src/state-machine-types.js';
import { SyncGroup, groupStateOf, type GroupState } from '../src/sync-group.js';

/**
 * A member with the surface SyncGroup uses. Like VrrpInstance it reports its
 * transitions to the group synchronously, so moves the group causes reach it too.
 */
class FakeMember {
  state: VrrpStateName = 'BACKUP';
  ownFault = false;
  group!: SyncGroup;
  readonly log: string[] = [];
  constructor(readonly name: string) {}

  move(to: VrrpStateName, reason: string): void {
    const t: TransitionInfo = { from: this.state, to, reason, priority: 100 };
    this.state = to;
    this.group.memberTransition(this as unknown as VrrpInstance, t);
  }

  force(state: 'BACKUP' | 'FAULT', reason: string): void {
    this.log.push(`force ${state}: ${reason}`);
    if (state === 'FAULT' && this.state !== 'FAULT') this.move('FAULT', `sync-group: ${reason}`);
    if (state === 'BACKUP' && this.state !== 'BACKUP' && !this.ownFault) this.move('BACKUP', `sync-group: ${reason}`);
  }

  takeOverNow(reason: string): void {
    this.log.push(`takeover: ${reason}`);
    if (this.state === 'BACKUP') this.move('MASTER', `sync-group: ${reason}`);
  }
}

function setup(n = 2): { members: FakeMember[]; group: SyncGroup; groupLog: [GroupState, GroupState][] } {
  const members = Array.from({ length: n }, (_, i) => new FakeMember(`VI_${i + 1}`));
  const groupLog: [GroupState, GroupState][] = [];
  const group = new SyncGroup('G', members as unknown as VrrpInstance[], (_g, from, to) => groupLog.push([from, to]));
  for (const m of members) m.group = group;
  return { members, group, groupLog };
}

describe('sync groups', () => {
  it('groupStateOf: Fault if any, Master if all, Backup otherwise', () => {
    assert.equal(groupStateOf(['MASTER', 'MASTER']), 'MASTER');
    assert.equal(groupStateOf(['MASTER', 'BACKUP']), 'BACKUP');
    assert.equal(groupStateOf(['MASTER', 'FAULT']), 'FAULT');
    assert.equal(groupStateOf(['INIT', 'BACKUP']), 'INIT');
  });

  it('a group rebuilt around running members (reload) starts from their states', () => {
    const members = [new FakeMember('VI_1'), new FakeMember('VI_2')];
    for (const m of members) m.state = 'MASTER';
    const group = new SyncGroup('G', members as unknown as VrrpInstance[], () => {});
    assert.equal(group.current, 'MASTER');
  });

  it('both members lose their link and get it back one after the other: the group leaves Fault (found by the soak)', () => {
    const { members, group } = setup(2);
    const [a, b] = members as [FakeMember, FakeMember];
    a.move('MASTER', 'master-down');
    // eth0 down: a sees it first and the group forces b; then b's own fault is set too.
    a.ownFault = true;
    a.move('FAULT', 'fault: interface eth0 down');
    b.ownFault = true;
    assert.deepEqual(members.map((m) => m.state), ['FAULT', 'FAULT']);
    // eth0 up: a's fault clears first, while b still has its own; the group holds a in Fault.
    a.ownFault = false;
    a.move('BACKUP', 'fault-cleared: tracking');
    group.memberFaultCleared(a as unknown as VrrpInstance);
    assert.deepEqual(members.map((m) => m.state), ['FAULT', 'FAULT']);
    assert.equal(a.log.at(-1), 'force FAULT: group fault');
    // b's clears: b is still held by the group, so it makes no transition of its own.
    b.ownFault = false;
    group.memberFaultCleared(b as unknown as VrrpInstance);
    assert.deepEqual(members.map((m) => m.state), ['BACKUP', 'BACKUP']);
    assert.equal(group.current, 'BACKUP');
  });

  it('one member becoming Master takes the Backups with it', () => {
    const { members, group, groupLog } = setup(3);
    members[0]!.move('MASTER', 'master-down');
    assert.deepEqual(members.map((m) => m.state), ['MASTER', 'MASTER', 'MASTER']);
    assert.deepEqual(members[1]!.log, ['takeover: VI_1 became Master']);
    assert.equal(group.current, 'MASTER');
    assert.deepEqual(groupLog.at(-1), ['BACKUP', 'MASTER']);
  });

  it('one member in Fault puts the others in Fault; recovery brings them back to Backup', () => {
    const { members, group } = setup(2);
    members[0]!.move('MASTER', 'master-down');
    members[0]!.ownFault = true;
    members[0]!.move('FAULT', 'fault: interface eth0 down');
    assert.deepEqual(members.map((m) => m.state), ['FAULT', 'FAULT']);
    assert.deepEqual(members[1]!.log.at(-1), 'force FAULT: VI_1 fault');
    assert.equal(group.current, 'FAULT');
    members[0]!.ownFault = false;
    members[0]!.move('BACKUP', 'fault-cleared');
    assert.deepEqual(members.map((m) => m.state), ['BACKUP', 'BACKUP']);
    assert.equal(group.current, 'BACKUP');
  });

  it('a member leaving Fault while another still has its own fault goes back to Fault', () => {
    const { members } = setup(2);
    members[1]!.ownFault = true;
    members[1]!.move('FAULT', 'fault: eth1 down');
    assert.equal(members[0]!.state, 'FAULT');
    members[0]!.move('BACKUP', 'fault-cleared');
    assert.equal(members[0]!.state, 'FAULT');
    assert.equal(members[0]!.log.at(-1), 'force FAULT: group fault');
  });

  it('a Master going Backup takes the other Masters to Backup', () => {
    const { members } = setup(2);
    members[0]!.move('MASTER', 'master-down');
    assert.deepEqual(members.map((m) => m.state), ['MASTER', 'MASTER']);
    members[1]!.move('BACKUP', 'higher-priority');
    assert.deepEqual(members.map((m) => m.state), ['BACKUP', 'BACKUP']);
    assert.equal(members[0]!.log.at(-1), 'force BACKUP: VI_2 became Backup');
  });

  it('moves caused by the group are not propagated again', () => {
    const { members } = setup(3);
    members[0]!.move('MASTER', 'master-down');
    // Each other member was told exactly once.
    assert.equal(members[1]!.log.length, 1);
    assert.equal(members[2]!.log.length, 1);
  });
});
