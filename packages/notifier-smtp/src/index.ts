import os from 'node:os';
import { undeclaredEventKinds, type HacoreCore, type HacorePlugin, type Logger, readOwnPackage } from '@hacore/core';
import { backoffDelay, type BackoffPolicy } from '@hacore/core/backoff';
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { smtpSchema, type SmtpConfig } from './config.js';
import { formatMail, type MailText } from './message.js';

export { smtpSchema, parseServer, type SmtpConfig } from './config.js';
export { formatMail, type MailText } from './message.js';

export const PLUGIN_NAME = '@hacore/notifier-smtp';

/** nodemailer, loaded only in the supervisor, where the plugin runs. */
let mailer: typeof import('nodemailer') | undefined;

const RETRY_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000, jitter: true };
/** Name, version and API range from this package's own package.json (the header definePlugin reads). */
const pkg = readOwnPackage(import.meta.url);

/** The `smtp` section of the status document. */
export interface SmtpStatus {
  server: string;
  delivered: number;
  failed: number;
  dropped: number;
  retries: number;
  queued: number;
  lastError?: string;
  lastSuccessAt?: number;
}

/** Whether an SMTP failure may pass if tried again: no connection, a timeout, or a 4xx reply. */
function transient(err: unknown): boolean {
  const e = err as { responseCode?: number; code?: string };
  if (typeof e.responseCode === 'number') return e.responseCode >= 400 && e.responseCode < 500;
  return true;
}

/** Mail on state changes, as keepalived's smtp_alert (section `smtp`). */
export class NotifierSmtpPlugin implements HacorePlugin {
  readonly name = PLUGIN_NAME;
  readonly version = pkg.version;
  readonly hacore = pkg.hacore;
  readonly roles = ['main'] as const;

  private cfg: SmtpConfig | undefined;
  private transport: Transporter<SMTPTransport.SentMessageInfo> | undefined;
  private readonly queue: MailText[] = [];
  private sending = false;
  private stopped = false;
  private stats: SmtpStatus | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Ends the retry backoff in progress, if any (at stop). */
  private wake: (() => void) | undefined;

  async loadRuntime(): Promise<void> {
    mailer ??= (await import('nodemailer')).default;
  }

  apply(core: HacoreCore): void {
    core.registerSection('smtp', smtpSchema, { roles: ['main'] });
    const log = core.logger.child({ plugin: PLUGIN_NAME });
    const host = os.hostname();

    const configure = (cfg: SmtpConfig | undefined): void => {
      this.transport?.close();
      this.transport = undefined;
      this.cfg = cfg;
      if (!cfg) return;
      if (!mailer) throw new Error(`${PLUGIN_NAME}: loadRuntime() was not awaited before the transport was made`);
      const t = cfg.tls;
      this.transport = mailer.createTransport({
        host: cfg.smtpServer.host,
        port: cfg.smtpServer.port,
        secure: t === 'implicit',
        requireTLS: t === 'required',
        ignoreTLS: t === 'none',
        name: cfg.smtpHeloName ?? host,
        connectionTimeout: cfg.smtpConnectTimeout,
        greetingTimeout: cfg.smtpConnectTimeout,
        socketTimeout: cfg.smtpConnectTimeout,
        ...(cfg.auth ? { auth: { user: cfg.auth.user, pass: cfg.auth.pass } } : {}),
      });
      const server = `${cfg.smtpServer.host}:${cfg.smtpServer.port}`;
      this.stats = { server, delivered: this.stats?.delivered ?? 0, failed: this.stats?.failed ?? 0, dropped: this.stats?.dropped ?? 0, retries: this.stats?.retries ?? 0, queued: 0 };
    };

    // Stage -100: ready before other plugins' start taps, which may already emit events.
    core.hooks.start.tap({ name: PLUGIN_NAME, stage: -100 }, (config) => configure(config.smtp as SmtpConfig | undefined));
    core.hooks.reload.tap(PLUGIN_NAME, (diff) => {
      if (diff.sections.includes('smtp')) configure(diff.next.smtp as SmtpConfig | undefined);
    });

    // Formats and queues; the sending happens outside the event stream.
    core.hooks.validate.tap(PLUGIN_NAME, (config, issues) => {
      issues.push(...undeclaredEventKinds(core.events, (config.smtp as SmtpConfig | undefined)?.events, 'smtp.events'));
    });

    core.hooks.event.tap(PLUGIN_NAME, (ev) => {
      const cfg = this.cfg;
      if (!cfg || this.stopped) return;
      if (cfg.events ? !cfg.events.includes(ev.kind) : !core.events.get(ev.kind)?.replayKey) return;
      const mail = formatMail(ev, core.events, cfg.subjectPrefix ?? host, host);
      if (!mail) return;
      this.queue.push(mail);
      while (this.queue.length > cfg.maxQueue) {
        this.queue.shift();
        this.stats!.dropped++;
      }
      if (!this.sending) void this.drain(log, host);
    });

    // Stage 100: after the other plugins' shutdown taps, which may still emit events (VRRP STOP).
    core.hooks.shutdown.tapPromise({ name: PLUGIN_NAME, stage: 100 }, async () => {
      // The mails of the stop itself (VRRP "Stopping") are queued by now: they get
      // shutdownGrace to go out; what is left after that is dropped.
      const grace = this.cfg?.shutdownGrace ?? 0;
      if (this.sending && grace > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([new Promise<void>((r) => this.idleWaiters.push(r)), new Promise<void>((r) => (timer = setTimeout(r, grace)))]);
        clearTimeout(timer);
      }
      this.stopped = true;
      this.queue.length = 0;
      this.wake?.();
      this.transport?.close();
    });

    core.hooks.status.tap(PLUGIN_NAME, (doc) => (this.stats ? { ...doc, smtp: { ...this.stats, queued: this.queue.length } } : doc));
  }

  private async drain(log: Logger, host: string): Promise<void> {
    this.sending = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const mail = this.queue.shift()!;
        await this.send(mail, log, host);
      }
    } finally {
      this.sending = false;
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of w) r();
    }
  }

  /** Waits `ms`, or less if the plugin stops meanwhile: no timer outlives the daemon. */
  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async send(mail: MailText, log: Logger, host: string): Promise<void> {
    const cfg = this.cfg;
    const transport = this.transport;
    const stats = this.stats;
    if (!cfg || !transport || !stats) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await transport.sendMail({
          from: cfg.notificationEmailFrom ?? `hacore@${host}`,
          to: cfg.notificationEmail,
          subject: mail.subject,
          text: mail.text,
          headers: { 'X-Mailer': `hacore-notifier-smtp/${pkg.version}` },
        });
        stats.delivered++;
        stats.lastSuccessAt = Date.now();
        log.info({ subject: mail.subject, to: cfg.notificationEmail }, 'alert mail sent');
        return;
      } catch (err) {
        stats.lastError = (err as Error).message;
        if (attempt >= cfg.retries || !transient(err) || this.stopped) {
          stats.failed++;
          log.warn({ err, subject: mail.subject, server: stats.server }, 'alert mail not sent');
          return;
        }
        stats.retries++;
        await this.backoff(backoffDelay(attempt, RETRY_BACKOFF));
        if (this.stopped) return;
      }
    }
  }
}

export default NotifierSmtpPlugin;
