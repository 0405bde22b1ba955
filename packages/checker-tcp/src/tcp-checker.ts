import net from 'node:net';
import type { CheckResult, Checker, CheckSpec } from '@hacore/core';

export interface TcpCheckOptions {
  /** Connect timeout; the check's `timeout` bounds the whole probe. */
  connectTimeout?: number;
  /** Local address to connect from. */
  sourceAddress?: string;
  /** Bytes to send once connected (a request or a command). */
  send?: string;
  /** Expected reply: a prefix, or a regular expression when written `/.../flags`. */
  expect?: string;
  /** Bytes of reply read at most while looking for `expect`. */
  maxReplyBytes: number;
}

export type TcpCheckSpec = CheckSpec<TcpCheckOptions>;

/** Parses `expect`: `/re/flags` is a regular expression, anything else a prefix. */
export function compileExpect(expect: string): (reply: string) => boolean {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(expect);
  if (m) {
    const re = new RegExp(m[1]!, m[2]);
    return (reply) => re.test(reply);
  }
  return (reply) => reply.startsWith(expect);
}

/** keepalived's TCP_CHECK: a connect, optionally a send and an expected reply. */
export class TcpChecker implements Checker {
  private readonly matches: ((reply: string) => boolean) | undefined;

  constructor(private readonly spec: TcpCheckSpec) {
    this.matches = spec.expect !== undefined ? compileExpect(spec.expect) : undefined;
  }

  probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    const { address, port } = this.spec.target;
    return new Promise<CheckResult>((resolve) => {
      let settled = false;
      let reply = '';
      const socket = net.connect({
        host: address,
        port: port ?? 0,
        ...(this.spec.sourceAddress ? { localAddress: this.spec.sourceAddress } : {}),
      });
      const connectTimer = this.spec.connectTimeout
        ? setTimeout(() => finish(false, 'connect timeout'), this.spec.connectTimeout)
        : undefined;
      const onAbort = (): void => finish(false, 'timeout');
      function finish(ok: boolean, reason: string): void {
        if (settled) return;
        settled = true;
        clearTimeout(connectTimer);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({ ok, reason, latencyMs: Math.round((performance.now() - started) * 1000) / 1000 });
      }
      if (signal.aborted) return finish(false, 'timeout');
      signal.addEventListener('abort', onAbort, { once: true });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        if (!this.matches) return finish(true, 'connected');
        if (this.spec.send !== undefined) socket.write(this.spec.send);
      });
      socket.on('data', (chunk: Buffer) => {
        reply += chunk.toString('latin1');
        if (this.matches!(reply)) return finish(true, 'expect matched');
        if (reply.length >= this.spec.maxReplyBytes) finish(false, 'expect not matched');
      });
      socket.once('end', () => finish(false, reply.length ? 'expect not matched' : 'closed before reply'));
      socket.once('error', (err: NodeJS.ErrnoException) => finish(false, err.code ?? err.message));
    });
  }
}
