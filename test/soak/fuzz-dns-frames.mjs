// Replies for the DNS fuzzer (fuzz-dns.mjs), from a seeded Rng: for each query the fake
// responder answers with a burst of mutated and random replies, then (by the plan the
// query's name carries) the real answer, a wrong one, a SERVFAIL, a truncated one, or
// nothing. The check expects the A record GOOD; no fuzzed reply carries GOOD's four
// octets anywhere, so a probe that passes must have been settled by the real answer:
// a pass on any other plan is a finding.

export const GOOD = '198.51.100.80';
export const BAD = '198.51.100.81';
export const PLANS = { good: 3, tc: 1, wrong: 2, servfail: 1, none: 2 };
export const DNS_CLASSES = {
  'wrong-id': 3,
  'not-response': 1,
  'wrong-question': 2,
  truncate: 3,
  'bad-counts': 2,
  loop: 2,
  'pointer-out': 2,
  'label-type': 1,
  rdlength: 2,
  flip: 3,
  random: 3,
  records: 2,
  // These two are well formed for the query and settle the probe (as failures): kept rare.
  'wrong-answer': 0.3,
  extend: 0.3,
};

const ip4 = (a) => Buffer.from(a.split('.').map(Number));
const GOOD_BYTES = ip4(GOOD);

/** The id and the question section (name, type, class) of a query; undefined if it has none. */
export function parseQuery(q) {
  if (q.length < 12 || q.readUInt16BE(4) !== 1) return undefined;
  let off = 12;
  const labels = [];
  while (off < q.length && q[off] !== 0) {
    const len = q[off];
    if (len > 63 || off + 1 + len > q.length) return undefined;
    labels.push(q.subarray(off + 1, off + 1 + len).toString('latin1'));
    off += 1 + len;
  }
  if (off + 5 > q.length) return undefined;
  return { id: q.readUInt16BE(0), question: q.subarray(12, off + 5), name: labels.join('.'), rd: (q[2] & 1) !== 0 };
}

/** A well-formed reply to the query: one A record (name compressed to the question's). */
export function answer(p, { address = GOOD, rcode = 0, tc = false, records } = {}) {
  const rrs = records ?? [Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4]), ip4(address)])];
  const h = Buffer.alloc(12);
  h.writeUInt16BE(p.id, 0);
  h.writeUInt16BE(0x8000 | (p.rd ? 0x0100 : 0) | 0x0080 | (tc ? 0x0200 : 0) | rcode, 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(rrs.length, 6);
  return Buffer.concat([h, p.question, ...rrs]);
}

/** Replaces every copy of GOOD's octets, so that no fuzzed reply can carry the expected answer. */
function scrub(m) {
  for (let i = m.indexOf(GOOD_BYTES); i >= 0; i = m.indexOf(GOOD_BYTES, i)) m[i + 3] ^= 0x01;
  return m;
}

const RR_TYPES = [1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 99, 65535];

