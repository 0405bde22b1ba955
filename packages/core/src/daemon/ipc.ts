import type { HacoreEvent } from '../types.js';

/** Messages from the supervisor to a child. */
export type ParentMessage =
  | { t: 'event'; event: HacoreEvent }
  | { t: 'request'; id: number; op: 'reload' | 'status' }
  | { t: 'stop'; reason: string };

/** Messages from a child to the supervisor. */
export type ChildMessage =
  | { t: 'ready' }
  | { t: 'fatal'; code: string; message: string }
  | { t: 'event'; event: HacoreEvent }
  | { t: 'reply'; id: number; ok: true; result: unknown }
  | { t: 'reply'; id: number; ok: false; code: string; message: string };
