/**
 * Sync groups (keepalived vrrp_sync_group): instances that fail over together.
 *
 * - a member entering Fault on its own puts every other member in Fault
 *   (each sends priority 0 if it was Master, so the peer group takes over);
 * - when no member has a fault of its own any more, the others leave Fault
 *   for Backup and the election runs again;
 * - a member leaving Master for Backup (a better router appeared) takes the
 *   other Masters to Backup;
 * - a member becoming Master takes the other Backups to Master at once.
 * Moves caused by the group are not propagated again, so one change never loops.
 */
import type { VrrpStateName } from './state-machine-types.js';
import type { TransitionInfo, VrrpInstance } from './instance.js';

export type GroupState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT';

/** The group's state from its members': Fault if any, Master if all, else Backup (INIT while starting). */
export function groupStateOf(states: readonly VrrpStateName[]): GroupState {
  if (states.some((s) => s === 'FAULT')) return 'FAULT';
  if (states.length > 0 && states.every((s) => s === 'MASTER')) return 'MASTER';
  if (states.some((s) => s === 'INIT')) return 'INIT';
  return 'BACKUP';
}

export class SyncGroup {
  private propagating = false;
  private state: GroupState;

  constructor(
    readonly name: string,
    readonly members: VrrpInstance[],
    private readonly onGroupTransition: (group: SyncGroup, from: GroupState, to: GroupState, reason: string) => void,
  ) {
    // A reload rebuilds the groups around members that keep running: start from
    // where they are, not from INIT (which status would show until the next move).
    this.state = groupStateOf(members.map((m) => m.state));
  }

  get current(): GroupState {
    return this.state;
  }

  /** Called by the plugin after each member transition. */
  memberTransition(member: VrrpInstance, t: TransitionInfo): void {
    if (!this.propagating && t.to !== 'INIT') {
      this.propagating = true;
      try {
        this.propagate(member, t);
      } finally {
        this.propagating = false;
      }
    }
    const next = groupStateOf(this.members.map((m) => m.state));
    if (next !== this.state) {
      const from = this.state;
      this.state = next;
      this.onGroupTransition(this, from, next, `${member.name}: ${t.reason}`);
    }
  }

  /**
   * A member's own fault cleared. If it left Fault, propagate() has already done the
   * rest; if the group still holds it in Fault (its link came back after a peer's, whose
   * return the group refused while this one was still down), nothing else will release
   * it: once no member has a fault of its own, every member held in Fault goes Backup.
   */
  memberFaultCleared(member: VrrpInstance): void {
    if (this.members.some((m) => m.ownFault)) return;
    for (const m of this.members) if (m.state === 'FAULT') m.force('BACKUP', `${member.name} fault cleared`);
  }

  private propagate(member: VrrpInstance, t: TransitionInfo): void {
    const others = this.members.filter((m) => m !== member);
    if (t.to === 'FAULT' && member.ownFault) {
      for (const m of others) if (m.state !== 'INIT') m.force('FAULT', `${member.name} fault`);
      return;
    }
    if (t.from === 'FAULT' && t.to !== 'FAULT') {
      if (this.members.some((m) => m.ownFault)) {
        // Another member still has its own fault: this one goes back with the group.
        member.force('FAULT', 'group fault');
        return;
      }
      for (const m of others) if (m.state === 'FAULT') m.force('BACKUP', `${member.name} fault cleared`);
      return;
    }
    if (t.from === 'MASTER' && t.to === 'BACKUP') {
      for (const m of others) if (m.state === 'MASTER') m.force('BACKUP', `${member.name} became Backup`);
      return;
    }
    if (t.to === 'MASTER') {
      for (const m of others) if (m.state === 'BACKUP') m.takeOverNow(`${member.name} became Master`);
    }
  }
}
