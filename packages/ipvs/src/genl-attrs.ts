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

/** Builds a stream of attributes; nested ones through a callback. */
export class AttrWriter {
  readonly #chunks: Buffer[] = [];
  #length = 0;

  #push(type: number, payload: Buffer): this {
    const len = NLA_HDRLEN + payload.length;
    const header = Buffer.alloc(NLA_HDRLEN);
    if (len > 0xffff) throw new RangeError(`netlink attribute ${type} too long (${len} bytes)`);
    if (LE) {
      header.writeUInt16LE(len, 0);
      header.writeUInt16LE(type, 2);
    } else {
      header.writeUInt16BE(len, 0);
      header.writeUInt16BE(type, 2);
    }
    const pad = align4(len) - len;
    this.#chunks.push(header, payload);
    if (pad) this.#chunks.push(Buffer.alloc(pad));
    this.#length += align4(len);
    return this;
  }

  bytes(type: number, value: Uint8Array): this {
    return this.#push(type, Buffer.from(value));
  }

  u8(type: number, value: number): this {
    return this.#push(type, Buffer.from([value & 0xff]));
  }

  u16(type: number, value: number): this {
    const b = Buffer.alloc(2);
    if (LE) b.writeUInt16LE(value, 0);
    else b.writeUInt16BE(value, 0);
    return this.#push(type, b);
  }

  u16be(type: number, value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(value, 0);
    return this.#push(type, b);
  }

  u32(type: number, value: number): this {
    const b = Buffer.alloc(4);
    if (LE) b.writeUInt32LE(value >>> 0, 0);
    else b.writeUInt32BE(value >>> 0, 0);
    return this.#push(type, b);
  }

  /** A NUL-terminated string, as nla_put_string writes it. */
  string(type: number, value: string): this {
    return this.#push(type, Buffer.concat([Buffer.from(value, 'utf8'), Buffer.alloc(1)]));
  }

  nested(type: number, fill: (w: AttrWriter) => void): this {
    const inner = new AttrWriter();
    fill(inner);
    return this.#push(type | NLA_F_NESTED, inner.toBuffer());
  }

  get length(): number {
    return this.#length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks, this.#length);
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
    const v = LE ? b.readBigUInt64LE(0) : b.readBigUInt64BE(0);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  string(type: number): string | undefined {
    const b = this.#map.get(type);
    if (!b) return undefined;
    const nul = b.indexOf(0);
    return b.subarray(0, nul === -1 ? b.length : nul).toString('utf8');
  }
}
