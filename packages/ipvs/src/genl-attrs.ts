/**
 * Netlink attributes (TLVs): a small writer and reader, pure, so that the IPVS
 * message codec is testable without a kernel. Netlink integers are in host
 * byte order; fields the kernel treats as network order (ports, IPv4 masks)
 * are written with the *Be helpers.
 */
import { endianness } from 'node:os';

const LE = endianness() === 'LE';
const NLA_HDRLEN = 4;
/** NLA_F_NESTED: the kernel's strict validation wants it on nested attributes. */
export const NLA_F_NESTED = 0x8000;
const NLA_TYPE_MASK = 0x3fff;

function align4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * Builds a stream of attributes into one growing buffer (one allocation per
 * message, not per attribute: the batch path encodes thousands of commands);
 * nested ones through a callback, their length patched when they close.
 */
export class AttrWriter {
  #buf: Buffer;
  #off = 0;

  constructor(initialSize = 256) {
    this.#buf = Buffer.allocUnsafe(initialSize);
  }

  #reserve(n: number): void {
    if (this.#off + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#off + n));
    this.#buf.copy(next, 0, 0, this.#off);
    this.#buf = next;
  }

  #header(type: number, len: number, at: number): void {
    if (len > 0xffff) throw new RangeError(`netlink attribute ${type & NLA_TYPE_MASK} too long (${len} bytes)`);
    if (LE) {
      this.#buf.writeUInt16LE(len, at);
      this.#buf.writeUInt16LE(type, at + 2);
    } else {
      this.#buf.writeUInt16BE(len, at);
      this.#buf.writeUInt16BE(type, at + 2);
    }
  }

  /** Starts an attribute of `size` payload bytes; returns the payload offset. */
  #begin(type: number, size: number): number {
    const total = align4(NLA_HDRLEN + size);
    this.#reserve(total);
    this.#header(type, NLA_HDRLEN + size, this.#off);
    const at = this.#off + NLA_HDRLEN;
    this.#buf.fill(0, at + size, this.#off + total);
    this.#off += total;
    return at;
  }

  bytes(type: number, value: Uint8Array): this {
    const at = this.#begin(type, value.length);
    this.#buf.set(value, at);
    return this;
  }

  u8(type: number, value: number): this {
    this.#buf.writeUInt8(value & 0xff, this.#begin(type, 1));
    return this;
  }

  u16(type: number, value: number): this {
    const at = this.#begin(type, 2);
    if (LE) this.#buf.writeUInt16LE(value, at);
    else this.#buf.writeUInt16BE(value, at);
    return this;
  }

  u16be(type: number, value: number): this {
    this.#buf.writeUInt16BE(value, this.#begin(type, 2));
    return this;
  }

  u32(type: number, value: number): this {
    const at = this.#begin(type, 4);
    if (LE) this.#buf.writeUInt32LE(value >>> 0, at);
    else this.#buf.writeUInt32BE(value >>> 0, at);
    return this;
  }

  /** A NUL-terminated string, as nla_put_string writes it. */
  string(type: number, value: string): this {
    const len = Buffer.byteLength(value, 'utf8');
    const at = this.#begin(type, len + 1);
    this.#buf.write(value, at, 'utf8');
    this.#buf[at + len] = 0;
    return this;
  }

  nested(type: number, fill: (w: AttrWriter) => void): this {
    this.#reserve(NLA_HDRLEN);
    const start = this.#off;
    this.#off += NLA_HDRLEN;
    fill(this);
    this.#header(type | NLA_F_NESTED, this.#off - start, start);
    return this;
  }

  get length(): number {
    return this.#off;
  }

  /** The attributes written so far (a copy: the writer may be reused). */
  toBuffer(): Buffer {
    return Buffer.from(this.#buf.subarray(0, this.#off));
  }
}

/** Attributes of one level, by type (the last one wins when repeated). */
export class Attrs {
  readonly #map: Map<number, Buffer>;

  constructor(map: Map<number, Buffer>) {
    this.#map = map;
  }

  static parse(data: Buffer): Attrs {
    const map = new Map<number, Buffer>();
    let off = 0;
    while (off + NLA_HDRLEN <= data.length) {
      const len = LE ? data.readUInt16LE(off) : data.readUInt16BE(off);
      const type = (LE ? data.readUInt16LE(off + 2) : data.readUInt16BE(off + 2)) & NLA_TYPE_MASK;
      if (len < NLA_HDRLEN || off + len > data.length) break;
      map.set(type, data.subarray(off + NLA_HDRLEN, off + len));
      off += align4(len);
    }
    return new Attrs(map);
  }

  has(type: number): boolean {
    return this.#map.has(type);
  }

  raw(type: number): Buffer | undefined {
    return this.#map.get(type);
  }

  nested(type: number): Attrs | undefined {
    const b = this.#map.get(type);
    return b ? Attrs.parse(b) : undefined;
  }

  u8(type: number): number | undefined {
    const b = this.#map.get(type);
    return b && b.length >= 1 ? b.readUInt8(0) : undefined;
  }

  u16(type: number): number | undefined {
    const b = this.#map.get(type);
    if (!b || b.length < 2) return undefined;
    return LE ? b.readUInt16LE(0) : b.readUInt16BE(0);
  }

  u16be(type: number): number | undefined {
    const b = this.#map.get(type);
    return b && b.length >= 2 ? b.readUInt16BE(0) : undefined;
  }

  u32(type: number): number | undefined {
    const b = this.#map.get(type);
    if (!b || b.length < 4) return undefined;
    return LE ? b.readUInt32LE(0) : b.readUInt32BE(0);
  }

  /** A u64 as a number (counters stay far below 2^53 in practice; clamped above). */
  u64(type: number): number | undefined {
    const b = this.#map.get(type);
    if (!b || b.length < 8) return undefined;
    // Two u32 halves instead of a BigInt: listing 10,000 destinations reads 100,000 of these.
    const hi = LE ? b.readUInt32LE(4) : b.readUInt32BE(0);
    const lo = LE ? b.readUInt32LE(0) : b.readUInt32BE(4);
    return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
  }

  string(type: number): string | undefined {
    const b = this.#map.get(type);
    if (!b) return undefined;
    const nul = b.indexOf(0);
    return b.subarray(0, nul === -1 ? b.length : nul).toString('utf8');
  }
}
