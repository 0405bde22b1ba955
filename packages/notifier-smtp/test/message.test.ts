import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServer } from '../src/config.js';
import { formatMail } from '../src/message.js';

test('smtp server forms, keepalived\'s "host port" included', () => {
  assert.deepEqual(parseServer('mail.example.com'), { host: 'mail.example.com', port: 25 });
  assert.deepEqual(parseServer('198.51.100.5:2525'), { host: '198.51.100.5', port: 2525 });
  assert.deepEqual(parseServer('198.51.100.5 2525'), { host: '198.51.100.5', port: 2525 });
  assert.deepEqual(parseServer('[2001:db8::5]:587'), { host: '2001:db8::5', port: 587 });
  assert.deepEqual(parseServer('2001:db8::5'), { host: '2001:db8::5', port: 25 });
  assert.equal(parseServer('host:99999'), undefined);
  assert.equal(parseServer(''), undefined);
});

test('keepalived-style subjects', () => {
  const at = { time: 0, origin: 'vrrp' as const };
  assert.equal(formatMail({ ...at, kind: 'vrrp-transition', instance: 'VI_1', vrid: 1, from: 'MASTER', to: 'BACKUP', priority: 100, reason: 'r' }, 'lb', 'h')?.subject, '[lb] VRRP Instance VI_1 - Entering BACKUP state');
  assert.equal(formatMail({ ...at, kind: 'vrrp-group-transition', group: 'G', from: 'MASTER', to: 'STOP', reason: 'r' }, 'lb', 'h')?.subject, '[lb] VRRP Group G - Stopping');
  const rs = formatMail({ ...at, kind: 'real-server', virtualServer: 'web', realServer: '198.51.100.11:80', up: false, weight: 0, reason: 'timeout' }, 'lb', 'h');
  assert.equal(rs?.subject, '[lb] Realserver 198.51.100.11:80 of virtual server web - DOWN');
  assert.match(rs?.text ?? '', /CHECK failed on service: timeout/);
  assert.match(rs?.text ?? '', /time: 1970-01-01T00:00:00.000Z/);
});
