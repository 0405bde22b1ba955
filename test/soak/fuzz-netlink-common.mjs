// Shared by the netlink fuzzers (fuzz-netlink-ipvs.mjs, fuzz-netlink-rt.mjs): a stand-in
// for the kernel's side of a raw netlink socket, message and attribute builders, and
// the mutations of attribute payloads.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '../..');
/** `require` as a package of the repository resolves it (the `netlink` package's internals). */
export const requireFrom = (pkg) => createRequire(path.join(ROOT, 'packages', pkg, 'package.json'));
export const dist = (p) => pathToFileURL(path.join(ROOT, 'packages', p)).href;

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const NLM_F_MULTI = 0x2;
export const NLM_F_DUMP = 0x300;

/** A raw netlink socket with no kernel behind it: `answer(datagram)` returns what to deliver. */
export class StandInSocket extends EventEmitter {
  constructor(answer) {
    super();
    this.answer = answer;
  }
  send(data, _options, cb) {
    const buf = Buffer.concat([data].flat());
    setImmediate(() => {
      cb?.(null);
      for (const d of this.answer(buf)) this.emit('message', d, { port: 0 });
    });
  }
  deliver(datagram) {
    this.emit('message', datagram, { port: 0 });
  }
  address() {
    return { port: 4242 };
  }
  ref() {}
  unref() {}
  close() {}
  addMembership() {}
  dropMembership() {}
  setRecvBufferSize() {}
}

export const align4 = (n) => (n + 3) & ~3;
export function nla(type, payload) {
  const b = Buffer.alloc(align4(4 + payload.length));
  b.writeUInt16LE(4 + payload.length, 0);
  b.writeUInt16LE(type, 2);
  payload.copy(b, 4);
  return b;
}
export const nested = (type, parts) => nla(type | 0x8000, Buffer.concat(parts));
export const u8 = (v) => Buffer.from([v]);
export const u16 = (v) => Buffer.from([v & 0xff, v >> 8]);
export const u16be = (v) => Buffer.from([v >> 8, v & 0xff]);
export const u32 = (v) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
export const u64 = (v) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(v));
  return b;
};
export const str = (s) => Buffer.concat([Buffer.from(s), Buffer.alloc(1)]);

export function nlmsg(type, flags, seq, port, payload) {
  const b = Buffer.alloc(align4(16 + payload.length));
  b.writeUInt32LE(16 + payload.length, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b.writeUInt32LE(seq, 8);
  b.writeUInt32LE(port, 12);
  payload.copy(b, 16);
  return b;
}

/** Mutations of an attribute payload (or of a whole message body). */
export function mutateBytes(rng, b) {
  const m = Buffer.from(b);
  switch (rng.int(0, 6)) {
    case 0:
      for (let i = rng.int(1, 6); i > 0 && m.length; i--) m[rng.int(0, m.length - 1)] ^= 1 << rng.int(0, 7);
      return m;
    case 1:
      return m.subarray(0, rng.int(0, m.length));
    case 2: {
      // An attribute length somewhere set to anything.
      if (m.length >= 2) m.writeUInt16LE(rng.int(0, 0xffff), rng.int(0, Math.floor((m.length - 2) / 4)) * 4);
      return m;
    }
    case 3:
      return Buffer.concat([m, rng.bytes(rng.int(1, 64))]);
    case 4:
      return rng.bytes(rng.int(0, 200));
    case 5: {
      // A random attribute spliced in at an attribute boundary.
      const at = rng.int(0, Math.floor(m.length / 4)) * 4;
      return Buffer.concat([m.subarray(0, at), nla(rng.int(0, 20) | (rng.next() < 0.3 ? 0x8000 : 0), rng.bytes(rng.int(0, 24))), m.subarray(at)]);
    }
    default:
      return m;
  }
}

export const isTyped = (err, names) => err instanceof Error && names.includes(err.name);

export function badAddress(address, family) {
  return typeof address !== 'string' || isIP(address) !== family;
}