/** One record of a random type with random (often wrong-length) data. */
function randomRecord(rng, ansOff) {
  const type = rng.pick(RR_TYPES);
  const lengths = { 1: 4, 28: 16, 15: 4, 33: 8, 6: 22 };
  const n = rng.next() < 0.5 && lengths[type] ? lengths[type] : rng.int(0, 40);
  const data = rng.bytes(n);
  // Names inside the data: a pointer to the question half the time.
  if (n >= 2 && [2, 5, 12].includes(type) && rng.next() < 0.5) data.writeUInt16BE(0xc00c, 0);
  const name = rng.next() < 0.7 ? Buffer.from([0xc0, 0x0c]) : rng.next() < 0.5 ? Buffer.from([0]) : Buffer.from([0xc0 | (ansOff >> 8), ansOff & 0xff]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(rng.next() < 0.8 ? 1 : rng.int(0, 0xffff), 2);
  fixed.writeUInt32BE(rng.int(0, 0xffffffff) >>> 0, 4);
  fixed.writeUInt16BE(n, 8);
  return Buffer.concat([name, fixed, data]);
}

/** The fuzzed replies of one responder (a seeded stream). */
export function dnsFuzzer(rng) {
  const counts = Object.fromEntries(Object.keys(DNS_CLASSES).map((c) => [c, 0]));
  function mutate(p, cls) {
    let m = answer(p, { address: BAD });
    const ansOff = 12 + p.question.length;
    switch (cls) {
      case 'wrong-id':
        m.writeUInt16BE(p.id ^ rng.int(1, 0xffff), 0);
        break;
      case 'not-response':
        m[2] &= 0x7f;
        break;
      case 'wrong-question': {
        const f = rng.int(0, 2);
        if (f === 0) m.writeUInt16BE(rng.pick([2, 5, 28, 255, rng.int(0, 0xffff)]), ansOff - 4);
        else if (f === 1) m.writeUInt16BE(rng.pick([0, 3, 255, rng.int(2, 0xffff)]), ansOff - 2);
        else {
          // A letter of the name changed to another (not another case of itself).
          const i = rng.int(13, ansOff - 6);
          m[i] = m[i] === 0x7a ? 0x79 : 0x7a;
        }
        break;
      }
      case 'truncate':
        m = m.subarray(0, rng.int(0, m.length - 1));
        break;
      case 'bad-counts':
        m.writeUInt16BE(rng.next() < 0.5 ? rng.int(0, 0xffff) : rng.int(0, 8), rng.pick([4, 6, 8, 10]));
        break;
      case 'loop': {
        // The answer's owner name: a pointer to itself, forwards, or a chain that comes back.
        const r = rng.int(0, 2);
        if (r === 0) m.writeUInt16BE(0xc000 | ansOff, ansOff);
        else if (r === 1) m.writeUInt16BE(0xc000 | (ansOff + rng.int(1, 12)), ansOff);
        // The question's name a pointer to the answer's, which points back to the question.
        else m.writeUInt16BE(0xc000 | ansOff, 12);
        break;
      }
      case 'pointer-out':
        m.writeUInt16BE(0xc000 | (rng.next() < 0.5 ? rng.int(0, 11) : rng.int(m.length, 0x3fff)), ansOff);
        break;
      case 'label-type':
        m[rng.next() < 0.5 ? ansOff : 12] = rng.pick([0x40, 0x80]) | rng.int(0, 63);
        break;
      case 'rdlength':
        m.writeUInt16BE(rng.next() < 0.5 ? rng.int(0, 8) : rng.int(0, 0xffff), ansOff + 10);
        break;
      case 'flip':
        for (let i = rng.int(1, 4); i > 0; i--) m[rng.int(0, m.length - 1)] ^= 1 << rng.int(0, 7);
        break;
      case 'random':
        m = rng.bytes(rng.int(0, 120));
        if (m.length >= 4 && rng.next() < 0.5) {
          m.writeUInt16BE(p.id, 0);
          m[2] |= 0x80;
          m[2] &= ~0x02;
        }
        break;
      case 'records': {
        const n = rng.int(1, 6);
        const rrs = Array.from({ length: n }, () => randomRecord(rng, ansOff));
        m = answer(p, { records: rrs });
        if (rng.next() < 0.3) m.writeUInt16BE(rng.int(0, 12), rng.pick([6, 8, 10]));
        break;
      }
      case 'wrong-answer':
        break;
      case 'extend':
        m = Buffer.concat([m, rng.bytes(rng.int(1, 64))]);
        break;
    }
    return scrub(Buffer.from(m));
  }
  return {
    counts,
    /** A burst of fuzzed replies to the query `p`. */
    burst(p, n) {
      const out = [];
      for (let i = 0; i < n; i++) {
        const cls = rng.weighted(DNS_CLASSES);
        counts[cls]++;
        out.push(mutate(p, cls));
      }
      return out;
    },
  };
}

/** The last reply a plan sends (undefined: none), over UDP or TCP. */
export function finalReply(p, plan, tcp) {
  if (plan === 'good') return answer(p);
  if (plan === 'tc') return answer(p, { tc: !tcp });
  if (plan === 'wrong') return answer(p, { address: BAD });
  if (plan === 'servfail') return answer(p, { rcode: 2 });
  return undefined;
}

/** The plan a query's name carries: `PLAN-N.fuzz.test`. */
export function planOf(name) {
  const plan = /^([a-z]+)-\d+\./.exec(name)?.[1];
  return plan && plan in PLANS ? plan : 'none';
}
