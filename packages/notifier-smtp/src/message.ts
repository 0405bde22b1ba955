import type { EventRegistry, GenericEvent } from '@hacore/core';

export interface MailText {
  subject: string;
  text: string;
}

/** keepalived-style subject and a plain-text body with the event's facts. */
export function formatMail(ev: GenericEvent, events: EventRegistry, prefix: string, host: string): MailText | undefined {
  const d = events.describe(ev);
  const l = { what: d.title, change: d.change, detail: d.detail };
  const facts = Object.entries(ev)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `  ${k}: ${k === 'time' ? new Date(v as number).toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return {
    subject: `[${prefix}] ${l.what} - ${l.change}`,
    text: [`${l.detail}`, '', `Host: ${host}`, `Event: ${ev.kind}`, ...facts, ''].join('\n'),
  };
}
