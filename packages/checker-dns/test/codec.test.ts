import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeMessage, encodeQuery, readName } from '../src/codec.js';
import { checkReply, compileAnswer } from '../src/expect.js';
import { parseName } from '../src/names.js';

const header = (id: number, flags: number, qd: number, an: number): number[] => [id >> 8, id & 255, flags >> 8, flags & 255, 0, qd, 0, an, 0, 0, 0, 0];

test('a query encodes id, RD/AD, one question and EDNS DO; decoding gives them back', () => {
  const q = encodeQuery({ id: 0xbeef, name: 'www.Example.test.', type: 1, recursionDesired: true, authenticData: true, dnssecOk: true });
  assert.ok(Buffer.isBuffer(q));
  const d = decodeMessage(q);
  assert.ok(d.ok);
  assert.deepEqual([d.message.id, d.message.rd, d.message.ad, d.message.qr], [0xbeef, true, true, false]);
  assert.deepEqual(d.message.questions, [{ name: 'www.Example.test.', type: 1, class: 1 }]);
  assert.deepEqual(d.message.edns, { udpSize: 1232, version: 0, dnssecOk: true });
  assert.equal(encodeQuery({ id: 1, name: 'a..b', type: 1, recursionDesired: false }), 'an empty label at offset 2');
});

test('compression: a backward pointer is followed; a loop, a forward or self pointer and one into the header are refused', () => {
  // name at 12: "a" + root; name at 15: "b" + pointer to 12.
  const buf = Uint8Array.from([...header(1, 0x8000, 0, 0), 1, 0x61, 0, 1, 0x62, 0xc0, 12]);
  assert.deepEqual(readName(buf, 15), { name: 'b.a.', next: 19 });
  const self = Uint8Array.from([...header(1, 0x8000, 0, 0), 0xc0, 12]);
  assert.match(String(readName(self, 12)), /does not point backwards/);
  const loop = Uint8Array.from([...header(1, 0x8000, 0, 0), 1, 0x61, 0xc0, 16, 0xc0, 12]);
  assert.match(String(readName(loop, 16)), /does not point backwards/);
  const intoHeader = Uint8Array.from([...header(1, 0x8000, 0, 0), 0xc0, 2]);
  assert.match(String(readName(intoHeader, 12)), /into the header/);
  const past = Uint8Array.from([...header(1, 0x8000, 0, 0), 5, 0x61]);
  assert.match(String(readName(past, 12)), /runs past the end/);
});

test('record data: A, AAAA, MX, SOA, TXT, SRV as dig prints them; a wrong length is refused', () => {
  const q = [3, 0x77, 0x77, 0x77, 0, 0, 1, 0, 1];
  const rr = (type: number, data: number[]): number[] => [0xc0, 12, 0, type, 0, 1, 0, 0, 0, 60, data.length >> 8, data.length & 255, ...data];
  const msg = (records: number[][]): Uint8Array => Uint8Array.from([...header(7, 0x8180, 1, records.length), ...q, ...records.flat()]);
  const one = (type: number, data: number[]): string => {
    const d = decodeMessage(msg([rr(type, data)]));
    assert.ok(d.ok, d.ok ? '' : d.error);
    return d.message.answers[0]!.data;
  };
  assert.equal(one(1, [198, 51, 100, 1]), '198.51.100.1');
  assert.equal(one(28, [0x20, 0x01, 0x0d, 0xb8, ...Array(11).fill(0), 1]), '2001:db8::1');
  assert.equal(one(15, [0, 10, 0xc0, 12]), '10 www.');
  assert.equal(one(16, [2, 0x68, 0x69, 1, 0x22]), '"hi" "\\""');
  assert.equal(one(33, [0, 1, 0, 2, 0, 53, 0]), '1 2 53 .');
  assert.equal(one(6, [0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5]), '. . 1 2 3 4 5');
  assert.equal(one(99, [1, 2]), '\\# 2 0102');
  const bad = decodeMessage(msg([rr(1, [1, 2, 3])]));
  assert.equal(bad.ok, false);
  const bad2 = decodeMessage(msg([rr(15, [0, 10, 0xc0, 12, 0])]));
  assert.equal(bad2.ok, false);
});

test('checkReply: rcode first, then AD, answer count, expected answer', () => {
  const base = { id: 1, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: false, ad: false, cd: false, rcode: 0, questions: [], authority: [], additional: [] };
  const answers = [{ name: 'www.', type: 28, class: 1, ttl: 60, data: '2001:db8::80' }];
  const e = { qtype: 28, rcodes: [0], requireAd: false, minAnswers: 1 };
  const m = compileAnswer('2001:DB8:0::80');
  assert.equal(typeof m, 'function');
  assert.equal(checkReply({ ...base, answers }, e, m as (d: string) => boolean), undefined);
  assert.equal(checkReply({ ...base, rcode: 3, answers }, e, undefined), 'rcode NXDOMAIN');
  assert.equal(checkReply({ ...base, answers }, { ...e, requireAd: true }, undefined), 'ad flag not set');
  assert.equal(checkReply({ ...base, answers: [] }, e, undefined), '0 answers (at least 1 expected)');
  assert.equal(typeof compileAnswer('/(/'), 'string');
});

test('property: the decoder never throws on any bytes, and refuses or decodes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
      const d = decodeMessage(bytes);
      assert.equal(typeof d.ok, 'boolean');
    }),
    { numRuns: 3000 },
  );
});

test('property: mutated real replies (bytes flipped, pointers aimed anywhere, cut short) never throw', () => {
  const q = encodeQuery({ id: 9, name: 'www.example.test', type: 1, recursionDesired: true }) as Buffer;
  const reply = Buffer.concat([q, Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 198, 51, 100, 80, 0xc0, 16, 0, 5, 0, 1, 0, 0, 0, 60, 0, 2, 0xc0, 12])]);
  reply.writeUInt16BE(0x8180, 2);
  reply.writeUInt16BE(2, 6);
  assert.ok(decodeMessage(reply).ok);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(reply.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(reply.length), (edits, cut) => {
      const b = Buffer.from(reply);
      for (const [at, v] of edits) b[at] = v;
      const d = decodeMessage(b.subarray(0, cut));
      assert.equal(typeof d.ok, 'boolean');
    }),
    { numRuns: 5000 },
  );
});

test('property: encode then decode gives back any valid name and type', () => {
  const label = fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/);
  fc.assert(
    fc.property(fc.array(label, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 65535 }), (labels, type, id) => {
      const name = `${labels.join('.')}.`;
      const q = encodeQuery({ id, name, type, recursionDesired: false });
      assert.ok(Buffer.isBuffer(q));
      const d = decodeMessage(q);
      assert.ok(d.ok);
      assert.deepEqual([d.message.id, d.message.questions[0]], [id, { name, type, class: 1 }]);
      assert.equal((parseName(name) as Uint8Array[]).length, labels.length);
    }),
  );
});

