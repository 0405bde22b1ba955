import { accessSync, constants, readFileSync } from 'node:fs';
import { definePlugin, ConfigError, defineCheckType, schema as s, type ConfigIssue } from '@hacore/core';
import { SmtpChecker, type SmtpCheckOptions } from './smtp-checker.js';

export { SmtpChecker, type SmtpCheckOptions, type SmtpCheckSpec, type SmtpStep } from './smtp-checker.js';
export { SmtpReplyReader, ehloKeywords, isReplyError, type SmtpReply, type SmtpReplyError } from './smtp-reply.js';

const PLUGIN_NAME = '@hacore/checker-smtp';

const readableFile = s.transform(s.string({ minLength: 1 }), (file, ctx, path) => {
  try {
    accessSync(file, constants.R_OK);
    return file;
  } catch (err) {
    return s.fail(ctx, path, `a readable file (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, file);
  }
});

// RFC 5321 4.1.1.1: a domain name or an address literal such as [198.51.100.1].
const HELO_NAME = s.string({ pattern: /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|\[[0-9A-Fa-f:.]+\]|\[IPv6:[0-9A-Fa-f:.]+\])$/, patternText: 'a domain name or an address literal like [198.51.100.1] (RFC 5321)' });

/** Options of a `type: smtp` check, on top of the common check fields. */
export const smtpCheckOptions = s.object({
  address: s.ip().describe('Address of the mail server (IPv4 or IPv6; keepalived connect_ip).'),
  port: s.optional(s.port(), 25).describe('Port (keepalived connect_port). Default 25.'),
  heloName: s.optional(HELO_NAME).describe('Name sent with EHLO / HELO (keepalived helo_name). Default: this host\'s name.'),
  connectTimeout: s.optional(s.duration({ min: 1 })).describe('Connect timeout (keepalived connect_timeout). Default: the check timeout.'),
  sourceAddress: s.optional(s.ip()).describe('Local address to connect from (keepalived bindto).'),
  starttls: s.optional(s.boolean(), false).describe('Upgrade with STARTTLS after EHLO, verify the certificate, EHLO again over TLS (keepalived has no STARTTLS). Default false.'),
  tlsVerify: s.optional(s.boolean(), true).describe('With starttls: verify the certificate chain and name. Default true.'),
  ca: s.optional(readableFile).describe('With starttls: PEM file of the CA(s) to trust instead of the system store.'),
  servername: s.optional(s.string({ pattern: /^[^\s/]{1,253}$/, patternText: 'a host name or address' })).describe('With starttls: the name the certificate must carry, also sent as SNI when a host name. Default: the address.'),
  maxReplyBytes: s.optional(s.integer({ min: 512, max: 1_048_576 }), 16_384).describe('Bytes of one reply read at most (a multi-line EHLO reply included). Default 16384.'),
});

/** Rules spanning fields: the TLS options only mean something with starttls. Paths relative to the check. */
export function smtpCrossFieldIssues(spec: Partial<SmtpCheckOptions>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (!spec.starttls) {
    for (const k of ['ca', 'servername'] as const) {
      if (spec[k] !== undefined) issues.push({ path: k, expected: `no ${k} unless starttls: true`, found: JSON.stringify(spec[k]) });
    }
    if (spec.tlsVerify === false) issues.push({ path: 'tlsVerify', expected: 'no tlsVerify unless starttls: true', found: 'false' });
  }
  return issues;
}

/** keepalived's SMTP_CHECK as a hacore plugin: `type: smtp`. */
export const SmtpCheckerPlugin = definePlugin({
  packageUrl: import.meta.url,
  roles: ['check'],
  apply(core) {
    defineCheckType(core, PLUGIN_NAME, 'smtp', smtpCheckOptions, (spec) => new SmtpChecker(spec));
    // Checked while the core validates the file, before anything starts.
    core.hooks.collectChecks.tap(PLUGIN_NAME, (checks) => {
      const issues: ConfigIssue[] = [];
      checks.forEach((c, i) => {
        if (c.type !== 'smtp') return;
        for (const issue of smtpCrossFieldIssues(c as unknown as SmtpCheckOptions)) issues.push({ ...issue, path: `checks[${i}].${issue.path}` });
      });
      if (issues.length > 0) throw new ConfigError(undefined, issues);
      return checks;
    });
  },
});

export default SmtpCheckerPlugin;
