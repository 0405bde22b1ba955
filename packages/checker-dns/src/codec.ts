/**
 * DNS messages (RFC 1035 4.1, EDNS0 of RFC 6891, the AD/CD bits of RFC 4035):
 * a query encoder and a message decoder. Pure: no I/O, no clock. The decoder
 * never throws; a malformed message is a `{ ok: false, error }` naming what is
 * wrong and where. Compression pointers must point strictly backwards into the
 * message (after the header), so a loop or a pointer out of bounds is refused.
 */
import { labelText, MAX_NAME_WIRE, parseName } from './names.js';
import { rdataText } from './rdata.js';

/** The record types a check may ask for, with their codes (IANA "Resource Record (RR) TYPEs"). */
export const QUERY_TYPES = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33 } as const;
export type QueryType = keyof typeof QUERY_TYPES;
export const TYPE_OPT = 41;
export const CLASS_IN = 1;

/** Response codes by number (RFC 1035, RFC 6895); extended ones need EDNS. */
export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'] as const;
export type RcodeName = (typeof RCODES)[number];

export function rcodeName(code: number): string {
  return RCODES[code] ?? (code === 16 ? 'BADVERS' : `RCODE${code}`);
}

export function typeName(code: number): string {
  for (const [k, v] of Object.entries(QUERY_TYPES)) if (v === code) return k;
  return code === TYPE_OPT ? 'OPT' : `TYPE${code}`;
}

export interface QuerySpec {
  id: number;
  name: string;
  type: number;
  /** RD: ask a resolver to recurse. */
  recursionDesired: boolean;
  /** AD in a query asks for the AD bit in the answer (RFC 6840 5.7). */
  authenticData?: boolean;
  /** Adds an EDNS0 OPT record advertising this UDP payload size. */
  ednsUdpSize?: number;
  /** The DO bit of EDNS0 (DNSSEC OK); implies EDNS. */
  dnssecOk?: boolean;
}

/** Encodes a standard query of one question; returns a reason when the name is not a domain name. */
export function encodeQuery(q: QuerySpec): Buffer | string {
  const labels = parseName(q.name);
  if (typeof labels === 'string') return labels;
  const nameLen = labels.reduce((n, l) => n + l.length + 1, 1);
  const edns = q.ednsUdpSize !== undefined || q.dnssecOk === true;
  const buf = Buffer.alloc(12 + nameLen + 4 + (edns ? 11 : 0));
  buf.writeUInt16BE(q.id & 0xffff, 0);
  buf.writeUInt16BE((q.recursionDesired ? 0x0100 : 0) | (q.authenticData ? 0x0020 : 0), 2);
  buf.writeUInt16BE(1, 4);
  buf.writeUInt16BE(edns ? 1 : 0, 10);
  let off = 12;
  for (const l of labels) {
    buf[off++] = l.length;
    buf.set(l, off);
    off += l.length;
  }
  buf[off++] = 0;
  buf.writeUInt16BE(q.type, off);
  buf.writeUInt16BE(CLASS_IN, off + 2);
  off += 4;
  if (edns) {
    buf[off] = 0; // root owner
    buf.writeUInt16BE(TYPE_OPT, off + 1);
    buf.writeUInt16BE(Math.max(512, q.ednsUdpSize ?? 1232), off + 3);
    buf.writeUInt32BE(q.dnssecOk ? 0x8000 : 0, off + 5); // ext-rcode 0, version 0, DO
    buf.writeUInt16BE(0, off + 9);
  }
  return buf;
}

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  /** The record data in presentation form, as dig prints it. */
  data: string;
}

export interface DnsHeader {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  ad: boolean;
  cd: boolean;
  /** The full response code: the header's 4 bits plus the OPT record's extension. */
  rcode: number;
}

export interface DnsMessage extends DnsHeader {
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  edns?: { udpSize: number; version: number; dnssecOk: boolean };
}

export type DecodeResult = { ok: true; message: DnsMessage } | { ok: false; error: string };

/** Decoding stops at the first error: a thrown value inside, a result outside. */
class Malformed {
  constructor(readonly error: string) {}
}

/** Reads a (possibly compressed) name at `off`; returns it and the offset after it in place. */
export function readName(buf: Uint8Array, off: number): { name: string; next: number } | string {
  try {
    return readNameOrThrow(buf, off);
  } catch (err) {
    if (err instanceof Malformed) return err.error;
    throw err;
  }
}

