import net from 'node:net';
import type { CheckResult, CheckSpec, Checker } from '@hacore/core';

export interface RedisCheckOptions {
  /** Sent as `AUTH <password>` before PING when set. */
  password?: string;
}

/** Encodes a command as a RESP array of bulk strings. */
export function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Sends PING (after AUTH when configured) and expects `+PONG`. */
export class RedisChecker implements Checker {
  constructor(private readonly spec: CheckSpec<RedisCheckOptions>) {}

  probe(signal: AbortSignal): Promise<CheckResult> {
    const started = performance.now();
    return new Promise((resolve) => {
      let reply = '';
      let done = false;
      const sock = net.connect({ host: this.spec.target.address, port: this.spec.target.port ?? 6379 });
      const finish = (ok: boolean, reason: string): void => {
        if (done) return;
        done = true;
        signal.removeEventListener('abort', onAbort);
        sock.destroy();
        resolve({ ok, reason, latencyMs: performance.now() - started });
      };
      const onAbort = (): void => finish(false, 'timeout');
      if (signal.aborted) return finish(false, 'timeout');
      signal.addEventListener('abort', onAbort, { once: true });
      sock.once('connect', () => {
        sock.write((this.spec.password ? resp('AUTH', this.spec.password) : '') + resp('PING'));
      });
      sock.on('data', (d: Buffer) => {
        reply += d.toString('latin1');
        if (reply.startsWith('-')) return finish(false, reply.split('\r\n')[0] ?? 'error');
        const lines = reply.split('\r\n');
        const want = this.spec.password ? 2 : 1;
        if (lines.length > want) {
          const pong = lines[want - 1];
          finish(pong === '+PONG', pong === '+PONG' ? 'PONG' : `unexpected ${JSON.stringify(pong)}`);
        }
      });
      sock.once('error', (e: NodeJS.ErrnoException) => finish(false, e.code ?? e.message));
      sock.once('end', () => finish(false, 'closed'));
    });
  }
}
