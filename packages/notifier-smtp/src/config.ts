import { schema as s, type Infer } from '@hacore/core';


/** `host`, `host:port`, `[v6]:port` (keepalived smtp_server writes the port after a space: accepted too). */
export function parseServer(v: string): { host: string; port: number } | undefined {
  const t = v.trim();
  const m = /^(?:\[([^\]]+)\]|([^\s:[\]]+))(?:[:\s]+(\d{1,5}))?$/.exec(t) ?? /^([0-9a-fA-F:]+:[0-9a-fA-F:]*)()$/.exec(t);
  if (!m) return undefined;
  const host = m[1] || m[2];
  const port = m[3] ? Number(m[3]) : 25;
  if (!host || port < 1 || port > 65535) return undefined;
  return { host, port };
}

const email = s.string({ pattern: /^[^\s@<>]+@[^\s@<>]+$/, patternText: 'an e-mail address such as ops@example.com' });

const server = s.transform(s.string({ minLength: 1 }), (v, ctx, path) => parseServer(v) ?? s.fail(ctx, path, 'host[:port], e.g. smtp.example.com:25', v), 'host[:port], e.g. smtp.example.com:25');

export const smtpSchema = s.object({
  notificationEmail: s.array(email, { minItems: 1, single: true }).describe('Recipients (keepalived notification_email).'),
  notificationEmailFrom: s.optional(email).describe('Sender (keepalived notification_email_from). Default: hacore@<host name>.'),
  smtpServer: server.describe('SMTP server as host[:port], default port 25 (keepalived smtp_server).'),
  smtpConnectTimeout: s.optional(s.duration({ min: 1 }), 30_000).describe('Connection timeout (keepalived smtp_connect_timeout). Default 30s.'),
  smtpHeloName: s.optional(s.string({ minLength: 1 })).describe('Name sent in EHLO/HELO (keepalived smtp_helo_name). Default: the host name.'),
  tls: s.optional(s.enumOf(['opportunistic', 'required', 'none', 'implicit'] as const), 'opportunistic').describe('STARTTLS when offered (opportunistic), always (required), never (none), or TLS from the first byte (implicit, port 465). Default opportunistic.'),
  auth: s.optional(s.object({ user: s.string({ minLength: 1 }), pass: s.string() })).describe('SMTP AUTH credentials, if the server wants them.'),
  events: s.optional(s.array(s.string({ minLength: 1 }), { minItems: 1 })).describe('Event kinds that send mail (keepalived smtp_alert), any kind the core or a loaded plugin declares (checked by check-config). Default: every state change, that is every declared kind with a replay key (VRRP instances and groups, real servers, quorum, checks, and third-party state kinds).'),
  subjectPrefix: s.optional(s.string()).describe('Text in brackets at the start of the subject (keepalived uses router_id). Default: the host name.'),
  retries: s.optional(s.integer({ min: 0, max: 10 }), 2).describe('Attempts after the first when the server cannot be reached or answers 4xx. Default 2.'),
  shutdownGrace: s.optional(s.duration({ min: 0 }), 5000).describe('At stop, time allowed to send the mails still queued (the "Stopping" ones included). Default 5s.'),
  maxQueue: s.optional(s.integer({ min: 1, max: 10_000 }), 100).describe('Mails waiting; past that the oldest is dropped and counted. Default 100.'),
});

export type SmtpConfig = Infer<typeof smtpSchema>;