function readNameOrThrow(buf: Uint8Array, off: number): { name: string; next: number } {
  const parts: string[] = [];
  let pos = off;
  let segmentStart = off;
  let next = -1;
  let wire = 1;
  for (;;) {
    if (pos >= buf.length) throw new Malformed(`name at ${off} runs past the end (${buf.length} octets)`);
    const len = buf[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) throw new Malformed(`compression pointer at ${pos} cut short`);
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      // Strictly before the segment being read: every jump goes lower, so none can loop.
      if (target >= segmentStart) throw new Malformed(`compression pointer at ${pos} to ${target} does not point backwards (loop)`);
      if (target < 12) throw new Malformed(`compression pointer at ${pos} to ${target} points into the header`);
      if (next < 0) next = pos + 2;
      pos = target;
      segmentStart = target;
      continue;
    }
    if (len & 0xc0) throw new Malformed(`label type 0x${(len & 0xc0).toString(16)} at ${pos} is not supported`);
    if (len === 0) {
      if (next < 0) next = pos + 1;
      break;
    }
    if (pos + 1 + len > buf.length) throw new Malformed(`label at ${pos} runs past the end`);
    wire += len + 1;
    if (wire > MAX_NAME_WIRE) throw new Malformed(`name at ${off} longer than ${MAX_NAME_WIRE} octets`);
    parts.push(labelText(buf, pos + 1, len));
    pos += 1 + len;
  }
  return { name: parts.length === 0 ? '.' : `${parts.join('.')}.`, next };
}

/** A bounds-checked reader over one message. */
export class Reader {
  constructor(
    readonly buf: Uint8Array,
    public off = 0,
  ) {}

  need(n: number, what: string): void {
    if (this.off + n > this.buf.length) throw new Malformed(`${what} at ${this.off} runs past the end (${this.buf.length} octets)`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.off++]!;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = (this.buf[this.off]! << 8) | this.buf[this.off + 1]!;
    this.off += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = ((this.buf[this.off]! << 24) >>> 0) + ((this.buf[this.off + 1]! << 16) | (this.buf[this.off + 2]! << 8) | this.buf[this.off + 3]!);
    this.off += 4;
    return v;
  }

  name(): string {
    const r = readNameOrThrow(this.buf, this.off);
    this.off = r.next;
    return r.name;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }

  fail(error: string): never {
    throw new Malformed(error);
  }
}

/** Decodes a whole DNS message; never throws. */
export function decodeMessage(buf: Uint8Array): DecodeResult {
  try {
    return { ok: true, message: decodeOrThrow(buf) };
  } catch (err) {
    if (err instanceof Malformed) return { ok: false, error: err.error };
    return { ok: false, error: `undecodable (${(err as Error).message})` };
  }
}

/** The header alone: enough to match a reply to its query before decoding the rest. */
export function decodeHeader(buf: Uint8Array): DnsHeader | undefined {
  if (buf.length < 12) return undefined;
  const flags = (buf[2]! << 8) | buf[3]!;
  return {
    id: (buf[0]! << 8) | buf[1]!,
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: flags & 0xf,
  };
}

function decodeOrThrow(buf: Uint8Array): DnsMessage {
  const header = decodeHeader(buf);
  if (!header) throw new Malformed(`message of ${buf.length} octets is shorter than a header (12)`);
  const r = new Reader(buf, 4);
  const counts = [r.u16('qdcount'), r.u16('ancount'), r.u16('nscount'), r.u16('arcount')] as const;
  // Each question takes at least 5 octets and each record 11: refuse counts the message cannot hold
  // before allocating anything for them.
  if (counts[0] * 5 + (counts[1] + counts[2] + counts[3]) * 11 > buf.length - 12) {
    throw new Malformed(`counts (${counts.join(', ')}) do not fit in ${buf.length} octets`);
  }
  const questions: Question[] = [];
  for (let i = 0; i < counts[0]; i++) questions.push({ name: r.name(), type: r.u16('qtype'), class: r.u16('qclass') });
  const sections: ResourceRecord[][] = [[], [], []];
  let edns: DnsMessage['edns'];
  let rcode = header.rcode;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]!; i++) {
      const name = r.name();
      const type = r.u16('type');
      const klass = r.u16('class');
      const ttl = r.u32('ttl');
      const rdlength = r.u16('rdlength');
      r.need(rdlength, 'rdata');
      const start = r.off;
      const end = start + rdlength;
      if (type === TYPE_OPT) {
        if (s !== 2) throw new Malformed(`OPT record outside the additional section at ${start}`);
        if (edns) throw new Malformed(`a second OPT record at ${start}`);
        if (name !== '.') throw new Malformed(`OPT record with owner ${name} at ${start}`);
        edns = { udpSize: klass, version: (ttl >>> 16) & 0xff, dnssecOk: (ttl & 0x8000) !== 0 };
        rcode = ((ttl >>> 24) << 4) | header.rcode;
        r.off = end;
        continue;
      }
      const data = rdataText(new Reader(buf.subarray(0, end), start), type, rdlength);
      r.off = end;
      sections[s]!.push({ name, type, class: klass, ttl, data });
    }
  }
  const message: DnsMessage = { ...header, rcode, questions, answers: sections[0]!, authority: sections[1]!, additional: sections[2]! };
  if (edns) message.edns = edns;
  return message;
}
