import type { ActionRequest, GenericEvent } from '../types.js';

/** Messages from the supervisor to a child. */
export type ParentMessage =
  | { t: 'event'; event: GenericEvent }
  | { t: 'request'; id: number; op: 'status' | 'abort' | 'commit' }
  | { t: 'request'; id: number; op: 'prepare'; raw: { file: string; value: unknown } }
  | { t: 'request'; id: number; op: 'action'; action: ActionRequest }
  | { t: 'stop'; reason: string }
  /** To a preforked child: the plugins to import while the supervisor loads (prefork.ts). */
  | { t: 'warm'; plugins: string[] }
  /** The answer to `config-request`: the document the supervisor runs, so a restarted child runs the same. */
  | { t: 'config'; raw: { file: string; value: unknown } | undefined };

/** Messages from a child to the supervisor. */
export type ChildMessage =
  | { t: 'ready' }
  | { t: 'config-request' }
  | { t: 'fatal'; code: string; message: string }
  | { t: 'event'; event: GenericEvent }
  | { t: 'reply'; id: number; ok: true; result: unknown }
  | { t: 'reply'; id: number; ok: false; code: string; message: string };
