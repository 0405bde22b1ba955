import { randomBytes } from 'node:crypto';

/** Smallest payload: an 8-byte socket cookie, the 4-byte probe key and a 4-byte nonce. */
export const MIN_PAYLOAD_BYTES = 16;

/**
 * The payload of one echo request. The cookie is random per socket, so replies
 * to another program's pings (which a raw socket also sees) never match; the
 * nonce is random per probe, so a reply to an earlier use of the same
 * (id, seq) never matches a later one. The rest is a fixed pattern, as ping's.
 */
export function makePayload(cookie: Uint8Array, key: number, size: number, nonce: Uint8Array = randomBytes(4)): Buffer {
  if (size < MIN_PAYLOAD_BYTES) throw new RangeError(`payload of ${size} bytes is below the minimum of ${MIN_PAYLOAD_BYTES}`);
  const p = Buffer.alloc(size);
  p.set(cookie.subarray(0, 8), 0);
  p.writeUInt32BE(key >>> 0, 8);
  p.set(nonce.subarray(0, 4), 12);
  for (let i = MIN_PAYLOAD_BYTES; i < size; i++) p[i] = i & 0xff;
  return p;
}
