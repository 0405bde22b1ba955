import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import type { CheckResult, Checker, CheckSpec } from '@hacore/core';
import { ehloKeywords, isReplyError, SmtpReplyReader, type SmtpReply } from './smtp-reply.js';

export interface SmtpCheckOptions {
  /** Name sent with EHLO/HELO (keepalived helo_name). Default: this host's name. */
  heloName?: string;
  /** Connect timeout; the check's `timeout` bounds the whole probe. */
  connectTimeout?: number;
  /** Local address to connect from (keepalived bindto). */
  sourceAddress?: string;
  /** Upgrade with STARTTLS after EHLO and say EHLO again over TLS. */
  starttls: boolean;
  /** Verify the certificate (chain and name) after STARTTLS. */
  tlsVerify: boolean;
  /** PEM file of the CA(s) to trust instead of the system store. */
  ca?: string;
  /** Name the certificate must carry (and SNI, when a host name). Default: the target address. */
  servername?: string;
  /** Bytes of one reply read at most. */
  maxReplyBytes: number;
}

export type SmtpCheckSpec = CheckSpec<SmtpCheckOptions>;

/** The steps of a probe, as they appear in failure reasons. */
export type SmtpStep = 'connect' | 'greeting' | 'ehlo' | 'helo' | 'starttls' | 'tls ehlo' | 'quit';

/** Replies to EHLO after which RFC 5321 4.1.4 / 3.2 has the client try HELO: the command is not known or not implemented. */
const EHLO_FALLBACK = new Set([500, 501, 502, 504, 550]);

/**
 * keepalived's SMTP_CHECK: read the 220 greeting, EHLO (HELO when EHLO is not
 * understood), optionally STARTTLS with certificate verification and EHLO again,
 * then QUIT. Never rejects; every socket is destroyed on every path.
 */
export class SmtpChecker implements Checker {
  private readonly heloName: string;
  /** One TLS context for every probe of this check (the CA parsed once). */
  private readonly secureContext: tls.SecureContext | undefined;
  /** Why the CA file could not be used (checked readable at validation; it may have gone or be no PEM). */
  private readonly caProblem: string | undefined;

  constructor(private readonly spec: SmtpCheckSpec) {
    this.heloName = spec.heloName ?? (os.hostname() || 'localhost');
    if (!spec.starttls) return;
    let ca: Buffer | undefined;
    try {
      ca = spec.ca !== undefined ? readFileSync(spec.ca) : undefined;
    } catch (err) {
      this.caProblem = `starttls: ca ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`;
      return;
    }
    try {
      this.secureContext = tls.createSecureContext(ca ? { ca } : {});
    } catch (err) {
      this.caProblem = `starttls: ca invalid (${(err as Error).message.slice(0, 80)})`;
    }
  }

  probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    const spec = this.spec;
    const { address } = spec.target;
    const port = spec.target.port ?? 25;
    const heloName = this.heloName;
    const secureContext = this.secureContext;
    if (this.caProblem !== undefined) return Promise.resolve({ ok: false, reason: this.caProblem, latencyMs: 0 });
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      let step: SmtpStep = 'connect';
      let greeted: 'ehlo' | 'helo' = 'ehlo';
      let tlsSocket: tls.TLSSocket | undefined;
      const reader = new SmtpReplyReader(spec.maxReplyBytes);
      const socket = net.connect({ host: address, port, ...(spec.sourceAddress ? { localAddress: spec.sourceAddress } : {}) });
      const connectTimer = spec.connectTimeout ? setTimeout(() => finish(false, 'connect timeout'), spec.connectTimeout) : undefined;
      const onAbort = (): void => finish(false, step === 'connect' ? 'timeout' : `timeout at ${step}`);

      function finish(ok: boolean, reason: string): void {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        signal.removeEventListener('abort', onAbort);
        tlsSocket?.destroy();
        socket.destroy();
        resolve({ ok, reason, latencyMs: Math.round((performance.now() - started) * 1000) / 1000 });
      }

