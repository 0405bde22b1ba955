import { createHmac, randomUUID } from 'node:crypto';
import type { GenericEvent } from '@hacore/core';

/** The version tag of the document; a breaking change of its shape changes it. */
export const SCHEMA_ID = 'hacore.event/v1';

/**
 * What is POSTed for each event (documented in docs/notifiers.md). `id` is the
 * same across the retries of one event, so receivers can drop duplicates.
 */
export interface WebhookDocument {
  schema: typeof SCHEMA_ID;
  id: string;
  host: string;
  /** ISO 8601 time of this attempt. */
  sentAt: string;
  /** The event as the daemon emitted it (`time` in ms since the epoch). */
  event: GenericEvent;
}

export function makeDocument(event: GenericEvent, host: string): Omit<WebhookDocument, 'sentAt'> {
  return { schema: SCHEMA_ID, id: randomUUID(), host, event };
}

export function serialize(doc: Omit<WebhookDocument, 'sentAt'>, now: Date): string {
  return JSON.stringify({ schema: doc.schema, id: doc.id, host: doc.host, sentAt: now.toISOString(), event: doc.event });
}

/** Whether a response status deserves another attempt. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** The `x-hacore-signature` header value: `sha256=` and the hex HMAC-SHA256 of the exact body bytes. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
