/** Smallest payload: an 8-byte socket cookie, the 4-byte probe key and a 4-byte nonce. */
export const MIN_PAYLOAD_BYTES = 16;

/**
 * The payload of one echo request. The cookie is random per socket, so replies
 * to another program's pings (which a raw socket also sees) never match; the
 * nonce is random per probe, so a reply to an earlier use of the same
 * (id, seq) never matches a later one. The rest is a fixed pattern, as ping's.
 */
export function makePayload(cookie: Uint8Array, key: number, size: number, nonce: number = Math.floor(Math.random() * 0x1_0000_0000)): Buffer {
  if (size < MIN_PAYLOAD_BYTES) throw new RangeError(`payload of ${size} bytes is below the minimum of ${MIN_PAYLOAD_BYTES}`);
  // Pooled allocation: every byte is written below.
  const p = Buffer.allocUnsafe(size);
  p.set(cookie.subarray(0, 8), 0);
  p.writeUInt32BE(key >>> 0, 8);
  // Not a secret: it only tells two uses of one key apart, so Math.random is enough (and far cheaper than crypto per probe).
  p.writeUInt32BE(nonce >>> 0, 12);
  for (let i = MIN_PAYLOAD_BYTES; i < size; i++) p[i] = i & 0xff;
  return p;
}