      const send = (line: string): void => {
        (tlsSocket ?? socket).write(`${line}\r\n`);
      };

      const onReply = (reply: SmtpReply): void => {
        switch (step) {
          case 'greeting':
            if (reply.code !== 220) return finish(false, `greeting ${reply.code}`);
            step = 'ehlo';
            return send(`EHLO ${heloName}`);
          case 'ehlo':
            if (reply.code === 250) return afterEhlo(reply);
            if (EHLO_FALLBACK.has(reply.code) && !spec.starttls) {
              step = 'helo';
              greeted = 'helo';
              return send(`HELO ${heloName}`);
            }
            return finish(false, `ehlo ${reply.code}`);
          case 'helo':
            if (reply.code !== 250) return finish(false, `helo ${reply.code}`);
            return quit();
          case 'starttls':
            if (reply.code !== 220) return finish(false, `starttls ${reply.code}`);
            // Bytes sent after the 220 and before the handshake would be read as if
            // they came over TLS (the STARTTLS command-injection flaw): refuse them.
            if (reader.pending > 0) return finish(false, 'starttls: data before handshake');
            return upgrade();
          case 'tls ehlo':
            if (reply.code !== 250) return finish(false, `tls ehlo ${reply.code}`);
            return quit();
          case 'quit':
            // keepalived takes any answer to QUIT: the session worked up to here.
            return finish(true, okReason());
          default:
            return finish(false, `unexpected reply at ${step}`);
        }
      };

      const okReason = (): string => (tlsSocket ? 'ok starttls' : `ok ${greeted}`);

      const afterEhlo = (reply: SmtpReply): void => {
        if (!spec.starttls) return quit();
        if (!ehloKeywords(reply).has('STARTTLS')) return finish(false, 'starttls: not offered');
        step = 'starttls';
        send('STARTTLS');
      };

      const quit = (): void => {
        step = 'quit';
        send('QUIT');
      };

      const onData = (chunk: Buffer): void => {
        let r = reader.push(chunk.toString('latin1'));
        while (r !== undefined && !settled) {
          if (isReplyError(r)) return finish(false, `${r.error} at ${step}`);
          onReply(r);
          r = reader.next();
        }
      };

      const upgrade = (): void => {
        socket.off('data', onData);
        reader.reset();
        const servername = spec.servername ?? address;
        let t: tls.TLSSocket;
        try {
          t = tls.connect({
            socket,
            // Verified below, after the handshake, so that a certificate problem is
            // reported as such and nothing is sent over an unverified channel.
            rejectUnauthorized: false,
            ...(net.isIP(servername) === 0 ? { servername } : {}),
            ...(secureContext ? { secureContext } : {}),
            checkServerIdentity: (_host, cert) => tls.checkServerIdentity(servername, cert),
          });
        } catch (err) {
          return finish(false, `starttls: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        tlsSocket = t;
        t.once('secureConnect', () => {
          if (spec.tlsVerify && !t.authorized) return finish(false, `starttls: certificate ${String(t.authorizationError ?? 'not trusted')}`);
          step = 'tls ehlo';
          send(`EHLO ${heloName}`);
        });
        t.on('data', onData);
        t.once('end', onEnd);
        t.once('error', (err: NodeJS.ErrnoException) => finish(false, step === 'starttls' ? `starttls: ${err.code ?? err.message}` : `${err.code ?? err.message} at ${step}`));
      };

      const onEnd = (): void => {
        // A server may close at once after answering QUIT.
        if (step === 'quit') return finish(true, okReason());
        finish(false, `closed at ${step}`);
      };

      if (signal.aborted) return finish(false, 'timeout');
      signal.addEventListener('abort', onAbort, { once: true });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        step = 'greeting';
      });
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (tlsSocket) return; // the TLS socket reports it
        finish(false, step === 'connect' ? (err.code ?? err.message) : `${err.code ?? err.message} at ${step}`);
      });
    });
  }
}
