import type { GenericEvent } from '@hacore/core';
import type { Command, NotifyConfig } from './config.js';

/** What one event asks for: commands run in order under one serial key, and a FIFO line. */
export interface Job {
  /** Serial key: events of one key are handled in arrival order. */
  key: string;
  /** Label for logs and status, e.g. `INSTANCE VI_1 notifyMaster`. */
  commands: { label: string; argv: string[]; command: Command }[];
  /** keepalived notify_fifo line, without the newline. */
  fifoLine?: string;
  event: GenericEvent;
}

// The fields this notifier reads of the VRRP and IPVS plugins' events (keepalived's
// notify conventions), written structurally: the notifier depends on neither plugin.
type VrrpStateName = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';
type KnownEvent =
  | { kind: 'vrrp-transition'; instance: string; to: VrrpStateName; priority: number }
  | { kind: 'vrrp-group-transition'; group: string; to: VrrpStateName }
  | { kind: 'real-server'; virtualServer: string; realServer: string; up: boolean }
  | { kind: 'quorum'; virtualServer: string; up: boolean }
  | { kind: 'target-state'; check: string; to: 'up' | 'down'; weight?: number };

const VRRP_SCRIPT = { MASTER: 'notifyMaster', BACKUP: 'notifyBackup', FAULT: 'notifyFault', STOP: 'notifyStop' } as const;

function pick<T>(map: Record<string, T>, name: string): T | undefined {
  return Object.hasOwn(map, name) ? map[name] : map['*'];
}

/**
 * Maps an event to the scripts keepalived would run for it, in keepalived's
 * order: the state's own script, then the generic `notify` with its four extra
 * arguments, then the FIFO line. Unknown kinds and INIT give nothing.
 */
export function jobFor(generic: GenericEvent, cfg: NotifyConfig): Job | undefined {
  const job = keepalivedJob(generic, cfg);
  const own = Object.hasOwn(cfg.events, generic.kind) ? cfg.events[generic.kind] : undefined;
  if (!own) return job;
  const extra = { label: `EVENT ${generic.kind}`, argv: [...own.argv], command: own };
  return job ? { ...job, commands: [...job.commands, extra] } : { key: `EVENT/${generic.kind}`, commands: [extra], event: generic };
}

function keepalivedJob(generic: GenericEvent, cfg: NotifyConfig): Job | undefined {
  const commands: Job['commands'] = [];
  const add = (label: string, c: Command | undefined, extra: string[] = []): void => {
    if (c) commands.push({ label, argv: [...c.argv, ...extra], command: c });
  };
  const event = generic as unknown as KnownEvent;
  switch (event.kind) {
    case 'vrrp-transition':
    case 'vrrp-group-transition': {
      if (event.to === 'INIT') return undefined;
      const isGroup = event.kind === 'vrrp-group-transition';
      const type = isGroup ? 'GROUP' : 'INSTANCE';
      const name = isGroup ? event.group : event.instance;
      // keepalived passes 0 as the priority of a group.
      const prio = String(isGroup ? 0 : event.priority);
      const set = pick(isGroup ? cfg.groups : cfg.instances, name);
      const which = VRRP_SCRIPT[event.to];
      add(`${type} ${name} ${which}`, set?.[which]);
      add(`${type} ${name} notify`, set?.notify, [type, name, event.to, prio]);
      return { key: `${type}/${name}`, commands, fifoLine: `${type} "${name}" ${event.to} ${prio}`, event: generic };
    }
    case 'real-server': {
      const vs = pick(cfg.virtualServers, event.virtualServer);
      const rs = vs?.realServers ? pick(vs.realServers, event.realServer) : undefined;
      const state = event.up ? 'UP' : 'DOWN';
      add(`RS ${event.realServer} ${event.virtualServer} ${event.up ? 'notifyUp' : 'notifyDown'}`, event.up ? rs?.notifyUp : rs?.notifyDown);
      // Keyed by virtual server, like quorum events: a real server going down and the quorum
      // loss it causes reach the scripts in that order.
      return { key: `VS/${event.virtualServer}`, commands, fifoLine: `RS ${event.realServer} ${event.virtualServer} ${state}`, event: generic };
    }
    case 'quorum': {
      const vs = pick(cfg.virtualServers, event.virtualServer);
      add(`VS ${event.virtualServer} ${event.up ? 'quorumUp' : 'quorumDown'}`, event.up ? vs?.quorumUp : vs?.quorumDown);
      return { key: `VS/${event.virtualServer}`, commands, fifoLine: `VS ${event.virtualServer} ${event.up ? 'UP' : 'DOWN'}`, event: generic };
    }
    case 'target-state': {
      const set = pick(cfg.checks, event.check);
      const state = event.to === 'up' ? 'UP' : 'DOWN';
      add(`CHECK ${event.check} ${event.to === 'up' ? 'notifyUp' : 'notifyDown'}`, event.to === 'up' ? set?.notifyUp : set?.notifyDown);
      add(`CHECK ${event.check} notify`, set?.notify, ['CHECK', event.check, state, String(event.weight ?? 0)]);
      return { key: `CHECK/${event.check}`, commands, fifoLine: `CHECK "${event.check}" ${state} ${event.weight ?? 0}`, event: generic };
    }
    default:
      return undefined;
  }
}

/** Environment of every script: a fixed PATH and the event, so scripts need not parse arguments. */
export function scriptEnv(event: GenericEvent): Record<string, string> {
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C',
    HACORE_EVENT_KIND: event.kind,
    HACORE_EVENT: JSON.stringify(event),
  };
}
