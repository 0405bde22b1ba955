import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ehloKeywords, SmtpReplyReader } from '../src/smtp-reply.js';

test('a one-line reply, a multi-line reply, a bare code', () => {
  const r = new SmtpReplyReader();
  assert.deepEqual(r.push('220 mx.example.test ESMTP\r\n'), { code: 220, lines: ['mx.example.test ESMTP'] });
  assert.deepEqual(r.push('250-mx.example.test\r\n250-SIZE 1000\r\n250 STARTTLS\r\n'), { code: 250, lines: ['mx.example.test', 'SIZE 1000', 'STARTTLS'] });
  assert.deepEqual(r.push('221\r\n'), { code: 221, lines: [''] });
});

test('any chunking gives the same replies, one byte at a time included', () => {
  const text = '220-first\r\n220 second\r\n250-a\n250 b\r\n';
  for (const size of [1, 2, 3, 7, text.length]) {
    const r = new SmtpReplyReader();
    const out = [];
    for (let i = 0; i < text.length; i += size) {
      let x = r.push(text.slice(i, i + size));
      while (x !== undefined) {
        out.push(x);
        x = r.next();
      }
    }
    assert.deepEqual(out, [{ code: 220, lines: ['first', 'second'] }, { code: 250, lines: ['a', 'b'] }], `chunk ${size}`);
  }
});

test('replies that are not SMTP are errors, never a crash', () => {
  for (const bad of ['HTTP/1.1 400 Bad Request\r\n', '22 short\r\n', '220x\r\n', '250-a\r\n251 b\r\n', '600 code out of range\r\n', '\r\n']) {
    const r = new SmtpReplyReader();
    let x = r.push(bad);
    while (x !== undefined && !('error' in x)) x = r.next();
    assert.equal(x && 'error' in x ? x.error : undefined, 'bad reply', JSON.stringify(bad));
  }
});

test('a reply over the bound is an error, with or without line ends', () => {
  const r = new SmtpReplyReader(600);
  let x;
  for (let i = 0; i < 40 && x === undefined; i++) x = r.push('250-0123456789012345678901234567890\r\n');
  assert.deepEqual(x, { error: 'reply too long' });
  assert.deepEqual(new SmtpReplyReader(600).push('2'.repeat(700)), { error: 'reply too long' });
});

test('bytes after a complete reply wait for the next read; reset drops them', () => {
  const r = new SmtpReplyReader();
  assert.deepEqual(r.push('220 ready\r\n250 injected'), { code: 220, lines: ['ready'] });
  assert.equal(r.pending, 12);
  r.reset();
  assert.equal(r.pending, 0);
  assert.equal(r.next(), undefined);
});

test('EHLO keywords: every line but the first, upper-cased', () => {
  assert.deepEqual([...ehloKeywords({ code: 250, lines: ['mx Hello', 'size 100', 'StartTLS', '8BITMIME'] })], ['SIZE', 'STARTTLS', '8BITMIME']);
  assert.equal(ehloKeywords({ code: 250, lines: ['mx says STARTTLS'] }).has('STARTTLS'), false);
});
