import type { EventEmitter } from 'node:events';

const CLOSED = new Set(['EPIPE', 'ECONNRESET', 'ERR_IPC_CHANNEL_CLOSED']);

/**
 * A message sent to a process whose IPC channel has just closed (a child that
 * was killed, a parent that died) fails after `send()` returned, as an `error`
 * event on the ChildProcess (or, in a child, on `process`); unheard, that event
 * would crash this process. The other end's going away is handled by the exit
 * or disconnect listener, so those errors are dropped; any other is given to `other`.
 */
export function tolerateClosedChannel(target: EventEmitter, other: (err: Error) => void): void {
  target.on('error', (err: NodeJS.ErrnoException) => {
    if (!CLOSED.has(err.code ?? '')) other(err);
  });
}
