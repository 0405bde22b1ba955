import type { HacoreEvent } from '@hacore/core';

export interface MailText {
  subject: string;
  text: string;
}

function stateLine(ev: HacoreEvent): { what: string; change: string; detail: string } | undefined {
  switch (ev.kind) {
    case 'vrrp-transition': {
      const detail =
        ev.to === 'MASTER'
          ? '=> VRRP instance now owns its virtual addresses <='
          : ev.to === 'STOP'
            ? '=> VRRP instance stopping <='
            : '=> VRRP instance no longer owns its virtual addresses <=';
      return { what: `VRRP Instance ${ev.instance}`, change: ev.to === 'STOP' ? 'Stopping' : `Entering ${ev.to} state`, detail };
    }
    case 'vrrp-group-transition':
      return { what: `VRRP Group ${ev.group}`, change: ev.to === 'STOP' ? 'Stopping' : `Entering ${ev.to} state`, detail: `=> All VRRP group instances are now in ${ev.to} state <=` };
    case 'real-server':
      return { what: `Realserver ${ev.realServer} of virtual server ${ev.virtualServer}`, change: ev.up ? 'UP' : 'DOWN', detail: `=> CHECK ${ev.up ? 'succeeded' : 'failed'} on service: ${ev.reason} <=` };
    case 'quorum':
      return { what: `Virtual server ${ev.virtualServer}`, change: ev.up ? 'quorum UP' : 'quorum DOWN', detail: `=> live weight ${ev.liveWeight}, quorum ${ev.quorum} <=` };
    case 'target-state':
      return { what: `Check ${ev.check} (${ev.type} ${ev.target.address}${ev.target.port !== undefined ? `:${ev.target.port}` : ''})`, change: ev.to.toUpperCase(), detail: `=> ${ev.to === 'up' ? 'CHECK succeeded' : 'CHECK failed'}: ${ev.reason} <=` };
    case 'daemon':
      return { what: 'hacore', change: ev.what, detail: ev.detail ?? '' };
    case 'plugin-error':
      return { what: `Plugin ${ev.plugin}`, change: `error in ${ev.hook}`, detail: ev.message };
    default:
      return undefined;
  }
}

/** keepalived-style subject and a plain-text body with the event's facts. */
export function formatMail(ev: HacoreEvent, prefix: string, host: string): MailText | undefined {
  const l = stateLine(ev);
  if (!l) return undefined;
  const facts = Object.entries(ev)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `  ${k}: ${k === 'time' ? new Date(v as number).toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return {
    subject: `[${prefix}] ${l.what} - ${l.change}`,
    text: [`${l.detail}`, '', `Host: ${host}`, `Event: ${ev.kind}`, ...facts, ''].join('\n'),
  };
}
